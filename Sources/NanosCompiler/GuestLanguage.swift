/// The source languages `nanos compile` accepts, chosen by file extension.
public enum GuestLanguage: String, CaseIterable, Sendable {
    case c
    case swift
    case wat
    case javascript = "js"
    case typescript = "ts"

    /// The language of `path`, from its extension (case-insensitive).
    public init(path: String) throws(CompileError) {
        guard let language = GuestLanguage(rawValue: GuestLanguage.fileExtension(of: path).lowercased()) else {
            throw .unsupportedLanguage(path)
        }
        self = language
    }

    public var displayName: String {
        switch self {
        case .c: return "C"
        case .swift: return "Embedded Swift"
        case .wat: return "WebAssembly text"
        case .javascript: return "JavaScript"
        case .typescript: return "TypeScript"
        }
    }

    /// JS and TS run on the QuickJS runtime rather than compiling to wasm code.
    var runsOnJSRuntime: Bool { self == .javascript || self == .typescript }

    /// ".c (C), .swift (Embedded Swift), .wat (WebAssembly text)"
    public static var supportedExtensionsList: String {
        allCases.map { ".\($0.rawValue) (\($0.displayName))" }.joined(separator: ", ")
    }

    /// How to declare the entry point in this language, for error messages.
    var entryPointAdvice: String {
        switch self {
        case .c:
            return "define `NANOS_ENTRY int run(void)` (from nanos.h), or `void run_agent(void)` for the original ABI"
        case .swift:
            return "define `@_expose(wasm, \"run\") @_cdecl(\"run\") func run() -> Int32`"
        case .wat:
            return "add `(export \"run\" (func $run))` for a function of type `(result i32)`"
        case .javascript, .typescript:
            return "the module's top-level code is the entry point; rebuild the JS runtime (guest/js/runtime)"
        }
    }

    /// The text after the last "." of the file name; empty if there is none.
    static func fileExtension(of path: String) -> String {
        Paths.splitExtension(path).extension
    }
}
