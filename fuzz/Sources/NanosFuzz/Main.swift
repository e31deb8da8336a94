import Foundation

/// One fuzz target: what it calls once per input. A target reports a finding by
/// crashing (a Swift trap, a failed `check`, or an AddressSanitizer report).
struct FuzzTarget: Sendable {
    let name: String
    /// What the target exercises, for `--list` and the docs.
    let summary: String
    let run: @Sendable (UnsafeRawBufferPointer) -> Void
    /// Work done once, before the first input (compiling the ABI guest, a scratch folder).
    var prepare: @Sendable () -> Void = {}
}

let allTargets: [FuzzTarget] = [
    manifestTarget, abiTarget, wasmTarget, watTarget, jsonTarget, schemaTarget, mcpTarget,
]

/// The target this process runs, chosen once in `LLVMFuzzerInitialize`.
nonisolated(unsafe) var selected: FuzzTarget?

/// The environment variable that names the target when the executable is not started
/// under a `fuzz-<target>` name.
let targetVariable = "NANOS_FUZZ_TARGET"

func chooseTarget(argv0: String) -> FuzzTarget {
    let base = (argv0 as NSString).lastPathComponent
    var name = ProcessInfo.processInfo.environment[targetVariable] ?? ""
    if name.isEmpty, base.hasPrefix("fuzz-") { name = String(base.dropFirst("fuzz-".count)) }
    if let target = allTargets.first(where: { $0.name == name }) { return target }
    let names = allTargets.map(\.name).joined(separator: ", ")
    var message =
        name.isEmpty
        ? "nanos fuzz: no target named; start this binary as fuzz-<target> or set \(targetVariable)\n"
        : "nanos fuzz: no target named \"\(name)\"\n"
    message += "targets: \(names)\n"
    for target in allTargets { message += "  \(target.name): \(target.summary)\n" }
    FileHandle.standardError.write(Data(message.utf8))
    exit(2)
}

@_cdecl("LLVMFuzzerInitialize")
public func initialize(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>
) -> CInt {
    let argv0 = argv.pointee?.pointee.map { String(cString: $0) } ?? ""
    let target = chooseTarget(argv0: argv0)
    target.prepare()
    selected = target
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let target = selected else { return 0 }
    target.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

/// A property every input must keep; breaking it crashes, which libFuzzer reports.
func check(
    _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String, file: StaticString = #file,
    line: UInt = #line
) {
    if !condition() {
        FileHandle.standardError.write(Data("nanos fuzz: property broken: \(message())\n".utf8))
        fatalError(message(), file: file, line: line)
    }
}

/// A scratch folder for the process (manifests' folder, the files the ABI guest may
/// read and write), removed at exit.
let scratchFolder: String = {
    let base = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
    var template = Array("\(base)/nanos-fuzz.XXXXXX".utf8CString)
    let folder = template.withUnsafeMutableBufferPointer { buffer -> String in
        guard let made = mkdtemp(buffer.baseAddress!) else { fatalError("mkdtemp failed in \(base)") }
        return String(cString: made)
    }
    scratchToRemove = folder
    atexit {
        if let folder = scratchToRemove { try? FileManager.default.removeItem(atPath: folder) }
    }
    return folder
}()

nonisolated(unsafe) var scratchToRemove: String?

/// AddressSanitizer's defaults for this binary. LeakSanitizer is off: it cannot see
/// pointers Swift keeps with tag bits in them (enum payloads), so it reports lazily made
/// globals and cached values as leaks.
@_cdecl("__asan_default_options")
public func asanDefaultOptions() -> UnsafePointer<CChar> {
    UnsafeRawPointer(asanOptions.utf8Start).assumingMemoryBound(to: CChar.self)
}

let asanOptions: StaticString = "detect_leaks=0"
