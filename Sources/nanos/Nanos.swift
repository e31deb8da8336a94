import ArgumentParser
import Foundation
import Logging

@main
enum Entry {
    static func main() {
        OpenMPWaits.bound()
        Nanos.main()
    }
}

/// llama.cpp's CPU threads meet at OpenMP barriers, where libgomp spins up to
/// GOMP_SPINCOUNT iterations (300,000 by default) before sleeping. Long spins collapse
/// decoding when another process or agent holds a core (20-30x slower, measured here);
/// no spinning (OMP_WAIT_POLICY=PASSIVE) costs ~40% on an idle machine. 300 spins kept
/// both (docs/llm.md). libgomp reads the setting once, when it loads, before `main`
/// runs, so the process starts itself again with it set. Explicit settings are kept.
enum OpenMPWaits {
    static let spinCount = "300"

    static func bound() {
        #if os(Linux)
            guard getenv("OMP_WAIT_POLICY") == nil, getenv("GOMP_SPINCOUNT") == nil else { return }
            setenv("GOMP_SPINCOUNT", spinCount, 1)
            execv("/proc/self/exe", CommandLine.unsafeArgv)
        // exec failed (no /proc): carry on with libgomp's default.
        #endif
    }
}

struct Nanos: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nanos",
        abstract: "Run AI agents sandboxed in WebAssembly, with the LLM native in the same process.",
        discussion: """
            An agent is a .wasm guest plus a .nano manifest. The guest reaches files, models \
            and tools only through syscalls that the manifest's grants check.

            Exit codes of `nanos run`: 0 ok, 1 failed, 2 usage or manifest error, 3 denied, \
            4 out_of_fuel, 5 out_of_memory, 6 timeout, 7 max_steps, 8 trap, 9 invalid_module, \
            10 diverged (replay), 11 stopped (a replay's report), 12 cancelled (a server's run).

            Every run is recorded in the trace store; replay, fork and resume run it again \
            from the record (docs/replay.md).
            """,
        version: NanosVersion.current,
        subcommands: [
            RunCommand.self, CompileCommand.self, BenchCommand.self, MCPCommand.self, ReplayCommand.self,
            ForkCommand.self, ResumeCommand.self, RunsCommand.self, TraceCommand.self, ServeCommand.self,
            OrchestrateCommand.self, NodeCommand.self, DashboardCommand.self, EvalCommand.self,
        ]
    )
}

enum NanosVersion {
    static let current = "0.1.0"
}

/// Options every subcommand shares.
struct GlobalOptions: ParsableArguments {
    @Flag(name: .shortAndLong, help: "Print nanos' own debug logs on stderr.")
    var verbose = false

    func bootstrapLogging() {
        let level: Logger.Level = verbose ? .debug : .warning
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}

/// Writes human output to stderr, with colour only when stderr is a terminal.
struct Console {
    let colored: Bool

    init() {
        colored = isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
    }

    enum Color: String {
        case red = "31", green = "32", yellow = "33", dim = "2", bold = "1"
    }

    func paint(_ text: String, _ color: Color) -> String {
        colored ? "\u{1B}[\(color.rawValue)m\(text)\u{1B}[0m" : text
    }

    /// An error line: `error: ` in red, then the message.
    func error(_ message: String) {
        line(paint("error: ", .red) + message)
    }

    func line(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
