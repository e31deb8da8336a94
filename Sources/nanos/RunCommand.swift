import ArgumentParser
import Foundation
import NanosBundle
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

    @OptionGroup var store: StoreOptions

    @Flag(name: .long, help: "Do not record the run in the trace store.")
    var noRecord = false

    @OptionGroup var global: GlobalOptions

    func run() throws {
        global.bootstrapLogging()
        let console = Console()
        let loaded: Manifest
        let manifestText: String
        let manifestPath: String
        do {
            (loaded, manifestText, manifestPath) = try Manifest.read(path: manifest)
        } catch {
            console.error(error.description)
            if json {
                let report = JSONValue.object([
                    ("status", .string("invalid_manifest")), ("exit_code", .int(2)),
                    ("message", .string(error.description)),
                ])
                print(report.serialized())
            }
            throw ExitCode(2)
        }

        var options = RunOptions(logSink: RunPrinter.logSink(loaded.name, console))
        var report: RunReport
        do throws(DefaultAgentMissing) {
            if loaded.binary == nil { options.defaultAgent = try DefaultAgent.locate() }
            if noRecord {
                report = Kernel.run(manifest: loaded, options: options)
            } else if let traceStore = store.open(console) {
                let recorded = Kernel.recordedRun(
                    manifest: loaded, manifestText: manifestText, manifestPath: manifestPath, options: options,
                    store: traceStore)
                report = recorded.report
                report.runID = recorded.runID
                if let error = recorded.storeError { console.error("the run was not fully recorded: \(error)") }
            } else {
                report = Kernel.run(manifest: loaded, options: options)
            }
        } catch {
            report = Core.failedReport(loaded, error.description, status: .invalidModule)
        }

        if let trace {
            do {
                try TraceFile.write(report.steps, to: trace)
            } catch {
                console.error("could not write trace \(trace): \(error)")
            }
        }
        if !quiet { RunPrinter.steps(report.steps, console) }
        RunPrinter.outcome(report, console)
        if json { RunPrinter.json(report) }
        if report.exitCode != 0 { throw ExitCode(report.exitCode) }
    }
}

/// How runs are shown: by `run`, `replay`, `fork`, `resume` and `trace show`.
enum RunPrinter {
    static func logSink(_ agent: String, _ console: Console) -> LogSink {
        { level, message in
            let tag = console.paint("[\(agent)] \(level.name):", level == .error ? .red : .dim)
            // A guest's text never drives the terminal: control characters (escape
            // sequences, carriage returns, line breaks) are shown, not obeyed.
            console.line("\(tag) \(StepFormatting.visible(message))")
        }
    }

    static func json(_ report: RunReport) {
        var output = BufferedOutput(fd: STDOUT_FILENO)
        report.writeJSON { output.write($0) }
        output.write("\n")
        output.flush()
    }

