/// The subset of a JetStream stream configuration nanos needs.
///
/// Values map 1:1 onto `jsStreamConfig`; zero means "unlimited" for the numeric limits.
public struct StreamConfig: Sendable, Equatable {
    /// When stored messages go away (besides the limits).
    public enum Retention: Sendable, Equatable {
        /// Kept until a limit (count/bytes/age/per-subject) removes them.
        case limits
        /// Removed as soon as one consumer acknowledges them.
        case workQueue
        /// Removed once every consumer with interest acknowledged them.
        case interest
    }

    /// Where messages live.
    public enum Storage: Sendable, Equatable {
        case file
        case memory
    }

    public var name: String
    public var subjects: [String]
    public var retention: Retention
    public var storage: Storage
    /// Max messages kept per subject; 0 = unlimited.
    public var maxMessagesPerSubject: Int64
    /// With a per-subject limit: refuse new messages (publish throws `.full`) instead of dropping
    /// the oldest. Needs `maxMessagesPerSubject > 0`. (Sets Discard=New + DiscardNewPerSubject;
    /// server 2.9.0+.)
    public var discardNewPerSubject: Bool
    /// Max payload+headers size of one message; 0 = server default.
    public var maxMessageSize: Int32
    /// Age after which messages are dropped; nil = forever.
    public var maxAge: Duration?

    public init(
        name: String,
        subjects: [String],
        retention: Retention = .limits,
        storage: Storage = .file,
        maxMessagesPerSubject: Int64 = 0,
        discardNewPerSubject: Bool = false,
        maxMessageSize: Int32 = 0,
        maxAge: Duration? = nil
    ) {
        self.name = name
        self.subjects = subjects
        self.retention = retention
        self.storage = storage
        self.maxMessagesPerSubject = maxMessagesPerSubject
        self.discardNewPerSubject = discardNewPerSubject
        self.maxMessageSize = maxMessageSize
        self.maxAge = maxAge
    }
}
