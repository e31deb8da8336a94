import NanosCore

/// The bus service: messages between agents. A single run has no other agents, so a
/// send names no one and a receive finds nothing; fleets replace it.
final class BusService: Service {
    var handlers: [String: SyscallHandler] {
        [
            "env.agent_send": { arguments in
                .failure(
                    SyscallFailure(
                        .ENOENT, "no agent named \(String(decoding: arguments.bytes(0), as: UTF8.self)) in this run"))
            },
            "env.agent_recv": { _ in .data([]) },
        ]
    }
}
