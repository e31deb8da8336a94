import ArgumentParser
import Foundation
import NanosBundle
import NanosEval
import Synchronization

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Run an evaluation suite of agent tasks and print the success rate.",
        discussion: """
            DIR holds one folder per task: task.nano (the manifest), the input files its goal \
            is about, and check.json (what the run must leave behind: file contents, the run's \
            status, words of its summary; any other file created or changed fails the task). \
            Each task runs on a fresh copy of its folder. The table gives, per task, the \
            result, steps, model calls, model time and tokens (docs/eval.md).

            Exit status: 0 when at least --require tasks pass (all, unless given), 1 when fewer \
            do, 2 when the suite cannot be read. To measure another model on the same suite, \
            point NANOS_DEFAULT_MODEL at its GGUF file: tasks on the bundled model use it instead.

              nanos eval evals/default-agent --threads 2
              NANOS_DEFAULT_MODEL=/models/other.gguf nanos eval evals/default-agent
            """
    )

    @Argument(help: "The suite: a folder of task folders.")
    var suite: String

    @Option(name: .long, help: "The model's compute threads for every task (overrides model.threads).")
    var threads: Int?

    @Option(name: .long, help: "How many tasks must pass for exit status 0. Default: all of them.")
    var require: Int?

    @Option(
        name: .long,
        help: "The agent (.wasm) run for tasks whose manifest has no binary:. Default: the default agent.")
    var agent: String?

    @Flag(name: .long, help: "Print the results as JSON on stdout instead of the table.")
    var json = false

    @OptionGroup var store: StoreOptions

    @Flag(name: .long, help: "Do not record the tasks' runs in the trace store.")
    var noRecord = false

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if let require, require < 0 { throw ValidationError("--require must not be negative") }
    }

    func run() throws {
        global.bootstrapLogging()
        let console = Console()
        let loaded: EvalSuite
        do {
            loaded = try EvalSuite.load(suite)
        } catch {
            console.error(error.description)
            throw ExitCode(2)
        }
        var options = EvalOptions(threads: threads)
        if let agent {
            guard FileManager.default.isReadableFile(atPath: agent) else {
                console.error("--agent \(agent): no readable file there")
                throw ExitCode(2)
            }
            options.defaultAgent = agent.hasPrefix("/") ? agent : FileManager.default.currentDirectoryPath + "/" + agent
        } else {
            do {
                options.defaultAgent = try DefaultAgent.locate()
            } catch {
                console.error(error.description)
                throw ExitCode(2)
            }
        }
        if !noRecord { options.store = store.open(console) }
        let total = loaded.tasks.count
        let counter = ProgressCounter()
        options.onResult = { result in
            let done = counter.next()
            let verdict = result.passed ? console.paint("pass", .green) : console.paint("FAIL", .red)
            var line = "[\(done)/\(total)] \(result.task): \(verdict) · \(result.modelCalls) model calls"
            if let runID = result.runID { line += console.paint(" · run \(runID)", .dim) }
            console.line(line)
        }
        let report = EvalRunner.run(loaded, options: options)
        if json {
            print(report.json.serialized())
        } else {
            print(report.table)
        }
        let needed = min(require ?? total, total)
        if report.passedCount < needed {
            console.error("\(report.passedCount) of \(total) tasks passed; \(needed) must")
            throw ExitCode(1)
        }
    }
}

/// Counts finished tasks for the progress lines.
final class ProgressCounter: Sendable {
    private let count = Mutex(0)

    func next() -> Int {
        count.withLock {
            $0 += 1
            return $0
        }
    }
}
