import ArgumentParser
import Foundation
import NanosCompiler

struct CompileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compile",
        abstract: "Build an agent from C, Embedded Swift or WAT into a .wasm guest.",
        discussion: """
            The language follows the file extension: .c (with guest/c/nanos.h), .swift \
            (Embedded Swift with the SDK in guest/swift/), .wat (WebAssembly text). \
            Uses the Swift toolchain's clang, swiftc and wasm-ld, and Debian's wasi-libc, \
            all found at run time. Compiler errors are printed unchanged.
            """
    )

    @Argument(help: "The agent source: FILE.c, FILE.swift or FILE.wat.")
    var input: String

    @Option(name: .shortAndLong, help: "Where to write the .wasm (default: the input with .wasm).")
    var output: String?

    @Flag(name: .long, help: "Build without optimisation (faster to compile, easier to debug).")
    var debug = false

    @OptionGroup var global: GlobalOptions

    func run() throws {
        global.bootstrapLogging()
        let console = Console()
        let destination = output ?? (input as NSString).deletingPathExtension + ".wasm"
        do {
            let compiler = try GuestCompiler()
            _ = try compiler.compile(CompileRequest(input: input, output: destination, optimize: !debug))
        } catch {
            console.error(error.description)
            throw ExitCode(1)
        }
        console.line("wrote \(destination)")
    }
}
