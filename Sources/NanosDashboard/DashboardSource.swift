import Foundation
import NanosCore

/// One line of the dashboard's table: an agent of a fleet, or a recorded or served run.
public struct DashboardRow: Sendable, Equatable {
    /// Unique in the table: the run's id, or the agent's name while it has none.
    public var id: String
    public var name: String
    public var status: String
    public var steps: Int
    public var lastCall: String
    public var tokens: Int
    public var fuel: UInt64
    public var memory: Int
    public var elapsedSeconds: Double
    public var runID: String?
    /// The run it was forked from, when it is a fork.
    public var parent: String?

    public init(
        id: String, name: String, status: String, steps: Int = 0, lastCall: String = "", tokens: Int = 0,
        fuel: UInt64 = 0, memory: Int = 0, elapsedSeconds: Double = 0, runID: String? = nil, parent: String? = nil
    ) {
        self.id = id
        self.name = name
        self.status = status
        self.steps = steps
        self.lastCall = lastCall
        self.tokens = tokens
        self.fuel = fuel
        self.memory = memory
        self.elapsedSeconds = elapsedSeconds
        self.runID = runID
        self.parent = parent
    }

    public var isLive: Bool { status == "running" || status == "queued" }
}

/// Something that happened that a person watching wants to see: a denial, an error, a
/// message between agents.
public struct DashboardEvent: Sendable, Equatable {
    public enum Kind: Sendable { case denied, error, message, info }
    public var kind: Kind
    public var agent: String
    public var text: String

    public init(_ kind: Kind, agent: String, text: String) {
        self.kind = kind
        self.agent = agent
        self.text = text
    }

    /// The event a step makes, if any: a failure, or a message sent or received.
    public static func of(_ step: Step, agent: String) -> DashboardEvent? {
        switch step.outcome {
        case .failure(let failure):
            return DashboardEvent(
                failure.errno == .EPERM ? .denied : .error, agent: agent,
                text: "\(step.name) \(failure.errno): \(failure.message)")
        case .data(let bytes):
            if step.name == "agent.recv" || step.name == "env.agent_recv", !bytes.isEmpty {
                return DashboardEvent(.message, agent: agent, text: "received \(bytes.count) B")
            }
        case .value:
            if step.name == "agent.send" || step.name == "env.agent_send" {
                let to = String(decoding: step.args.bytes(0), as: UTF8.self)
                return DashboardEvent(.message, agent: agent, text: "→ \(to): \(step.args.bytes(1).count) B")
            }
        }
        return nil
    }
}

/// Where the dashboard's rows come from: a fleet run here, a trace store, or a `nanos
/// serve`. It does the work through the kernel, store and serve APIs; the dashboard
/// only shows it.
public protocol DashboardSource: AnyObject, Sendable {
    /// "fleet ring", "store runs.db", "serve http://…".
    var title: String { get }
    /// The rows and the latest events, as they are now.
    func snapshot() -> (rows: [DashboardRow], events: [DashboardEvent])
    /// The steps of a row's run so far, every byte of each.
    func steps(of row: DashboardRow) -> [Step]
    /// Cancels a live run; what to tell the user.
    func cancel(_ row: DashboardRow) -> String
    /// Forks a row's run at `step` with `outcome` in place of the recorded one, and
    /// follows it: the new row's id, or why it could not start.
    func fork(_ row: DashboardRow, at step: Int, outcome: SyscallOutcome) -> Result<String, DashboardError>
    /// Nothing more will change (a fleet that ended); a snapshot may be taken.
    var isFinished: Bool { get }
}

public struct DashboardError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
