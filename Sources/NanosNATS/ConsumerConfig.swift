/// A durable pull consumer with explicit acks (the only kind nanos uses).
public struct ConsumerConfig: Sendable, Equatable {
    /// Durable name; no `.`, `*`, `>`.
    public var durable: String
    /// Only deliver messages on this subject (wildcards allowed); nil = the whole stream.
    public var filterSubject: String?
    /// Time a delivered message may stay un-acked before the server redelivers it.
    public var ackWait: Duration
    /// Deliveries before the server gives up on a message; 0 or less = unlimited.
    public var maxDeliver: Int
    /// Max delivered-but-unacked messages across all workers; 0 = server default.
    public var maxAckPending: Int

    public init(
        durable: String,
        filterSubject: String? = nil,
        ackWait: Duration = .seconds(30),
        maxDeliver: Int = 0,
        maxAckPending: Int = 0
    ) {
        self.durable = durable
        self.filterSubject = filterSubject
        self.ackWait = ackWait
        self.maxDeliver = maxDeliver
        self.maxAckPending = maxAckPending
    }
}
