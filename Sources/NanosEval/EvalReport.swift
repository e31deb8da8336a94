import NanosCore
import NanosJSON

/// One task's outcome: whether its check held and what the run cost.
public struct EvalResult: Sendable {
    public var task: String
    /// Why the task did not pass; empty when it passed.
    public var failures: [String] = []
    /// The run's status (`ok`, `max_steps`, …); empty when the task could not be run.
    public var status = ""
    public var summary: String?
    /// Every step of the run (host calls).
    public var steps = 0
    /// Steps that asked the model (`llm.*`).
    public var modelCalls = 0
    /// Time spent in those steps.
    public var modelNanoseconds: UInt64 = 0
    public var tokens = 0
    /// The whole task: copying its folder, the run and the check.
    public var wallNanoseconds: UInt64 = 0
    /// The recorded run, for `nanos replay`; nil when not recorded.
    public var runID: String?

    public var passed: Bool { failures.isEmpty && !status.isEmpty }

    mutating func record(_ report: RunReport) {
        status = report.status.rawValue
        summary = report.summary
        steps = report.steps.count
        tokens = report.tokensUsed
        runID = report.runID
        for step in report.steps where step.name.hasPrefix("llm.") {
            modelCalls += 1
            modelNanoseconds += step.latencyNanoseconds
        }
    }

    var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("task", .string(task)), ("passed", .bool(passed)), ("status", .string(status)),
            ("steps", .int(Int64(steps))), ("model_calls", .int(Int64(modelCalls))),
            ("model_ms", .int(Int64(modelNanoseconds / 1_000_000))), ("tokens", .int(Int64(tokens))),
            ("wall_ms", .int(Int64(wallNanoseconds / 1_000_000))),
            ("failures", .array(failures.map { .string($0) })),
        ]
        if let summary { members.append(("summary", .string(summary))) }
        if let runID { members.append(("run_id", .string(runID))) }
        return .object(members)
    }
}

/// A suite's results: the table `nanos eval` prints, or its JSON.
public struct EvalReport: Sendable {
    public let suite: String
    public let threads: Int?
    public let results: [EvalResult]

    public var passedCount: Int { results.filter(\.passed).count }

    /// The median of the tasks' model calls (the lower middle for an even count).
    public var medianModelCalls: Int {
        let sorted = results.map(\.modelCalls).sorted()
        return sorted.isEmpty ? 0 : sorted[(sorted.count - 1) / 2]
    }

    public var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("suite", .string(suite)), ("passed", .int(Int64(passedCount))), ("tasks", .int(Int64(results.count))),
            ("median_model_calls", .int(Int64(medianModelCalls))),
            ("model_ms", .int(Int64(results.reduce(0) { $0 + $1.modelNanoseconds } / 1_000_000))),
        ]
        if let threads { members.append(("threads", .int(Int64(threads)))) }
        members.append(("results", .array(results.map(\.json))))
        return .object(members)
    }

    /// `task  result  steps  model calls  model time  tokens`, one row per task, then the totals.
    public var table: String {
        let width = max(4, results.map(\.task.count).max() ?? 0)
        func pad(_ text: String, _ count: Int, left: Bool = false) -> String {
            let fill = String(repeating: " ", count: max(0, count - text.count))
            return left ? fill + text : text + fill
        }
        var lines = [
            pad("task", width) + "  result  steps  model calls  model time  tokens"
        ]
        for result in results {
            lines.append(
                pad(result.task, width) + "  " + pad(result.passed ? "pass" : "FAIL", 6) + "  "
                    + pad(String(result.steps), 5, left: true) + "  " + pad(String(result.modelCalls), 11, left: true)
                    + "  " + pad(Self.seconds(result.modelNanoseconds), 10, left: true) + "  "
                    + pad(String(result.tokens), 6, left: true))
            for failure in result.failures { lines.append("    " + failure) }
        }
        let total = results.reduce(0) { $0 + $1.modelNanoseconds }
        let rate = results.isEmpty ? 0 : passedCount * 100 / results.count
        lines.append(
            "\(passedCount)/\(results.count) passed (\(rate)%) · median model calls \(medianModelCalls) · model time "
                + Self.seconds(total) + (threads.map { " · \($0) thread\($0 == 1 ? "" : "s")" } ?? ""))
        return lines.joined(separator: "\n")
    }

    static func seconds(_ nanoseconds: UInt64) -> String {
        let tenths = (nanoseconds + 50_000_000) / 100_000_000
        return "\(tenths / 10).\(tenths % 10) s"
    }
}
