import NanosKernel

/// A wasm binary from anywhere: parsed and validated, then instantiated and run under
/// tight limits (1 MiB of memory, 100k fuel, 1 s, 16 steps, a 256 KiB interpreter stack)
/// with every group granted. Whatever the module does, the run must end with a report.
let wasmTarget = FuzzTarget(
    name: "wasm",
    summary: "Kernel.loadImage(bytes:source:) on a binary module, then Kernel.run under 1 MiB / 100k fuel / 1 s",
    run: { bytes in
        guard let image = try? Kernel.loadImage(bytes: Array(bytes), source: "fuzz.wasm") else { return }
        let report = Kernel.run(manifest: wasmManifest, image: image, options: runOptions)
        _ = report.json().serialized()
        show(report)
    },
    prepare: {
        makeScratchFiles()
        writeSeedsIfAsked(wasmSeeds)
    })

let wasmManifest = fuzzManifest(fuel: 100_000, maxSteps: 16, stackBytes: 256 << 10)

/// WAT text through the kernel's own path for `.wat` binaries (WasmKit's wat2wasm, then
/// the binary parser); a module that loads is not run (the wasm target runs modules).
let watTarget = FuzzTarget(
    name: "wat",
    summary: "Kernel.loadImage(bytes:source:) with a .wat source: WasmKit's wat2wasm and the module parser",
    run: { bytes in
        do throws(ImageError) {
            _ = try Kernel.loadImage(bytes: Array(bytes), source: "fuzz.wat")
        } catch {
            _ = error.description
        }
    })
