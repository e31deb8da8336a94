import CNats

/// An asynchronous core-NATS subscription (a `natsSubscription *` with a message callback).
///
/// Ownership: owns the C handle and destroys it in `deinit` (which also unsubscribes). The callback
/// context is owned by libnats until its on-complete callback (see `MessageHandlerBox`), so
/// callbacks already running when this object dies stay memory-safe.
///
/// Sendable: `@unchecked` is sound because libnats subscriptions are internally locked and
/// `natsSubscription_Unsubscribe` may be called from any thread; Swift state is immutable.
public final class NATSSubscription: @unchecked Sendable {
    private let handle: OpaquePointer
    /// Keeps the connection (and so the C connection) alive as long as the subscription.
    private let connection: NATSConnection
    public let subject: String

    init(
        connection: NATSConnection,
        subject: String,
        handler: @escaping @Sendable (NATSMessage) -> Void
    ) throws(NATSError) {
        let box = MessageHandlerBox(handler: handler, connection: connection)
        let context = Unmanaged.passRetained(box).toOpaque()
        var subscription: OpaquePointer?
        let status = natsConnection_Subscribe(
            &subscription, connection.handle, subject,
            { _, _, message, closure in
                guard let message else { return }
                guard let closure else {
                    natsMsg_Destroy(message)
                    return
                }
                Unmanaged<MessageHandlerBox>.fromOpaque(closure).takeUnretainedValue().deliver(message)
            },
            context)
        guard status == NATS_OK, let subscription else {
            Unmanaged<MessageHandlerBox>.fromOpaque(context).release()
            throw NATSError.from(status, "subscribe '\(subject)'")
        }
        let completeStatus = natsSubscription_SetOnCompleteCB(
            subscription,
            { closure in
                guard let closure else { return }
                Unmanaged<MessageHandlerBox>.fromOpaque(closure).release()
            },
            context)
        if completeStatus != NATS_OK {
            // Closed already (connection went away in between). A callback may still be running, so
            // the box is deliberately leaked (a few bytes, only on this race) rather than freed early.
            let error = NATSError.from(completeStatus, "subscribe '\(subject)'")
            natsSubscription_Destroy(subscription)
            throw error
        }
        self.handle = subscription
        self.connection = connection
        self.subject = subject
    }

    deinit {
        natsSubscription_Destroy(handle)
    }

    /// True until unsubscribed or the connection closes.
    public var isValid: Bool { natsSubscription_IsValid(handle) }

    /// Stops delivery (idempotent). Callbacks already queued are dropped.
    public func unsubscribe() {
        _ = natsSubscription_Unsubscribe(handle)
    }
}
