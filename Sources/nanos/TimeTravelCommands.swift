import ArgumentParser
import Foundation
import NanosBundle
import NanosKernel
import NanosStore

/// `--db`: which trace store a command uses.
struct StoreOptions: ParsableArguments {
    @Option(
        name: .long,
        help: "The trace store (SQLite). Default: $NANOS_DB, else ~/.local/share/nanos/runs.db.")
    var db: String?

    var path: String { db ?? TraceStore.defaultPath() }

    /// The store, or nil (with the reason on stderr) when it cannot be opened.
    func open(_ console: Console) -> TraceStore? {
        do {
            return try TraceStore(path: path)
        } catch {
            console.error("\(error); the run is not recorded")
            return nil
        }
    }

    /// The store, or exit 2 with the reason.
    func required(_ console: Console) throws -> TraceStore {
        do {
            return try TraceStore(path: path)
        } catch {
            console.error(error.description)
            throw ExitCode(2)
        }
    }
}

/// `--json` and `--quiet` of the commands that run an agent again.
struct ReportOptions: ParsableArguments {
    @Flag(name: .long, help: "Print the run's report as JSON on stdout.")
    var json = false

    @Flag(name: .shortAndLong, help: "Print only the agent's log and the outcome.")
    var quiet = false
}

/// Exit code for a replay, fork or resume that cannot start (a missing run, a changed module).
let timeTravelRefused: Int32 = 2

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Run a recorded run again, every syscall answered from its record.",
        discussion: """
            The same module runs under the recorded manifest; no model, MCP server, network \
            or file is touched. Each call the guest makes is checked against the recorded one; \
            the first that differs stops the replay (status diverged, exit 10), naming the \
            step, what was recorded and what the guest asked for. A module whose hash differs \
            from the recorded one is refused (exit 2) unless --force. With --verify, the new \
            trace must equal the record in every call, argument, outcome, errno, counter and \
            fuel count (timings aside), or the exit code is 10. See docs/replay.md.
            """)

    @Argument(help: "The run's id (or a unique prefix of it); `nanos runs` lists them.")
    var runID: String

    @Option(name: .long, help: "Stop after this step.")
    var until: Int?

    @Flag(name: .long, help: "Fail unless the new trace is identical to the recorded one.")
    var verify = false

    @Flag(name: .long, help: "Replay even when the module is not the recorded one.")
    var force = false

    @OptionGroup var output: ReportOptions
    @OptionGroup var store: StoreOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        global.bootstrapLogging()
        let console = Console()
        let traceStore = try store.required(console)
        let result: ReplayResult
        do {
            result = try Kernel.replay(
                runID, store: traceStore, until: until, force: force, logSink: RunPrinter.logSink("replay", console))
        } catch {
            console.error(error.description)
            throw ExitCode(timeTravelRefused)
        }
        if !output.quiet { RunPrinter.steps(result.report.steps, console) }
        RunPrinter.outcome(result.report, console)
        let recordedStatus = result.recorded.info.status
        let sameEnd =
            until != nil || result.report.status.rawValue == recordedStatus
            || (result.report.status == .stopped
                && ["interrupted", "timeout", "running", "cancelled"].contains(recordedStatus))
        if let difference = result.difference {
            console.line(console.paint("replay differs from the record at \(difference)", .red))
        } else {
            console.line(
                console.paint(
                    "replayed \(result.expectedSteps) of \(result.recorded.steps.count) recorded steps, "
                        + "identical (the record ended \(recordedStatus))", .green))
        }
        if output.json { RunPrinter.json(result.report) }
        if result.report.status == .diverged { throw ExitCode(RunStatus.diverged.exitCode) }
        if verify, result.difference != nil || !sameEnd {
            if !sameEnd {
                console.error("the replay ended \(result.report.status.rawValue); the record ended \(recordedStatus)")
            }
            throw ExitCode(RunStatus.diverged.exitCode)
        }
    }
}

