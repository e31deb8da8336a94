import Foundation

/// Builds the JS runtime module: QuickJS-ng compiled to wasm32-wasi with the glue in
/// `guest/js/runtime`, which binds ABI v1 (docs/guests.md, "JavaScript and TypeScript").
///
/// QuickJS's sources come from the PyPI sdist that `scripts/js-deps.sh` unpacks into
/// the cache; its objects are compiled once per version and recipe, and the linked
/// runtime is kept under a hash of the glue, so only a changed glue relinks it.
struct JSRuntimeBuilder {
    static let sourceVariable = "NANOS_QUICKJS_SOURCE"
    static let runtimeVariable = "NANOS_JS_RUNTIME"
    /// Bumped whenever the flags below change, so stale objects are never reused.
    static let recipe = "r1"
    static let upstreamFiles = ["quickjs.c", "libregexp.c", "libunicode.c", "dtoa.c"]
    /// The entry points the pre-initialiser calls, plus what every guest exports. The
    /// glue marks its own with `export_name`; `_initialize` comes from crt1-reactor.
    static let requiredExports = [
        "memory", "_initialize", "nanos_alloc", "free", "run", "nanos_js_init", "nanos_js_compile", "nanos_js_output",
        "nanos_js_load",
    ]
    /// QuickJS's C stack (the wasm shadow stack); the glue sizes its recursion limit from it.
    static let shadowStackBytes = 1 << 20

    let toolchain: Toolchain

    struct Runtime {
        let bytes: [UInt8]
        /// e.g. "quickjs-ng 0.17.0.2, runtime 1f3a…"; recorded in every agent module.
        let provenance: String
    }

    func runtime() throws(CompileError) -> Runtime {
        if let prebuilt = toolchain.environment[JSRuntimeBuilder.runtimeVariable], !prebuilt.isEmpty {
            return Runtime(bytes: try read(prebuilt), provenance: "prebuilt runtime \(Paths.lastComponent(prebuilt))")
        }
        let version = try quickJSVersion()
        let glue = try glueSources()
        let header = try toolchain.guestSDKFile("c/nanos.h")
        var hash = FNV1a()
        hash.add(JSRuntimeBuilder.recipe)
        hash.add(version)
        for file in glue + [header] {
            hash.add(Paths.lastComponent(file))
            hash.add(try read(file))
        }
        let cacheFolder = Paths.join(toolchain.cacheDirectory(), "quickjs-ng-\(version)")
        let linked = Paths.join(cacheFolder, "runtime-\(hash.hex).wasm")
        let provenance = "quickjs-ng \(version), runtime \(hash.hex)"
        if Paths.isFile(linked) { return Runtime(bytes: try read(linked), provenance: provenance) }

        let source = try quickJSSource(version: version)
        let objects = try upstreamObjects(
            source: source, into: Paths.join(cacheFolder, "wasm32-objects-\(JSRuntimeBuilder.recipe)"))
        let bytes = try Paths.withTemporaryDirectory(in: cacheFolder) {
            (scratch: String) throws(CompileError) -> [UInt8] in
            var linkInputs = objects
            for file in glue where file.hasSuffix(".c") {
                let object = Paths.join(scratch, Paths.splitExtension(Paths.lastComponent(file)).base + ".o")
                try compile(file, to: object, include: [source, Paths.parent(header), Paths.parent(file)])
                linkInputs.append(object)
            }
            let output = Paths.join(scratch, "runtime.wasm")
            try link(linkInputs, to: output)
            let bytes = try read(output)
            let exports = WasmExports.names(in: bytes) ?? []
            let missing = JSRuntimeBuilder.requiredExports.filter { !exports.contains($0) }
            guard missing.isEmpty else {
                throw .compilerFailed(
                    tool: "wasm-ld (building the JS runtime)", exitCode: 1,
                    output: "the JS runtime from guest/js/runtime does not export \(missing.joined(separator: ", "))")
            }
            return bytes
        }
        try Paths.writeAtomically(bytes, to: linked, what: "the JS runtime to the cache")
        return Runtime(bytes: bytes, provenance: provenance)
    }

    // MARK: Sources

