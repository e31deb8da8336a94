import ArgumentParser
import Foundation
import NanosCompiler

struct CompileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compile",
        abstract: "Build an agent from C, Embedded Swift, WAT, JavaScript or TypeScript into a .wasm guest.",
        discussion: """
            The language follows the file extension: .c (with guest/c/nanos.h), .swift \
            (Embedded Swift with the SDK in guest/swift/), .wat (WebAssembly text), .js and .ts \
            (bundled by esbuild; the imports `nanos`, `@nanos/sdk` and any path ending in \
            nanos-sdk/index.js are the SDK in guest/js/). A JS/TS agent is compiled to QuickJS \
            bytecode and shipped inside a copy of the QuickJS runtime, already booted, so no \
            Node.js is involved at run time. Uses the Swift toolchain's clang, swiftc and \
            wasm-ld and Debian's wasi-libc, all found at run time. Errors name file:line:col.

            A compile reads only files inside the input's folder (or --root): an import, \
            #include or #embed that leads outside it, through `..`, an absolute path or a \
            symlink, is refused, so compiling an agent someone sent you cannot bake your \
            files into its module.
            """
    )

    @Argument(help: "The agent source: FILE.c, FILE.swift, FILE.wat, FILE.js or FILE.ts.")
    var input: String

    @Option(name: .shortAndLong, help: "Where to write the .wasm (default: the input with .wasm).")
    var output: String?

    @Flag(name: .long, help: "Build without optimisation (faster to compile, easier to debug).")
    var debug = false

    @Flag(
        name: .long, help: "JS/TS: type-check with tsc (Debian node-typescript) before bundling; stop on a type error.")
    var typecheck = false

    @Option(name: .long, help: "The folder the sources may come from (default: the input's folder).")
    var root: String?

    @OptionGroup var global: GlobalOptions

    func run() throws {
        global.bootstrapLogging()
        let console = Console()
        let destination = output ?? (input as NSString).deletingPathExtension + ".wasm"
        do {
            let compiler = try GuestCompiler()
            _ = try compiler.compile(
                CompileRequest(input: input, output: destination, optimize: !debug, typecheck: typecheck, root: root))
        } catch {
            console.error(error.description)
            throw ExitCode(1)
        }
        console.line("wrote \(destination)")
    }
}
