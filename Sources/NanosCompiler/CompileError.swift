/// Why `nanos compile` could not produce a module. Each description says what to do next.
public enum CompileError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A compiler, linker or library is missing. `hint` says how to get it.
    case toolNotFound(name: String, hint: String)
    /// The guest SDK (`c/nanos.h`, `swift/Nanos.swift`) is in none of these places.
    case sdkNotFound(searched: [String])
    /// The input's extension names no supported language; carries the input path.
    case unsupportedLanguage(String)
    /// A tool rejected the input. `output` is its own diagnostics, unchanged.
    case compilerFailed(tool: String, exitCode: Int32, output: String)
    /// The module exports no entry point the host can call.
    case noEntryPoint(input: String, language: GuestLanguage)
    /// Reading the input or writing the output failed.
    case io(path: String, reason: String)
    /// A source asked for a file outside the folder a compile may read (see `SourceRoot`).
    case outsideRoot(importer: String, specifier: String, root: String)
    /// A source does something a compile refuses, such as inline assembly that reads a file.
    case refusedSource(file: String, reason: String)

    public var description: String {
        switch self {
        case .toolNotFound(let name, let hint):
            return "cannot find \(name): \(hint)"
        case .sdkNotFound(let searched):
            let places = searched.map { "  \($0)" }.joined(separator: "\n")
            return """
                cannot find the nanos guest SDK (c/nanos.h and swift/Nanos.swift). Searched:
                \(places)
                Set NANOS_GUEST_DIR to the folder that holds c/ and swift/.
                """
        case .unsupportedLanguage(let input):
            let ext = GuestLanguage.fileExtension(of: input)
            let found = ext.isEmpty ? "it has no extension" : "'.\(ext)' is not supported"
            return "cannot compile '\(input)': \(found). Supported: \(GuestLanguage.supportedExtensionsList)"
        case .compilerFailed(let tool, let exitCode, let output):
            let separator = output.isEmpty || output.hasSuffix("\n") ? "" : "\n"
            return "\(output)\(separator)\(tool) failed (exit code \(exitCode))"
        case .noEntryPoint(let input, let language):
            return "'\(input)' exports no entry point: \(language.entryPointAdvice)"
        case .io(let path, let reason):
            return "\(path): \(reason)"
        case .outsideRoot(let importer, let specifier, let root):
            return "\(importer): error: \"\(specifier)\" is outside \(root); nanos compile reads only files "
                + "inside the agent's folder (give --root to allow a wider folder)"
        case .refusedSource(let file, let reason):
            return "\(file): error: \(reason)"
        }
    }
}
