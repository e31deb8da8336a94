import Foundation
import NanosCore
import NanosJSON
import NanosKernel
import NanosNATS

/// The bus of a fleet across machines: each inbox is a subject of a JetStream work
/// queue, bounded per subject (a send to a full inbox is refused by the server: EAGAIN),
/// read through the agent's own durable consumer. One per agent run on a node.
///
/// A message is acked when the agent's next bus call or the run's end settles it, after
/// its step is recorded. A resumed run's inbox is made anew, so what the dead node held
/// unacked comes back at once; messages its record already consumed are skipped by their
/// sequence. Each send carries a message id from the sender's name and send number, so
/// a send made again by a resumed run is dropped by the stream as a duplicate.
final class NATSBus: MessageBus, @unchecked Sendable {
    // Sendable: the run's thread is its only user; `pending` and `skipThrough` are
    // touched only there (the bus methods are called from the agent's run).
    let members: [String]
    private let fleet: String
    private let jetStream: JetStream
    private let inbox: PullSubscription
    private var pending: [BusMessage: JetStreamMessage] = [:]
    private var skipThrough: UInt64 = 0
    /// Recently received sequences: a message redelivered while its agent still runs (a
    /// late ack) is not taken twice.
    private var recent: [UInt64] = []
    private static let recentLimit = 1024

    init(fleet: String, agent: String, members: [String], jetStream: JetStream) throws(NATSError) {
        self.fleet = fleet
        self.members = members
        self.jetStream = jetStream
        inbox = try jetStream.pullSubscribe(
            stream: FleetNames.busStream, consumer: FleetNames.busConsumer(fleet: fleet, agent: agent))
    }

    func send(from: String, to: String, text: String, number: UInt64) throws(SyscallFailure) {
        guard members.contains(to) else {
            throw SyscallFailure(.ENOENT, "no agent named \(to.debugDescription) in this fleet")
        }
        let payload = JSONValue.object([("from", .string(from)), ("msg", .string(text))]).serialized()
        do {
            try jetStream.publish(
                FleetNames.busSubject(fleet: fleet, agent: to), Array(payload.utf8),
                headers: ["Nats-Msg-Id": "\(fleet).\(from).\(number).\(to)"])
        } catch {
            throw Self.failure(error, to: to)
        }
    }

    func receive(for agent: String, until deadline: ContinuousClock.Instant) throws(SyscallFailure) -> BusMessage? {
        while true {
            let left = ContinuousClock.now.duration(to: deadline)
            let messages: [JetStreamMessage]
            do {
                messages = try inbox.fetch(batch: 1, timeout: max(left, .milliseconds(1)))
            } catch {
                throw Self.failure(error, to: agent)
            }
            guard let message = messages.first else {
                // A pull can come back empty before its wait is over (the server answers a
                // pull request early); the agent asked to wait until its deadline.
                if ContinuousClock.now.duration(to: deadline) > .milliseconds(5) {
                    Thread.sleep(forTimeInterval: 0.002)
                    continue
                }
                return nil
            }
            if message.streamSequence <= skipThrough || recent.contains(message.streamSequence) {
                try? message.ack()
                continue
            }
            recent.append(message.streamSequence)
            if recent.count > Self.recentLimit { recent.removeFirst(recent.count - Self.recentLimit) }
            guard let json = try? JSONValue.parse(message.data), let from = json["from"]?.stringValue,
                let text = json["msg"]?.stringValue
            else {
                try? message.term()
                continue
            }
            let received = BusMessage(from: from, text: text, sequence: message.streamSequence)
            pending[received] = message
            return received
        }
    }

    func settle(_ message: BusMessage, for agent: String) {
        if let held = pending.removeValue(forKey: message) { try? held.ack() }
    }

    func consumed(through sequence: UInt64, by agent: String) {
        skipThrough = max(skipThrough, sequence)
    }

    func close() {
        inbox.close()
    }

    private static func failure(_ error: NATSError, to agent: String) -> SyscallFailure {
        switch error {
        case .full:
            return SyscallFailure(
                .EAGAIN,
                "\(agent)'s inbox is full (\(SyscallLimits.inboxMessages) messages): try again later")
        case .timeout(let text): return SyscallFailure(.ETIMEDOUT, "the bus did not answer in time: \(text)")
        default: return SyscallFailure(.EIO, "the bus failed: \(error)")
        }
    }
}

/// Inboxes on NATS for agents run in this process (a benchmark of the network bus next to
/// the in-process one): makes the fleet's streams and each agent's consumer, then hands
/// out each agent's bus.
public func natsBuses(connection: NATSConnection, fleetID: String, members: [String]) throws(FleetError)
    -> @Sendable (String) throws(FleetError) -> any MessageBus
{
    let jetStream: JetStream
    do throws(NATSError) {
        jetStream = try connection.jetStream()
        _ = try FleetInfrastructure.ensure(jetStream)
        try FleetInfrastructure.addInboxes(jetStream, fleetID: fleetID, agents: members)
    } catch {
        throw FleetError(error)
    }
    return { agent throws(FleetError) in
        do throws(NATSError) {
            return try NATSBus(fleet: fleetID, agent: agent, members: members, jetStream: jetStream)
        } catch {
            throw FleetError(error)
        }
    }
}

extension BusMessage: Hashable {
    public func hash(into hasher: inout Hasher) {
        hasher.combine(sequence)
        hasher.combine(from)
    }
}
