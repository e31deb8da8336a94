import NanosJSON
import NanosKernel

/// How a fleet ended: each agent's result and the messages that went between them.
public struct FleetReport: Sendable {
    /// The id every agent's recorded run carries (`nanos runs --fleet ID`).
    public var fleetID: String
    public var fleetName: String
    /// In the manifest's order.
    public var agents: [FleetAgentResult]
    public var flow: [MessageFlow]
    public var durationMilliseconds: Double
    /// The fleet's deadline passed before every agent ended.
    public var deadlinePassed: Bool

    public init(
        fleetID: String, fleetName: String, agents: [FleetAgentResult], flow: [MessageFlow],
        durationMilliseconds: Double, deadlinePassed: Bool
    ) {
        self.fleetID = fleetID
        self.fleetName = fleetName
        self.agents = agents
        self.flow = flow
        self.durationMilliseconds = durationMilliseconds
        self.deadlinePassed = deadlinePassed
    }

    /// Every agent ended ok.
    public var isOK: Bool { !deadlinePassed && agents.allSatisfy(\.isOK) }

    public func json() -> JSONValue {
        .object([
            ("fleet", .string(fleetName)), ("fleet_id", .string(fleetID)),
            ("status", .string(isOK ? "ok" : deadlinePassed ? "deadline" : "failed")),
            ("deadline_passed", .bool(deadlinePassed)),
            ("duration_ms", .double((durationMilliseconds * 1000).rounded() / 1000)),
            ("agents", .array(agents.map { $0.json() })),
            (
                "messages",
                .array(
                    flow.map {
                        .object([
                            ("from", .string($0.from)), ("to", .string($0.to)), ("count", .int(Int64($0.messages))),
                            ("bytes", .int(Int64($0.bytes))),
                        ])
                    })
            ),
        ])
    }
}
