import NanosManifest

/// The outcome of one run: what `nanos run --json` prints and what front ends show.
public struct RunReport: Sendable {
    public var agent: String
    public var status: RunStatus
    public var exitCode: Int32 { status.exitCode }
    /// The summary the guest passed to `agent.done`.
    public var summary: String?
    /// Why the run ended, when it did not end ok (a trap's message, the limit that hit).
    public var message: String?
    /// The guest's own non-zero return or exit code, if it gave one.
    public var guestExitCode: Int32?
    public var steps: [Step] = []
    public var fuelUsed: UInt64 = 0
    public var peakMemoryBytes = 0
    /// Model tokens the run used: prompt plus generated, over every `llm.*` call.
    public var tokensUsed = 0
    public var durationNanoseconds: UInt64 = 0
    /// The limits the run was held to, defaults included; nil when it never started.
    public var limits: RunLimits?
    /// The run's id in the trace store, when it was recorded.
    public var runID: String?
    /// Steps answered from a record (replay, fork, resume) rather than by the services:
    /// the first `replayedSteps` steps, and for a fork also step K.
    public var replayedSteps = 0

    public init(agent: String, status: RunStatus) {
        self.agent = agent
        self.status = status
    }

    /// The report as JSON: status, exit code, summary, limits, each step (name, ok, errno,
    /// latency and, for denials, the rule), fuel used and peak memory.
    public func json() -> JSONValue {
        .object(summaryMembers + [("steps", .array(steps.map { $0.jsonObject(includePayloads: false) }))])
    }

    /// The same JSON text as `json()`, handed to `emit` a step at a time, so that a run of
    /// a million steps is never held as one JSON tree.
    public func writeJSON(_ emit: (String) -> Void) {
        var head = JSONValue.object(summaryMembers).serialized()
        head.removeLast()  // the closing brace; the steps follow
        emit(head + ",\"steps\":[")
        for (offset, step) in steps.enumerated() {
            emit((offset > 0 ? "," : "") + step.jsonObject(includePayloads: false).serialized())
        }
        emit("]}")
    }

    private var summaryMembers: [(String, JSONValue)] {
        var members: [(String, JSONValue)] = [
            ("agent", .string(agent)),
            ("status", .string(status.rawValue)),
            ("exit_code", .int(Int64(exitCode))),
            ("summary", summary.map(JSONValue.string) ?? .null),
        ]
        if let runID { members.append(("run_id", .string(runID))) }
        if replayedSteps > 0 { members.append(("replayed_steps", .int(Int64(replayedSteps)))) }
        if let message { members.append(("message", .string(message))) }
        if let guestExitCode { members.append(("guest_exit_code", .int(Int64(guestExitCode)))) }
        members += [
            ("fuel_used", .int(Int64(clamping: fuelUsed))),
            ("peak_memory_bytes", .int(Int64(peakMemoryBytes))),
            ("tokens_used", .int(Int64(tokensUsed))),
            ("duration_ms", .double((Double(durationNanoseconds) / 1e6 * 1000).rounded() / 1000)),
        ]
        if let limits { members.append(("limits", limits.json())) }
        return members
    }
}
