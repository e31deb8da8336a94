import NanosCore

/// A message between agents, as an inbox holds it.
public struct BusMessage: Sendable, Equatable {
    /// The sender's name, stamped by the host that sent it; never the guest's say.
    public let from: String
    public let text: String
    /// The transport's position for the message (a JetStream stream sequence); 0 where
    /// the transport has none. A resumed run skips messages its record already consumed.
    public let sequence: UInt64

    public init(from: String, text: String, sequence: UInt64 = 0) {
        self.from = from
        self.text = text
        self.sequence = sequence
    }
}

/// Where a fleet's agents leave messages for each other: one process (``LocalBus``) or
/// NATS JetStream. Every inbox is bounded; a send to a full one fails with EAGAIN and an
/// unknown name with ENOENT, so a guest can neither grow host memory nor wait forever.
///
/// Methods are called from the agents' run threads, each agent its own inbox.
public protocol MessageBus: Sendable {
    /// Every agent of the fleet, in the manifest's order.
    var members: [String] { get }
    /// Puts `text` in `to`'s inbox, stamped with `from`. `number` counts the sender's sends
    /// (1, 2, …) and is the same when a resumed run makes that send again: a transport
    /// that can see a send twice (the sender's node died right after it) keeps one.
    func send(from: String, to: String, text: String, number: UInt64) throws(SyscallFailure)
    /// The oldest message of `agent`'s inbox, waiting until `deadline`; nil when none came.
    func receive(for agent: String, until deadline: ContinuousClock.Instant) throws(SyscallFailure) -> BusMessage?
    /// `message`, returned by ``receive(for:until:)``, is in the run's record: the transport
    /// may forget it. Called before the agent's next bus call and when its run ends.
    func settle(_ message: BusMessage, for agent: String)
    /// A resumed run's record consumed `agent`'s messages up to `sequence`; the transport
    /// must not hand them out again.
    func consumed(through sequence: UInt64, by agent: String)
}

extension MessageBus {
    public func settle(_ message: BusMessage, for agent: String) {}
    public func consumed(through sequence: UInt64, by agent: String) {}

    /// Puts `text` in every other agent's inbox that has room; returns how many got it.
    public func broadcast(from: String, text: String, number: UInt64) throws(SyscallFailure) -> Int {
        var reached = 0
        for member in members where member != from {
            do throws(SyscallFailure) {
                try send(from: from, to: member, text: text, number: number)
                reached += 1
            } catch  where error.errno == .EAGAIN {
                continue
            }
        }
        return reached
    }
}