    /// The pinned QuickJS-ng version, written once in `guest/js/runtime/QUICKJS_VERSION`.
    func quickJSVersion() throws(CompileError) -> String {
        let file = try toolchain.guestSDKFile("js/runtime/QUICKJS_VERSION")
        let version = String(decoding: try read(file), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !version.isEmpty else { throw .io(path: file, reason: "is empty; it should hold the QuickJS-ng version") }
        return version
    }

    private func quickJSSource(version: String) throws(CompileError) -> String {
        let folder =
            toolchain.environment[JSRuntimeBuilder.sourceVariable].flatMap { $0.isEmpty ? nil : $0 }
            ?? Paths.join(toolchain.cacheDirectory(), "quickjs-ng-\(version)", "upstream-quickjs")
        guard Paths.isFile(Paths.join(folder, "quickjs.c")) else {
            throw .toolNotFound(
                name: "the QuickJS-ng \(version) sources (\(folder))",
                hint: "run `make setup` (or `bash scripts/js-deps.sh`) to fetch them from PyPI, "
                    + "or set \(JSRuntimeBuilder.sourceVariable) to a folder holding quickjs.c")
        }
        return folder
    }

    private func glueSources() throws(CompileError) -> [String] {
        let folder = Paths.parent(try toolchain.guestSDKFile("js/runtime/QUICKJS_VERSION"))
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        // Headers count too: a changed header must relink.
        return names.filter { $0.hasSuffix(".c") || $0.hasSuffix(".h") }.sorted().map { Paths.join(folder, $0) }
    }

    // MARK: Building

    private func upstreamObjects(source: String, into folder: String) throws(CompileError) -> [String] {
        var objects: [String] = []
        for file in JSRuntimeBuilder.upstreamFiles {
            let object = Paths.join(folder, Paths.splitExtension(file).base + ".o")
            objects.append(object)
            if Paths.isFile(object) { continue }
            let built = try Paths.withTemporaryDirectory(in: folder) {
                (scratch: String) throws(CompileError) -> [UInt8] in
                let temporary = Paths.join(scratch, Paths.lastComponent(object))
                try compile(Paths.join(source, file), to: temporary, include: [source])
                return try read(temporary)
            }
            try Paths.writeAtomically(built, to: object, what: "a QuickJS object to the cache")
        }
        return objects
    }

    private func compile(_ file: String, to object: String, include: [String]) throws(CompileError) {
        let sysroot = try toolchain.wasiSysroot()
        var arguments = ["--target=wasm32-wasi", "-O2", "-D_GNU_SOURCE", "-nostdlibinc", "-isystem", sysroot.include]
        for folder in include { arguments += ["-I", folder] }
        arguments += ["-c", file, "-o", object]
        try runTool("clang", arguments)
    }

    private func link(_ objects: [String], to output: String) throws(CompileError) {
        let sysroot = try toolchain.wasiSysroot()
        // A reactor: `_initialize` runs the C constructors once, at compile time only.
        var arguments = [
            "--no-entry", "--stack-first", "-z", "stack-size=\(JSRuntimeBuilder.shadowStackBytes)", "--strip-all",
            Paths.join(sysroot.lib, "crt1-reactor.o"),
        ]
        arguments.append("--export=_initialize")
        arguments += objects.filter { $0.hasSuffix(".o") }
        arguments += ["-L", sysroot.lib, "-lc", try toolchain.builtinsArchive(), "-o", output]
        try runTool("wasm-ld", arguments)
    }

    private func runTool(_ name: String, _ arguments: [String]) throws(CompileError) {
        let result = try ToolRunner.run(try toolchain.tool(name), arguments, environment: toolchain.environment)
        guard result.exitCode == 0 else {
            throw .compilerFailed(
                tool: "\(name) (building the JS runtime)", exitCode: result.exitCode, output: result.output)
        }
    }

    // MARK: Files

    private func read(_ path: String) throws(CompileError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .io(path: path, reason: "cannot be read")
        }
        return [UInt8](data)
    }
}

/// FNV-1a, 64 bits: a stable content key for cache entries (not for security).
struct FNV1a {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    /// Adds the length first, so that ("ab", "c") and ("a", "bc") differ.
    mutating func add(_ bytes: [UInt8]) {
        for byte in withUnsafeBytes(of: UInt64(bytes.count).littleEndian, Array.init) + bytes {
            value ^= UInt64(byte)
            value &*= 0x0000_0100_0000_01B3
        }
    }

    mutating func add(_ text: String) { add(Array(text.utf8)) }

    var hex: String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
