import NanosCore
import NanosJSON

/// The bus service: messages between the agents of a fleet (`agent_send`, `agent_recv`,
/// `agent_broadcast`, `agent_peers`, and the original ABI's `agent_send`/`agent_recv`).
/// A run outside a fleet has no bus: it has no peers, a send names no one (ENOENT) and a
/// receive finds nothing.
///
/// A received message is settled with the transport (acked) only at the agent's next bus
/// call or when the run ends: by then its step is in the record, so a run that dies in
/// between gets it again, and its resume skips it by sequence.
final class BusService: Service {
    private let bus: (any MessageBus)?
    private let name: String
    private let deadline: ContinuousClock.Instant?
    private var unsettled: BusMessage?
    /// Sends made so far, recorded ones included: each send's number.
    private var sends: UInt64 = 0

    static let sendSteps: Set<String> = ["agent.send", "env.agent_send", "agent.broadcast"]

    /// The original ABI's `agent_recv` waited up to 10 s (100 polls of 100 ms).
    static let originalReceiveWait = Duration.seconds(10)

    init(bus: (any MessageBus)?, context: RunContext) {
        self.bus = bus
        self.name = context.manifest.name
        self.deadline = context.deadline
    }

    var handlers: [String: SyscallHandler] {
        [
            "agent_peers": { _ in
                let peers = (self.bus?.members ?? []).filter { $0 != self.name }
                return .data(Array(JSONValue.array(peers.map { .string($0) }).serialized().utf8))
            },
            "agent_send": { arguments in
                .catching { () throws(SyscallFailure) in
                    try self.send(to: arguments.bytes(0), arguments.bytes(1))
                    return .value(0)
                }
            },
            "agent_recv": { arguments in
                self.receive(waiting: .milliseconds(max(0, arguments.int(0)))) { message in
                    JSONValue.object([("from", .string(message.from)), ("msg", .string(message.text))]).serialized()
                }
            },
            "agent_broadcast": { arguments in
                .catching { () throws(SyscallFailure) in
                    let text = try Self.text(arguments.bytes(0))
                    self.sends += 1
                    guard let bus = self.settled() else { return .value(0) }
                    return .value(Int64(try bus.broadcast(from: self.name, text: text, number: self.sends)))
                }
            },
            "env.agent_send": { arguments in
                .catching { () throws(SyscallFailure) in
                    try self.send(to: arguments.bytes(0), arguments.bytes(1))
                    return .value(1)
                }
            },
            "env.agent_recv": { _ in
                self.receive(waiting: Self.originalReceiveWait) { $0.text }
            },
        ]
    }

    private func send(to target: [UInt8], _ message: [UInt8]) throws(SyscallFailure) {
        sends += 1
        let to = String(decoding: target, as: UTF8.self)
        let text = try Self.text(message)
        guard let bus = settled(), bus.members.contains(to) else {
            throw SyscallFailure(
                .ENOENT, "no agent named \(to.debugDescription) in this \(bus == nil ? "run" : "fleet")")
        }
        try bus.send(from: name, to: to, text: text, number: sends)
    }

    /// Waits for a message, at most `wait`, ``SyscallLimits/receiveWaitMilliseconds`` and
    /// until the run's deadline; what arrived becomes the step's data through `render`, and
    /// nothing arriving is an empty answer, not a failure.
    private func receive(waiting wait: Duration, render: (BusMessage) -> String) -> SyscallOutcome {
        guard let bus = settled() else { return .data([]) }
        var until = ContinuousClock.now + min(wait, .milliseconds(SyscallLimits.receiveWaitMilliseconds))
        if let deadline { until = min(until, deadline) }
        do throws(SyscallFailure) {
            guard let message = try bus.receive(for: name, until: until) else { return .data([]) }
            unsettled = message
            let counters: [String: Int64] = message.sequence > 0 ? ["bus_sequence": Int64(message.sequence)] : [:]
            return .data(Array(render(message).utf8), counters: counters)
        } catch {
            return .failure(error)
        }
    }

    /// The bus, once the message received last (now in the record) is settled.
    private func settled() -> (any MessageBus)? {
        if let message = unsettled, let bus {
            bus.settle(message, for: name)
            unsettled = nil
        }
        return bus
    }

    private static func text(_ bytes: [UInt8]) throws(SyscallFailure) -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw SyscallFailure(.EINVAL, "a message between agents must be UTF-8 text")
        }
        return text
    }

    /// A recorded send keeps the count of sends; a recorded receive consumed its message,
    /// which the transport must not give again.
    func replayed(_ step: Step) {
        if Self.sendSteps.contains(step.name) { sends += 1 }
        guard step.name == "agent.recv" || step.name == "env.agent_recv",
            let sequence = step.counters["bus_sequence"], sequence > 0
        else { return }
        bus?.consumed(through: UInt64(sequence), by: name)
    }

    func close() {
        _ = settled()
    }
}