    /// One line per step; a run of steps repeating the one before (same call, arguments
    /// and kind of outcome, as a polling loop makes) is folded into one line with its count.
    static func steps(_ steps: [Step], _ console: Console) {
        var repeats = 0
        func flushRepeats() {
            if repeats > 0 { console.line(console.paint("      ⋮ the same again ×\(repeats)", .dim)) }
            repeats = 0
        }
        for (offset, step) in steps.enumerated() {
            if offset > 0, step.repeats(steps[offset - 1]) {
                repeats += 1
                continue
            }
            flushRepeats()
            let args = step.args.map(StepFormatting.short).joined(separator: " ")
            let latency = StepFormatting.latency(step.latencyNanoseconds)
            var line = "  \(String(step.index).leftPadded(3)) \(step.name.rightPadded(14)) \(args)"
            switch step.outcome {
            case .failure(let failure):
                let tag =
                    failure.errno == .EPERM
                    ? console.paint("denied", .red) : console.paint(failure.errno.description, .yellow)
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
        flushRepeats()
    }

    static func outcome(_ report: RunReport, _ console: Console) {
        let color: Console.Color = report.status == .ok ? .green : .red
        var line = console.paint("\(report.status.rawValue)", color) + " (exit \(report.exitCode))"
        line +=
            " · \(report.steps.count) steps · fuel \(report.fuelUsed) · peak memory \(report.peakMemoryBytes / 1024) KiB"
        if report.tokensUsed > 0 || report.limits?.tokens != nil { line += " · \(report.tokensUsed) model tokens" }
        console.line(line)
        if let message = report.message { console.line("  \(StepFormatting.visible(message))") }
        if let limits = report.limits {
            console.line(console.paint("  limits: \(StepFormatting.limits(limits))", .dim))
        }
        if let summary = report.summary {
            console.line(console.paint("summary: ", .bold) + StepFormatting.visible(summary))
        }
        if let runID = report.runID {
            console.line(console.paint("recorded as run \(runID) (nanos replay \(runID) --verify)", .dim))
        }
    }
}

enum TraceFile {
    /// Writes one JSON object per step, so a trace can be streamed and grepped; the steps
    /// are written as they are serialized, never held as one text.
    static func write(_ steps: [Step], to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path]) }
        defer { close(fd) }
        var output = BufferedOutput(fd: fd)
        for step in steps {
            var line = ""
            step.jsonObject().write(to: &line)
            output.write(line + "\n")
        }
        guard output.flush() else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
    }
}

/// Text written to a file descriptor in 64 KiB pieces.
struct BufferedOutput {
    let fd: Int32
    private var buffer: [UInt8] = []
    private var failed = false

    init(fd: Int32) {
        self.fd = fd
        buffer.reserveCapacity(Self.chunk)
    }

    static let chunk = 64 << 10

    mutating func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= Self.chunk { flush() }
    }

    /// Writes what is buffered; false once any write has failed.
    @discardableResult
    mutating func flush() -> Bool {
        var offset = 0
        while offset < buffer.count, !failed {
            let written = buffer[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written < 0, errno == EINTR { continue }
            if written <= 0 { failed = true } else { offset += written }
        }
        buffer.removeAll(keepingCapacity: true)
        return !failed
    }
}

enum StepFormatting {
    static func short(_ value: StepValue) -> String {
        switch value {
        case .int(let number): return String(number)
        case .bytes(let bytes):
            let text = visible(
                String(decoding: bytes.prefix(48), as: UTF8.self).replacingOccurrences(of: "\n", with: "⏎"))
            return bytes.count > 48 ? "\(text)…" : text
        }
    }

    /// Guest text as shown on a terminal: control characters (escape sequences, carriage
    /// returns, line breaks) are written as `\u{1b}`, never obeyed.
    static func visible(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        return text.unicodeScalars.map { isControl($0) ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined()
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        (scalar.value < 0x20 && scalar != "\t") || (0x7F..<0xA0).contains(scalar.value)
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

    /// `memory 16 MiB · fuel 10000000000 (default) · …`, every limit the run had.
    static func limits(_ limits: RunLimits) -> String {
        func mark(_ name: String) -> String {
            limits.defaulted.contains(name)
                ? " (default)" : limits.defaulted.contains("\(name) (module)") ? " (module)" : ""
        }
        func size(_ bytes: Int) -> String {
            bytes % (1 << 20) == 0 ? "\(bytes >> 20) MiB" : bytes % 1024 == 0 ? "\(bytes >> 10) KiB" : "\(bytes) B"
        }
        return [
            "memory \(size(limits.memoryBytes))", "max_steps \(limits.maxSteps)", "fuel \(limits.fuel)\(mark("fuel"))",
            "timeout \(limits.timeout)\(mark("timeout"))", "stack \(size(limits.stackBytes))\(mark("stack"))",
            "trace \(size(limits.traceBytes))\(mark("trace"))", "logs \(size(limits.logBytes))\(mark("logs"))",
        ].joined(separator: " · ") + (limits.tokens.map { " · tokens \($0)" } ?? "")
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
