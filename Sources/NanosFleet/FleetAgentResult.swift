import NanosCore
import NanosJSON
import NanosManifest

/// How one agent of a fleet ended, wherever it ran.
public struct FleetAgentResult: Sendable, Equatable {
    public var name: String
    /// A ``RunStatus`` raw value; `refused` when no node would take the job, `lost` when
    /// the fleet's deadline passed before any node reported it.
    public var status: String
    public var exitCode: Int32
    public var summary: String?
    public var message: String?
    public var steps: Int
    /// Steps answered from the record when a node resumed the run after another died.
    public var replayedSteps: Int
    public var tokens: Int
    public var durationMilliseconds: Double
    public var runID: String?
    /// The node that ran it (network mode).
    public var node: String?

    public init(
        name: String, status: String, exitCode: Int32, summary: String? = nil, message: String? = nil, steps: Int = 0,
        replayedSteps: Int = 0, tokens: Int = 0, durationMilliseconds: Double = 0, runID: String? = nil,
        node: String? = nil
    ) {
        self.name = name
        self.status = status
        self.exitCode = exitCode
        self.summary = summary
        self.message = message
        self.steps = steps
        self.replayedSteps = replayedSteps
        self.tokens = tokens
        self.durationMilliseconds = durationMilliseconds
        self.runID = runID
        self.node = node
    }

    public init(_ report: RunReport, node: String? = nil) {
        self.init(
            name: report.agent, status: report.status.rawValue, exitCode: report.exitCode, summary: report.summary,
            message: report.message, steps: report.steps.count, replayedSteps: report.replayedSteps,
            tokens: report.tokensUsed, durationMilliseconds: Double(report.durationNanoseconds) / 1e6,
            runID: report.runID, node: node)
    }

    public var isOK: Bool { status == RunStatus.ok.rawValue }

    public func json() -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("name", .string(name)), ("status", .string(status)), ("exit_code", .int(Int64(exitCode))),
            ("steps", .int(Int64(steps))), ("replayed_steps", .int(Int64(replayedSteps))),
            ("tokens", .int(Int64(tokens))),
            ("duration_ms", .double((durationMilliseconds * 1000).rounded() / 1000)),
        ]
        members.append(("summary", summary.map(JSONValue.string) ?? .null))
        members.append(("message", message.map(JSONValue.string) ?? .null))
        members.append(("run_id", runID.map(JSONValue.string) ?? .null))
        if let node { members.append(("node", .string(node))) }
        return .object(members)
    }

    /// The result as a node reports it in the fleet's state; nil for malformed JSON.
    public init?(json value: JSONValue) {
        guard let name = value["name"]?.stringValue, AgentSpec.isValidName(name),
            let status = value["status"]?.stringValue, status.utf8.count <= 32
        else { return nil }
        self.init(
            name: name, status: status, exitCode: Int32(clamping: value["exit_code"]?.intValue ?? 1),
            summary: value["summary"]?.stringValue.map { String($0.prefix(4096)) },
            message: value["message"]?.stringValue.map { String($0.prefix(4096)) },
            steps: Int(clamping: max(0, value["steps"]?.intValue ?? 0)),
            replayedSteps: Int(clamping: max(0, value["replayed_steps"]?.intValue ?? 0)),
            tokens: Int(clamping: max(0, value["tokens"]?.intValue ?? 0)),
            durationMilliseconds: max(0, value["duration_ms"]?.doubleValue ?? 0),
            runID: value["run_id"]?.stringValue.map { String($0.prefix(64)) },
            node: value["node"]?.stringValue.map { String($0.prefix(64)) })
    }
}
