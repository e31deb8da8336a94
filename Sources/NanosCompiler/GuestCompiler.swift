import Foundation
import NanosCore

/// One `nanos compile` job: a source file in, a WebAssembly module out.
public struct CompileRequest: Sendable {
    /// The source file; its extension picks the language (.c, .swift, .wat).
    public var input: String
    /// Where the module is written; missing folders are created.
    public var output: String
    /// Optimize for size and strip symbol names. Off keeps function names, for readable traps.
    public var optimize: Bool
    /// JS/TS: run tsc over the entry and its imports first, and stop on a type error.
    public var typecheck: Bool

    /// The folder the compile may read sources from; nil is the input's own folder.
    public var root: String?

    public init(input: String, output: String, optimize: Bool = true, typecheck: Bool = false, root: String? = nil) {
        self.input = input
        self.output = output
        self.optimize = optimize
        self.typecheck = typecheck
        self.root = root
    }

    var sourceRoot: SourceRoot { SourceRoot(root ?? Paths.parent(Paths.standardized(input))) }
}

/// What a successful compile produced.
public struct CompileReport: Sendable {
    public let language: GuestLanguage
    public let output: String
    public let byteCount: Int
    /// The module's exports, e.g. ["memory", "nanos_alloc", "run"].
    public let exports: [String]
    /// Warnings the compiler and linker printed, unchanged; empty when there were none.
    public let diagnostics: String
}

/// Compiles guests written in C, Embedded Swift or WebAssembly text to nanos modules.
///
/// C and Swift go through the Swift toolchain's clang/swiftc and wasm-ld, linked
/// against wasi-libc, with the guest SDK (`guest/c/nanos.h`, `guest/swift/*.swift`)
/// found at run time. WAT is assembled in process. The output depends only on the
/// input and the toolchain: compiling twice gives the same bytes.
public struct GuestCompiler: Sendable {
    /// Exports the host may call first (docs/abi.md): any one makes a runnable module.
    static let entryPoints = ["run", "_start", "run_agent"]

    private let toolchain: Toolchain

