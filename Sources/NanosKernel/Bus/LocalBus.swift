import Foundation
import NanosCore

/// The bus of a fleet in one process: an inbox per agent, each with its own lock, so a
/// send wakes only the agent it is for. Inboxes hold at most
/// ``SyscallLimits/inboxMessages`` messages and ``SyscallLimits/inboxBytes`` bytes.
public final class LocalBus: MessageBus, @unchecked Sendable {
    // Sendable: `inboxes` is fixed at init; each inbox guards its state with its own condition.
    public let members: [String]
    private let inboxes: [String: Inbox]

    public init(members: [String]) {
        self.members = members
        var inboxes: [String: Inbox] = [:]
        for member in members { inboxes[member] = Inbox() }
        self.inboxes = inboxes
    }

    public func send(from: String, to: String, text: String, number: UInt64) throws(SyscallFailure) {
        guard let inbox = inboxes[to] else {
            throw SyscallFailure(.ENOENT, "no agent named \(to.debugDescription) in this fleet")
        }
        try inbox.put(BusMessage(from: from, text: text), to: to)
    }

    public func receive(for agent: String, until deadline: ContinuousClock.Instant) throws(SyscallFailure)
        -> BusMessage?
    {
        guard let inbox = inboxes[agent] else { return nil }
        return try inbox.take(until: deadline)
    }

    /// Ends every wait: receives after this fail with ETIMEDOUT and `reason` (the fleet's
    /// deadline passed), so no agent blocks past its fleet.
    public func close(reason: String) {
        for inbox in inboxes.values { inbox.close(reason: reason) }
    }

    /// Messages delivered so far, by sender and receiver, in the manifest's order.
    public func flow() -> [MessageFlow] {
        let received = members.map { inboxes[$0]?.receivedFrom() ?? [:] }
        var flows: [MessageFlow] = []
        for from in members {
            for (index, to) in members.enumerated() {
                guard let count = received[index][from] else { continue }
                flows.append(MessageFlow(from: from, to: to, messages: count.messages, bytes: count.bytes))
            }
        }
        return flows
    }
}

/// How many messages went from one agent to another.
public struct MessageFlow: Sendable, Equatable, Codable {
    public let from: String
    public let to: String
    public let messages: Int
    public let bytes: Int

    public init(from: String, to: String, messages: Int, bytes: Int) {
        self.from = from
        self.to = to
        self.messages = messages
        self.bytes = bytes
    }
}

/// One agent's inbox: a bounded FIFO queue and the counts of what was put in it.
private final class Inbox: @unchecked Sendable {
    // Sendable: every field is read and written with `condition` held.
    private let condition = NSCondition()
    private var messages: [BusMessage] = []
    private var head = 0
    private var bytes = 0
    private var closedReason: String?
    private var received: [String: (messages: Int, bytes: Int)] = [:]

    func put(_ message: BusMessage, to name: String) throws(SyscallFailure) {
        let size = message.text.utf8.count
        condition.lock()
        defer { condition.unlock() }
        let held = messages.count - head
        guard held < SyscallLimits.inboxMessages, bytes + size <= SyscallLimits.inboxBytes else {
            throw SyscallFailure(
                .EAGAIN,
                "\(name)'s inbox is full (\(held) messages, \(bytes) bytes; it holds \(SyscallLimits.inboxMessages) and \(SyscallLimits.inboxBytes)): try again later"
            )
        }
        messages.append(message)
        bytes += size
        received[message.from, default: (0, 0)].messages += 1
        received[message.from, default: (0, 0)].bytes += size
        condition.signal()
    }

    func take(until deadline: ContinuousClock.Instant) throws(SyscallFailure) -> BusMessage? {
        condition.lock()
        defer { condition.unlock() }
        while head == messages.count {
            if let closedReason { throw SyscallFailure(.ETIMEDOUT, closedReason) }
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else { return nil }
            _ = condition.wait(until: Date(timeIntervalSinceNow: left.secondsValue))
        }
        let message = messages[head]
        head += 1
        bytes -= message.text.utf8.count
        // Drop consumed messages once they are half the array, so memory follows what is held.
        if head > 32, head * 2 > messages.count {
            messages.removeFirst(head)
            head = 0
        }
        return message
    }

    func close(reason: String) {
        condition.lock()
        closedReason = reason
        condition.broadcast()
        condition.unlock()
    }

    func receivedFrom() -> [String: (messages: Int, bytes: Int)] {
        condition.lock()
        defer { condition.unlock() }
        return received
    }
}