struct ForkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fork",
        abstract: "Replay a run up to a step, answer that step differently, and run on live.",
        discussion: """
            Steps before K are answered from the record; step K gets the outcome given here \
            (data from a file or text, or a failure with an errno); from K+1 the run goes on \
            live under the manifest's grants. The new run is recorded with its parent and K.
            """)

    @Argument(help: "The run to fork.")
    var runID: String

    @Option(name: .long, help: "The step whose outcome is replaced (1-based).")
    var at: Int

    @Option(name: .long, help: "Answer step K with this file's bytes.")
    var result: String?

    @Option(name: .long, help: "Answer step K with this text.")
    var resultText: String?

    @Option(
        name: .long, help: "Answer step K with this failure (EPERM, ENOENT, EINVAL, E2BIG, EIO, ETIMEDOUT, EQUOTA).")
    var errno: String?

    @Flag(name: .long, help: "Fork even when the module is not the recorded one.")
    var force = false

    @OptionGroup var output: ReportOptions
    @OptionGroup var store: StoreOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        let given = [result != nil, resultText != nil, errno != nil].filter { $0 }.count
        guard given == 1 else { throw ValidationError("give exactly one of --result, --result-text or --errno") }
        if let errno, Errno(name: errno) == nil {
            throw ValidationError(
                "--errno \(errno) is not an errno; one of \(Errno.allCases.map(\.description).joined(separator: ", "))")
        }
    }

    func run() throws {
        global.bootstrapLogging()
        let console = Console()
        let traceStore = try store.required(console)
        let outcome: SyscallOutcome
        if let errno, let code = Errno(name: errno) {
            outcome = .failure(SyscallFailure(code, "\(errno) (given to nanos fork)"))
        } else if let resultText {
            outcome = .data(Array(resultText.utf8))
        } else if let result,
            let size = (try? FileManager.default.attributesOfItem(atPath: result))?[.size] as? Int,
            size <= SyscallLimits.fileBytes, let data = FileManager.default.contents(atPath: result)
        {
            outcome = .data([UInt8](data))
        } else {
            console.error(
                "--result \(result ?? ""): cannot read it as a file of at most \(SyscallLimits.fileBytes) bytes")
            throw ExitCode(2)
        }
        var options = RunOptions(logSink: RunPrinter.logSink("fork", console))
        options.defaultAgent = try? DefaultAgent.locate()
        let forked: RecordedRun
        do {
            forked = try Kernel.fork(runID, at: at, outcome: outcome, store: traceStore, options: options, force: force)
        } catch {
            console.error(error.description)
            throw ExitCode(timeTravelRefused)
        }
        try finish(forked, console, output)
    }
}

struct ResumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Continue an interrupted run from its last recorded step.",
        discussion: """
            The recorded steps are answered from the record: no model answer is asked for \
            twice and no recorded effect (file write, tool call, request, message) is done \
            twice. Then the run goes on live, and its new steps are added to the same run.
            """)

    @Argument(help: "The interrupted run (`nanos runs` shows it as interrupted).")
    var runID: String

    @OptionGroup var output: ReportOptions
    @OptionGroup var store: StoreOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        global.bootstrapLogging()
        let console = Console()
        let traceStore = try store.required(console)
        let resumed: RecordedRun
        do {
            resumed = try Kernel.resume(
                runID, store: traceStore, options: RunOptions(logSink: RunPrinter.logSink("resume", console)))
        } catch {
            console.error(error.description)
            throw ExitCode(timeTravelRefused)
        }
        try finish(resumed, console, output)
    }
}

/// Prints a recorded run's outcome and exits with its code.
private func finish(_ recorded: RecordedRun, _ console: Console, _ output: ReportOptions) throws {
    var report = recorded.report
    report.runID = recorded.runID
    if let error = recorded.storeError { console.error("the run was not fully recorded: \(error)") }
    if !output.quiet { RunPrinter.steps(report.steps, console) }
    RunPrinter.outcome(report, console)
    if output.json { RunPrinter.json(report) }
    if report.exitCode != 0 { throw ExitCode(report.exitCode) }
}

struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs", abstract: "List recorded runs, newest first.")

    @Option(name: .long, help: "How many runs to list.")
    var limit = 30

    @Option(name: .long, help: "Only the agents' runs of this fleet run (the id `nanos orchestrate` prints).")
    var fleet: String?

    @Flag(name: .long, help: "Print JSON on stdout.")
    var json = false

    @OptionGroup var store: StoreOptions

    func run() throws {
        let console = Console()
        let runs: [RunInfo]
        do {
            runs = try store.required(console).runs(limit: limit, fleet: fleet)
        } catch let error as StoreError {
            console.error(error.description)
            throw ExitCode(2)
        }
        if json {
            print(JSONValue.array(runs.map(\.json)).serialized())
            return
        }
        print("run           status        steps  tokens  seconds  started              agent  (parent@step)")
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        for run in runs {
            let seconds = run.endedAt.map { String(format: "%.2f", $0.timeIntervalSince(run.startedAt)) } ?? "-"
            var line = run.id.rightPadded(14) + run.status.rightPadded(14) + String(run.steps).leftPadded(5)
            line += String(run.tokens).leftPadded(8) + seconds.leftPadded(9) + "  "
            line += formatter.string(from: run.startedAt) + "  " + run.agent
            if let parent = run.parent { line += "  (\(parent)@\(run.forkStep ?? 0))" }
            print(line)
        }
    }
}

extension RunInfo {
    var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("id", .string(id)), ("agent", .string(agent)), ("status", .string(status)), ("steps", .int(Int64(steps))),
            ("tokens", .int(Int64(tokens))), ("fuel", .int(Int64(clamping: fuel))),
            ("started_at", .double(startedAt.timeIntervalSince1970)),
            ("manifest", .string(manifestPath)), ("module", .string(modulePath)), ("module_hash", .string(moduleHash)),
        ]
        if let endedAt { members.append(("ended_at", .double(endedAt.timeIntervalSince1970))) }
        if let parent { members.append(("parent", .string(parent))) }
        if let forkStep { members.append(("fork_step", .int(Int64(forkStep)))) }
        if let fleet { members.append(("fleet", .string(fleet))) }
        if let summary { members.append(("summary", .string(summary))) }
        return .object(members)
    }
}