    /// Tools are looked up when a compile needs them; only explicit overrides
    /// (NANOS_TOOLCHAIN, NANOS_WASI_SYSROOT, NANOS_WASM_BUILTINS, NANOS_GUEST_DIR)
    /// are checked here, so a wrong one is reported at once.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) throws(CompileError) {
        try self.init(environment: environment, executablePath: Bundle.main.executablePath)
    }

    init(environment: [String: String], executablePath: String?) throws(CompileError) {
        toolchain = try Toolchain(environment: environment, executablePath: executablePath)
    }

    @discardableResult
    public func compile(_ request: CompileRequest) throws(CompileError) -> CompileReport {
        let language = try GuestLanguage(path: request.input)
        try checkPaths(request)
        try request.sourceRoot.require(request.input, importer: "nanos compile", specifier: request.input)
        let module: (bytes: [UInt8], diagnostics: String)
        switch language {
        case .wat:
            module = (try assembleWAT(request), "")
        case .c:
            module = try withTemporaryDirectory { (directory: String) throws(CompileError) in
                try compileAndLink(request, in: directory, compileC)
            }
        case .swift:
            module = try withTemporaryDirectory { (directory: String) throws(CompileError) in
                try compileAndLink(request, in: directory, compileSwift)
            }
        case .javascript, .typescript:
            module = try compileJavaScript(request)
        }
        let exports = WasmExports.names(in: module.bytes) ?? []
        guard exports.contains(where: GuestCompiler.entryPoints.contains) else {
            throw .noEntryPoint(input: request.input, language: language)
        }
        try Paths.writeAtomically(module.bytes, to: request.output, what: "the module")
        return CompileReport(
            language: language, output: request.output, byteCount: module.bytes.count, exports: exports,
            diagnostics: module.diagnostics)
    }

    // MARK: C and Embedded Swift

    /// Compiles the input to `object`; returns the compiler's output and any archives
    /// its code may need at link time.
    private typealias CompileStep = (
        _ request: CompileRequest, _ object: String, _ directory: String
    ) throws(CompileError) -> (output: String, archives: [String])

    private func compileAndLink(
        _ request: CompileRequest, in directory: String, _ compileStep: CompileStep
    ) throws(CompileError) -> (bytes: [UInt8], diagnostics: String) {
        let baseName = GuestCompiler.baseName(of: request.input)
        let compiled = try compileStep(request, Paths.join(directory, baseName + ".o"), directory)

        let sysroot = try toolchain.wasiSysroot()
        let builtins = try toolchain.builtinsArchive()
        let linker = try toolchain.tool("wasm-ld")
        // Linked inside the temporary folder with relative names, so that a link
        // error names "./agent.o" rather than a random temporary path.
        let linked = try run(
            linker,
            linkArguments(request, "./\(baseName).o", compiled.archives, sysroot, builtins, "./\(baseName).wasm"),
            scratch: directory, insideScratch: true)
        let module = Paths.join(directory, baseName + ".wasm")
        guard let bytes = FileManager.default.contents(atPath: module) else {
            throw .io(path: module, reason: "wasm-ld reported success but wrote no module")
        }
        return ([UInt8](bytes), compiled.output + linked.output)
    }

    private func compileC(
        _ request: CompileRequest, object: String, directory: String
    ) throws(CompileError) -> (output: String, archives: [String]) {
        let clang = try toolchain.tool("clang")
        let header = try toolchain.guestSDKFile("c/nanos.h")
        let sysroot = try toolchain.wasiSysroot()
        let arguments = cArguments(request, sysroot, sdk: Paths.parent(header), object)
        try checkCSources(
            request, clang: clang, arguments: arguments, sdk: Paths.parent(header), sysroot: sysroot, directory)
        let compiled = try run(clang, arguments, scratch: directory)
        return (compiled.output, [])
    }

    /// Before a C agent is compiled: every file its preprocessing reads (`#include`,
    /// `#embed`) lies inside the source root or the SDK and libc headers, and its inline
    /// assembly pulls in no file (`.incbin`, `.include`), which the preprocessor never sees.
    private func checkCSources(
        _ request: CompileRequest, clang: String, arguments: [String], sdk: String, sysroot: WASISysroot,
        _ directory: String
    ) throws(CompileError) {
        let root = request.sourceRoot
        // The compile's own options, without its `-c input -o object`.
        let options = Array(arguments.prefix { $0 != "-c" })
        let input = GuestCompiler.operand(request.input)
        _ = try run(clang, options + ["-M", "-MF", Paths.join(directory, "deps"), input], scratch: directory)
        let text = (try? String(contentsOfFile: Paths.join(directory, "deps"), encoding: .utf8)) ?? ""
        let trusted = [sdk, sysroot.include, toolchain.clangResourceDirectory(clang)].compactMap { $0 }.map(
            SourceRoot.init)
        for file in GuestCompiler.makeDependencies(text) {
            if trusted.contains(where: { $0.contains(file) }) { continue }
            try root.require(file, importer: request.input, specifier: file)
        }
        // Inline assembly is read in LLVM IR, where it is still text: clang's own assembly
        // output has already expanded an `.incbin` into the file's bytes.
        let intermediate = Paths.join(directory, "check.ll")
        _ = try run(clang, options + ["-S", "-emit-llvm", input, "-o", intermediate], scratch: directory)
        let listing = (try? String(contentsOfFile: intermediate, encoding: .utf8)) ?? ""
        for line in listing.split(separator: "\n") where line.contains("asm") {
            let text = line.lowercased()
            if text.contains("incbin") || text.contains(".include") {
                throw .refusedSource(
                    file: request.input,
                    reason: "inline assembly that reads a file (.incbin or .include) is refused: a compile "
                        + "must not bake files into the module")
            }
        }
    }

    /// The prerequisites of a Makefile rule as clang's `-M` writes it (`out.o: a.c b.h \`).
    static func makeDependencies(_ text: String) -> [String] {
        let joined = text.replacingOccurrences(of: "\\\n", with: " ")
        guard let colon = joined.range(of: ": ") else { return [] }
        var files: [String] = []
        var current = ""
        var escaped = false
        for character in joined[colon.upperBound...] {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == " " || character == "\n" {
                if !current.isEmpty { files.append(current) }
                current = ""
            } else {
                current.append(character)
            }
        }
        if !current.isEmpty { files.append(current) }
        return files
    }

    private func compileSwift(
        _ request: CompileRequest, object: String, directory: String
    ) throws(CompileError) -> (output: String, archives: [String]) {
        let swiftc = try toolchain.tool("swiftc")
        let sdk = try toolchain.guestSwiftSDKFiles()
        let moduleName = GuestCompiler.moduleName(GuestCompiler.baseName(of: request.input))
        let moduleCache = Paths.join(directory, "module-cache")
        let compiled = try run(
            swiftc, swiftArguments(request, sdk: sdk, moduleName: moduleName, moduleCache, object), scratch: directory)
        return (compiled.output, toolchain.embeddedSwiftLibraries())
    }

    private func cArguments(
        _ request: CompileRequest, _ sysroot: WASISysroot, sdk: String, _ object: String
    ) -> [String] {
        [
            "--target=wasm32-wasi", request.optimize ? "-O2" : "-O0",
            // Only wasi-libc's headers: never the host's /usr/include.
            "-nostdlibinc", "-isystem", sysroot.include,
            "-I", sdk,
            "-c", GuestCompiler.operand(request.input), "-o", object,
        ]
    }

    private func swiftArguments(
        _ request: CompileRequest, sdk: [String], moduleName: String, _ moduleCache: String, _ object: String
    ) -> [String] {
        [
            "-target", "wasm32-unknown-none-wasm",
            "-enable-experimental-feature", "Embedded",
            "-enable-experimental-feature", "Extern",
            "-wmo", "-parse-as-library", request.optimize ? "-Osize" : "-Onone",
            // Nothing in wasm defines the stack protector's guard symbol: with the
            // protector on, the link fails on an undefined __stack_chk_guard.
            "-Xfrontend", "-disable-stack-protector",
            // Otherwise the object carries a hash that depends on its (temporary)
            // path, and the same source would give different bytes on every compile.
            "-Xfrontend", "-disable-incremental-llvm-codegen",
            "-module-name", moduleName,
            "-module-cache-path", moduleCache,
            GuestCompiler.operand(request.input),
        ] + sdk + [
            "-c", "-o", object,
        ]
    }

    private func linkArguments(
        _ request: CompileRequest, _ object: String, _ archives: [String], _ sysroot: WASISysroot,
        _ builtins: String, _ module: String
    ) -> [String] {
        // No --allow-undefined: a symbol that is neither defined nor declared as a
        // wasm import is a link error, not a silent import.
        var arguments = ["--no-entry", "--stack-first"]  // stack overflow traps instead of overwriting data
        arguments += (GuestCompiler.entryPoints + ["nanos_alloc"]).map { "--export-if-defined=\($0)" }
        arguments.append(request.optimize ? "--strip-all" : "--strip-debug")
        arguments += [object] + archives + ["-L", sysroot.lib, "-lc", builtins, "-o", module]
        return arguments
    }

    /// Runs a tool with its own temporary files inside `scratch`, so they go when it goes;
    /// `insideScratch` also makes `scratch` the working folder.
    private func run(
        _ tool: String, _ arguments: [String], scratch: String, insideScratch: Bool = false
    ) throws(CompileError) -> ToolRun {
        var environment = toolchain.environment
        environment["TMPDIR"] = scratch
        let result = try ToolRunner.run(
            tool, arguments, environment: environment, in: insideScratch ? scratch : nil)
        guard result.exitCode == 0 else {
            throw .compilerFailed(
                tool: Paths.lastComponent(tool), exitCode: result.exitCode, output: result.output)
        }
        return result
    }

    // MARK: JavaScript and TypeScript

    /// Bundles the agent, then boots the QuickJS runtime on it at compile time and
    /// keeps the booted memory as the module's data (see ``JSPreinitializer``).
    private func compileJavaScript(_ request: CompileRequest) throws(CompileError) -> (
        bytes: [UInt8], diagnostics: String
    ) {
        let bundler = JSBundler(toolchain: toolchain)
        try bundler.checkImports(request.input, root: request.sourceRoot)
        if request.typecheck { try bundler.typecheck(request.input) }
        let bundle = try bundler.bundle(request.input)
        let runtime = try JSRuntimeBuilder(toolchain: toolchain).runtime()
        let sdkFile = try toolchain.guestSDKFile("js/nanos.js")
        guard let sdk = FileManager.default.contents(atPath: sdkFile) else {
            throw .io(path: sdkFile, reason: "cannot be read")
        }
        do {
            let module = try JSPreinitializer.agentModule(
                runtime: runtime.bytes, sdkSource: [UInt8](sdk), bundle: bundle.source,
                bundleName: GuestCompiler.baseName(of: Paths.lastComponent(request.input)) + ".bundle.js",
                provenance: runtime.provenance)
            return (module, bundle.warnings)
        } catch {
            throw .compilerFailed(
                tool: error.isAgentError ? "quickjs" : "the JS runtime", exitCode: 1, output: error.message)
        }
    }

    // MARK: WAT

    private func assembleWAT(_ request: CompileRequest) throws(CompileError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: request.input) else {
            throw .io(path: request.input, reason: "cannot be read")
        }
        guard String(data: data, encoding: .utf8) != nil else {
            throw .io(path: request.input, reason: "is not valid UTF-8 text")
        }
        do {
            return try WATSource.compile(Array(data), nameSection: !request.optimize)
        } catch {
            throw .compilerFailed(
                tool: "wat2wasm", exitCode: 1, output: GuestCompiler.diagnostic(error, in: request.input))
        }
    }

    /// "file:line:column: error: message", the shape clang and swiftc use.
    static func diagnostic(_ error: WATError, in input: String) -> String {
        guard let line = error.line else { return "\(input): error: \(error.message)\n" }
        return "\(input):\(line):\(error.column ?? 1): error: \(error.message)\n"
    }

    // MARK: Files

    private func checkPaths(_ request: CompileRequest) throws(CompileError) {
        guard Paths.isFile(request.input) else {
            let reason = Paths.isDirectory(request.input) ? "is a folder, not a source file" : "no such file"
            throw .io(path: request.input, reason: reason)
        }
        guard
            Paths.resolvingSymlinks(Paths.standardized(request.output))
                != Paths.resolvingSymlinks(Paths.standardized(request.input))
        else {
            throw .io(path: request.output, reason: "the output would overwrite the input; choose another output path")
        }
    }

    /// Runs `body` in a fresh private folder under TMPDIR, removed afterwards.
    private func withTemporaryDirectory<T>(
        _ body: (String) throws(CompileError) -> T
    ) throws(CompileError) -> T {
        let base = toolchain.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? NSTemporaryDirectory()
        return try Paths.withTemporaryDirectory(in: base, body)
    }

    /// A path as a command-line operand: "-x.c" would read as an option.
    static func operand(_ path: String) -> String {
        path.hasPrefix("-") ? "./" + path : path
    }

    static func baseName(of path: String) -> String {
        Paths.splitExtension(path).base
    }

    /// A Swift module name from a file name: "my-agent" becomes "my_agent".
    static func moduleName(_ baseName: String) -> String {
        var name = String(baseName.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") ? $0 : "_" })
        if name.first.map({ $0.isNumber }) ?? true { name = "_" + name }
        // "Swift" is reserved for the standard library.
        return name == "Swift" ? "SwiftAgent" : name
    }
}
