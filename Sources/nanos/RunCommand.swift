import ArgumentParser
import Foundation
import NanosKernel
import NanosManifest

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run one agent from its .nano manifest.",
        discussion: """
            Human output (the agent's log and each step) goes to stderr. With --json, one \
            final report goes to stdout: status, exit code, summary, steps, fuel, peak memory. \
            The exit code tells how the run ended (see `nanos --help`).
            """
    )

    @Argument(help: "The agent's manifest (.nano).")
    var manifest: String

    @Option(name: .long, help: "Write every step, with all bytes crossing the sandbox, to this JSON Lines file.")
    var trace: String?

    @Flag(name: .long, help: "Print the final report as JSON on stdout.")
    var json = false

    @Flag(name: .shortAndLong, help: "Print only the agent's log and the final status.")
    var quiet = false

    @OptionGroup var global: GlobalOptions

    func run() throws {
        global.bootstrapLogging()
        let console = Console()
        let loaded: Manifest
        do {
            loaded = try Manifest.load(path: manifest)
        } catch {
            console.error(error.description)
            if json {
                let report = JSONValue.object([
                    ("status", .string("invalid_manifest")), ("exit_code", .int(2)), ("message", .string(error.description)),
                ])
                print(report.serialized())
            }
            throw ExitCode(2)
        }

        let report = Kernel.run(
            manifest: loaded,
            options: RunOptions(logSink: { level, message in
                let tag = console.paint("[\(loaded.name)] \(level.name):", level == .error ? .red : .dim)
                console.line("\(tag) \(message)")
            }))

        if let trace {
            do {
                try TraceFile.write(report.steps, to: trace)
            } catch {
                console.error("could not write trace \(trace): \(error)")
            }
        }
        if !quiet { printSteps(report, console) }
        printOutcome(report, console)
        if json { print(report.json().serialized()) }
        if report.exitCode != 0 { throw ExitCode(report.exitCode) }
    }

    private func printSteps(_ report: RunReport, _ console: Console) {
        for step in report.steps {
            let args = step.args.map(StepFormatting.short).joined(separator: " ")
            let latency = StepFormatting.latency(step.latencyNanoseconds)
            var line = "  \(String(step.index).leftPadded(3)) \(step.name.rightPadded(14)) \(args)"
            switch step.outcome {
            case .failure(let failure):
                let tag = failure.errno == .EPERM ? console.paint("denied", .red) : console.paint(failure.errno.description, .yellow)
                line += "  \(tag) \(failure.message)"
                if let rule = failure.rule { line += console.paint(" [rule: \(rule)]", .dim) }
            case .data(let bytes):
                line += "  " + console.paint("ok", .green) + " \(bytes.count) B"
            case .value:
                line += "  " + console.paint("ok", .green)
            }
            console.line(
                line + console.paint("  \(latency)", .dim) + StepFormatting.tokens(step.counters)
                    + StepFormatting.server(step.counters))
            // What a service process (an MCP server) wrote to stderr meanwhile.
            for output in step.serviceLog { console.line(console.paint("        │ \(output)", .dim)) }
        }
    }

    private func printOutcome(_ report: RunReport, _ console: Console) {
        let color: Console.Color = report.status == .ok ? .green : .red
        var line = console.paint("\(report.status.rawValue)", color) + " (exit \(report.exitCode))"
        line += " · \(report.steps.count) steps · fuel \(report.fuelUsed) · peak memory \(report.peakMemoryBytes / 1024) KiB"
        console.line(line)
        if let message = report.message { console.line("  \(message)") }
        if let summary = report.summary { console.line(console.paint("summary: ", .bold) + summary) }
    }
}

enum TraceFile {
    /// Writes one JSON object per step, so a trace can be streamed and grepped.
    static func write(_ steps: [Step], to path: String) throws {
        var text = ""
        for step in steps {
            step.jsonObject().write(to: &text)
            text += "\n"
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }
}

enum StepFormatting {
    static func short(_ value: StepValue) -> String {
        switch value {
        case .int(let number): return String(number)
        case .bytes(let bytes):
            let text = String(decoding: bytes.prefix(48), as: UTF8.self)
                .replacingOccurrences(of: "\n", with: "⏎")
            return bytes.count > 48 ? "\(text)…" : text
        }
    }

    /// `  21 → 7 tokens` for a step that used the model; empty otherwise.
    static func tokens(_ counters: [String: Int64]) -> String {
        guard let generated = counters["generated_tokens"] else { return "" }
        let unit = generated == 1 ? "token" : "tokens"
        if let prompt = counters["prompt_tokens"] { return "  \(prompt) → \(generated) \(unit)" }
        return "  \(generated) \(unit)"
    }

    /// `  · started the server` when the step had to start (or restart) an MCP server.
    static func server(_ counters: [String: Int64]) -> String {
        if counters["server_restarted"] != nil { return "  · restarted the server" }
        if counters["server_started"] != nil { return "  · started the server" }
        return ""
    }

    static func latency(_ nanoseconds: UInt64) -> String {
        if nanoseconds < 10_000 { return "\(nanoseconds) ns" }
        if nanoseconds < 10_000_000 { return "\(nanoseconds / 1000) µs" }
        return "\(nanoseconds / 1_000_000) ms"
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }

    func rightPadded(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