struct TraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace", abstract: "Inspect, compare, move and prune recorded runs.",
        subcommands: [Show.self, Diff.self, Export.self, Import.self, GC.self])

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a recorded run's steps.")
        @Argument(help: "The run.") var runID: String
        @Option(name: .long, help: "Show only this step, with its whole arguments and result.") var step: Int?
        @Flag(name: .long, help: "Print JSON (every byte) on stdout.") var json = false
        @OptionGroup var store: StoreOptions

        func run() throws {
            let console = Console()
            let stored = try load(runID, store, console)
            var steps = stored.steps
            if let step {
                guard steps.indices.contains(step - 1) else {
                    console.error("step \(step) is not in the run: it has steps 1 to \(steps.count)")
                    throw ExitCode(2)
                }
                steps = [steps[step - 1]]
            }
            if json {
                var output = BufferedOutput(fd: STDOUT_FILENO)
                output.write(JSONValue.object([("run", stored.info.json)]).serialized() + "\n")
                for step in steps { output.write(step.jsonObject().serialized() + "\n") }
                output.flush()
                return
            }
            let info = stored.info
            print(
                "run \(info.id) · \(info.agent) · \(info.status) · \(stored.steps.count) steps · \(info.tokens) tokens")
            print("  manifest \(info.manifestPath)\n  module   \(info.modulePath) (\(info.moduleHash.prefix(16)))")
            if let parent = info.parent { print("  forked from \(parent) at step \(info.forkStep ?? 0)") }
            if step != nil, let only = steps.first {
                print(only.jsonObject().serialized())
            } else {
                RunPrinter.steps(steps, console)
            }
            if let summary = info.summary { print("summary: \(summary)") }
        }
    }

    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the first step where two runs differ, and the steps on both sides.")
        @Argument(help: "The first run.") var first: String
        @Argument(help: "The second run.") var second: String
        @OptionGroup var store: StoreOptions

        func run() throws {
            let console = Console()
            let a = try load(first, store, console)
            let b = try load(second, store, console)
            guard let difference = TraceComparison.firstDifference(a.steps, b.steps) else {
                print("\(a.info.id) and \(b.info.id): \(a.steps.count) steps, identical (timings aside)")
                return
            }
            print("A = \(a.info.id) (\(a.steps.count) steps), B = \(b.info.id) (\(b.steps.count) steps)")
            print("identical up to step \(difference.step - 1); \(difference)")
            let after = difference.step..<min(difference.step + 3, max(a.steps.count, b.steps.count))
            for index in after {
                if index < a.steps.count { print("  A \(a.steps[index].index): \(a.steps[index].callDescription)") }
                if index < b.steps.count { print("  B \(b.steps[index].index): \(b.steps[index].callDescription)") }
            }
            throw ExitCode(1)
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a run as JSON Lines (the run, then each step with every byte).")
        @Argument(help: "The run.") var runID: String
        @Option(name: .shortAndLong, help: "The file to write (default: stdout).") var output: String?
        @OptionGroup var store: StoreOptions

        func run() throws {
            let console = Console()
            let text = TraceExport.lines(try load(runID, store, console)).joined(separator: "\n") + "\n"
            if let output {
                guard FileManager.default.createFile(atPath: output, contents: Data(text.utf8)) else {
                    console.error("cannot write \(output)")
                    throw ExitCode(2)
                }
            } else {
                var out = BufferedOutput(fd: STDOUT_FILENO)
                out.write(text)
                out.flush()
            }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read a run that `trace export` wrote into the store, under a new id.")
        @Argument(help: "The JSON Lines file.") var file: String
        @OptionGroup var store: StoreOptions

        func run() throws {
            let console = Console()
            let traceStore = try store.required(console)
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: file),
                (attributes[.size] as? Int ?? .max) <= TraceExport.maxLineBytes * 4,
                let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8)
            else {
                console.error("\(file): cannot read it as a trace file (UTF-8 text of at most 256 MiB)")
                throw ExitCode(2)
            }
            do {
                let info = try TraceExport.importLines(text.split(separator: "\n"), into: traceStore)
                print("imported as run \(info.id) (nanos replay \(info.id))")
            } catch {
                console.error(error.description)
                throw ExitCode(2)
            }
        }
    }

    struct GC: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "gc", abstract: "Delete old runs, and the payloads only they used.")
        @Option(name: .long, help: "Delete runs started more than this long ago (30d, 12h, 90m).") var olderThan:
            String?
        @Option(name: .long, help: "Keep only the newest N runs.") var keep: Int?
        @OptionGroup var store: StoreOptions

        func validate() throws {
            guard olderThan != nil || keep != nil else { throw ValidationError("give --older-than, --keep or both") }
            if let olderThan, Self.seconds(olderThan) == nil {
                throw ValidationError("--older-than \(olderThan): write a number and d, h, m or s (30d)")
            }
        }

        static func seconds(_ text: String) -> TimeInterval? {
            guard let unit = text.last, let number = Double(text.dropLast()), number >= 0 else { return nil }
            switch unit {
            case "d": return number * 86400
            case "h": return number * 3600
            case "m": return number * 60
            case "s": return number
            default: return nil
            }
        }

        func run() throws {
            let console = Console()
            let traceStore = try store.required(console)
            do {
                let removed = try traceStore.collectGarbage(olderThan: olderThan.flatMap(Self.seconds), keep: keep)
                print("deleted \(removed) runs; the store holds \(traceStore.sizeBytes / 1024) KiB")
            } catch {
                console.error(error.description)
                throw ExitCode(2)
            }
        }
    }
}

private func load(_ id: String, _ store: StoreOptions, _ console: Console) throws -> StoredRun {
    do {
        return try store.required(console).run(id)
    } catch let error as StoreError {
        console.error(error.description)
        throw ExitCode(2)
    }
}
