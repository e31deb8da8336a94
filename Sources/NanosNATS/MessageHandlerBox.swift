import CNats

/// The closure context libnats passes back to the C message callback of a `NATSSubscription`.
///
/// Ownership: retained once when handed to `natsConnection_Subscribe` and released by the
/// subscription's on-complete callback, which libnats invokes after the last message callback
/// (when the subscription is unsubscribed, destroyed or its connection closed). That keeps the
/// box alive for every callback without the Swift `NATSSubscription` having to outlive them.
///
/// The connection is held weakly so an un-closed subscription does not keep its connection alive.
final class MessageHandlerBox: @unchecked Sendable {
    // `@unchecked`: both stored properties are written once in `init`; weak loads are atomic.
    let handler: @Sendable (NATSMessage) -> Void
    private weak var connection: NATSConnection?

    init(handler: @escaping @Sendable (NATSMessage) -> Void, connection: NATSConnection) {
        self.handler = handler
        self.connection = connection
    }

    /// Wraps (copies) and destroys the C message, then runs the handler.
    func deliver(_ message: OpaquePointer) {
        let wrapped = NATSMessage(
            subject: copySubject(of: message),
            data: copyData(of: message),
            reply: copyReply(of: message),
            headers: copyHeaders(of: message),
            connection: connection)
        natsMsg_Destroy(message)
        handler(wrapped)
    }
}
