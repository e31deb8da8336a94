import NanosManifest

/// The names a fleet uses on NATS, in one place. Agent names and fleet ids are checked
/// to be subject tokens (letters, digits, `-`, `_`) before they get here.
public enum FleetNames {
    /// Jobs, one per agent: a work queue every node pulls from.
    public static let jobStream = "NANOS_JOBS"
    public static let jobSubject = "nanos.jobs"
    /// The one durable consumer the nodes share; made explicitly, never by a subscription
    /// (a consumer a library subscription made is deleted when it unsubscribes).
    public static let jobConsumer = "nanos-nodes"

    /// Bus messages: a work queue with one subject, and one consumer, per agent inbox.
    public static let busStream = "NANOS_BUS"
    public static func busSubject(fleet: String, agent: String) -> String { "nanos.bus.\(fleet).\(agent)" }
    public static func busConsumer(fleet: String, agent: String) -> String { "bus-\(fleet)-\(agent)" }

    /// Every completed step of a fleet agent, per run, so another node can resume it.
    public static let stepStream = "NANOS_STEPS"
    public static func stepSubject(fleet: String, agent: String) -> String { "nanos.steps.\(fleet).\(agent)" }

    /// Fleet state: who runs what, and each agent's result.
    public static let stateBucket = "nanos-fleets"
    public static func stateKey(fleet: String, agent: String) -> String { "\(fleet).\(agent)" }

    /// Whether `text` may be a subject token: a fleet id or an agent name.
    public static func isToken(_ text: String) -> Bool { AgentSpec.isValidName(text) }
}
