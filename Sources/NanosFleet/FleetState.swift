import NanosABI
import NanosJSON
import NanosKernel
import NanosNATS

/// One agent's entry in the fleet's state bucket: where its job is, and how it ended.
struct FleetAgentState: Sendable, Equatable {
    enum Phase: String, Sendable {
        /// The job is on the queue.
        case queued
        /// A node is running it (or was, until its death is noticed).
        case running
        /// It ended: `result` says how (refused by a node's policy included).
        case ended
    }

    var phase: Phase
    var node: String?
    /// The job's delivery count when a node took it: 2 and up means a resume.
    var attempt: Int = 0
    var result: FleetAgentResult?
    /// Messages the agent sent, by receiver: count and bytes.
    var sent: [MessageFlow] = []

    func encoded() -> [UInt8] {
        var members: [(String, JSONValue)] = [("phase", .string(phase.rawValue)), ("attempt", .int(Int64(attempt)))]
        if let node { members.append(("node", .string(node))) }
        if let result { members.append(("result", result.json())) }
        members.append(
            (
                "sent",
                .array(
                    sent.map {
                        .object([
                            ("to", .string($0.to)), ("count", .int(Int64($0.messages))),
                            ("bytes", .int(Int64($0.bytes))),
                        ])
                    })
            ))
        return Array(JSONValue.object(members).serialized().utf8)
    }

    init(phase: Phase, node: String? = nil, attempt: Int = 0, result: FleetAgentResult? = nil, sent: [MessageFlow] = [])
    {
        self.phase = phase
        self.node = node
        self.attempt = attempt
        self.result = result
        self.sent = sent
    }

    /// A state as read back from the bucket; nil for anything malformed.
    init?(decoding bytes: [UInt8], agent: String) {
        guard bytes.count <= 1 << 20, let json = try? JSONValue.parse(bytes),
            let phase = json["phase"]?.stringValue.flatMap(Phase.init(rawValue:))
        else { return nil }
        self.phase = phase
        node = json["node"]?.stringValue.map { String($0.prefix(64)) }
        attempt = Int(clamping: json["attempt"]?.intValue ?? 0)
        result = json["result"].flatMap(FleetAgentResult.init(json:))
        if case .array(let items)? = json["sent"] {
            sent = items.prefix(FleetPlan.maxAgents).compactMap { item in
                guard let to = item["to"]?.stringValue, FleetNames.isToken(to) else { return nil }
                return MessageFlow(
                    from: agent, to: to, messages: Int(clamping: item["count"]?.intValue ?? 0),
                    bytes: Int(clamping: item["bytes"]?.intValue ?? 0))
            }
        }
    }
}

/// The streams, consumer and bucket every fleet uses; made by whichever side starts first
/// (making them again is a no-op).
enum FleetInfrastructure {
    /// How long a node may go silent on a job before it goes to another node. Nodes send
    /// progress every ``heartbeat``, so only a dead or cut-off node loses its job.
    static let jobAckWait = Duration.seconds(5)
    static let heartbeat = Duration.seconds(1)

    static func ensure(_ jetStream: JetStream) throws(NATSError) -> KeyValue {
        try jetStream.addStream(
            StreamConfig(
                name: FleetNames.jobStream, subjects: [FleetNames.jobSubject], retention: .workQueue, storage: .file,
                maxMessagesPerSubject: 0, discardNewPerSubject: false, maxMessageSize: Int32(FleetJob.maxJobBytes),
                maxAge: .seconds(24 * 3600)))
        try jetStream.addConsumer(
            stream: FleetNames.jobStream,
            ConsumerConfig(
                durable: FleetNames.jobConsumer, filterSubject: FleetNames.jobSubject, ackWait: jobAckWait,
                maxDeliver: 10, maxAckPending: 10_000))
        try jetStream.addStream(
            StreamConfig(
                name: FleetNames.busStream, subjects: ["nanos.bus.>"], retention: .workQueue, storage: .file,
                maxMessagesPerSubject: Int64(SyscallLimits.inboxMessages), discardNewPerSubject: true,
                maxMessageSize: Int32(SyscallLimits.busMessage + 1024), maxAge: .seconds(24 * 3600)))
        try jetStream.addStream(
            StreamConfig(
                name: FleetNames.stepStream, subjects: ["nanos.steps.>"], retention: .limits, storage: .file,
                maxMessagesPerSubject: 0, discardNewPerSubject: false, maxMessageSize: 0, maxAge: .seconds(24 * 3600)))
        return try jetStream.keyValue(bucket: FleetNames.stateBucket, create: true, history: 1)
    }

    /// How long a received message may stay unacked before its inbox offers it again: an
    /// agent acks at its next bus call, which may follow a long model call. (A dead node's
    /// messages do not wait for this: the resuming node makes the inbox anew.)
    static let inboxAckWait = Duration.seconds(1800)

    /// Each agent's inbox: a consumer of its subject on the bus stream.
    static func addInboxes(_ jetStream: JetStream, fleetID: String, agents: [String]) throws(NATSError) {
        for agent in agents {
            try jetStream.addConsumer(
                stream: FleetNames.busStream,
                ConsumerConfig(
                    durable: FleetNames.busConsumer(fleet: fleetID, agent: agent),
                    filterSubject: FleetNames.busSubject(fleet: fleetID, agent: agent), ackWait: inboxAckWait,
                    maxDeliver: 0, maxAckPending: SyscallLimits.inboxMessages))
        }
    }

    /// Makes an agent's inbox anew for a resumed run: the work queue still holds every
    /// message not acked, the dead node's unacked ones among them, and the new consumer
    /// offers them at once instead of after the ack wait.
    static func resetInbox(_ jetStream: JetStream, fleetID: String, agent: String) throws(NATSError) {
        try? jetStream.deleteConsumer(
            stream: FleetNames.busStream, name: FleetNames.busConsumer(fleet: fleetID, agent: agent))
        try addInboxes(jetStream, fleetID: fleetID, agents: [agent])
    }

    /// The fleet's inboxes go; its step log stays (for a day) as an audit of what ran.
    static func removeInboxes(_ jetStream: JetStream, fleetID: String, agents: [String]) {
        for agent in agents {
            try? jetStream.deleteConsumer(
                stream: FleetNames.busStream, name: FleetNames.busConsumer(fleet: fleetID, agent: agent))
            try? jetStream.purge(
                stream: FleetNames.busStream, subject: FleetNames.busSubject(fleet: fleetID, agent: agent))
        }
    }
}
