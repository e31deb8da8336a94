import CNats

/// Sole owner of a JetStream pull `natsSubscription *`.
///
/// Why a separate object: every fetched `natsMsg` keeps a raw pointer to its subscription (acks go
/// through it), so the C subscription must outlive the messages even after
/// `PullSubscription.close()`. Messages and the open `PullSubscription` each hold a strong
/// reference; the last one to go destroys the subscription.
///
/// Destroy, never Unsubscribe: `natsSubscription_Destroy` clears libnats' "delete consumer on
/// unsubscribe" flag first, so the durable consumer survives. (We only bind to existing consumers,
/// where that flag is off anyway, but this keeps it true even if that ever changes.)
///
/// Sendable: `@unchecked` is sound; libnats subscriptions are internally locked and the pointer is
/// immutable.
final class PullSubscriptionHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    /// Keeps the JetStream context (and its connection) alive while messages may still ack.
    let jetStream: JetStream

    init(pointer: OpaquePointer, jetStream: JetStream) {
        self.pointer = pointer
        self.jetStream = jetStream
    }

    deinit {
        natsSubscription_Destroy(pointer)
    }
}
