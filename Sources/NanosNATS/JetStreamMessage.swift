import CNats
import Foundation

/// A message delivered by a pull consumer, to be acknowledged exactly once.
///
/// Ownership: owns the `natsMsg *` (destroyed in `deinit`) and keeps the subscription handle alive
/// because libnats acks through the message's subscription pointer.
///
/// Sendable: `@unchecked` is sound; the exposed fields are immutable copies taken at fetch time,
/// and the ack calls (which touch the message's "acked" flag in C) are serialized by `lock`, so a
/// heartbeat thread may call `inProgress()` while a worker calls `ack()`.
public final class JetStreamMessage: @unchecked Sendable {
    public let subject: String
    public let data: [UInt8]
    public let headers: [String: String]
    /// Sequence of the message in its stream (stable across redeliveries).
    public let streamSequence: UInt64
    /// How many times the server has delivered it, this delivery included (1 = first).
    public let deliveries: UInt64

    private let handle: OpaquePointer
    private let subscription: PullSubscriptionHandle
    private let lock = NSLock()

    init(taking message: OpaquePointer, subscription: PullSubscriptionHandle) {
        self.handle = message
        self.subscription = subscription
        self.subject = copySubject(of: message)
        self.data = copyData(of: message)
        self.headers = copyHeaders(of: message)
        var metadata: UnsafeMutablePointer<jsMsgMetaData>?
        if natsMsg_GetMetaData(&metadata, message) == NATS_OK, let metadata {
            streamSequence = metadata.pointee.Sequence.Stream
            deliveries = metadata.pointee.NumDelivered
            jsMsgMetaData_Destroy(metadata)
        } else {
            streamSequence = 0
            deliveries = 0
        }
    }

    deinit {
        natsMsg_Destroy(handle)
    }

    /// Acknowledges (fire-and-forget; the server removes it from a work queue).
    public func ack() throws(NATSError) {
        let status = lock.withLock { natsMsg_Ack(handle, nil) }
        if status != NATS_OK { throw NATSError.from(status, "ack seq \(streamSequence)") }
    }

    /// Acknowledges and waits for the server to confirm (JetStream API timeout).
    public func ackSync() throws(NATSError) {
        var code = jsErrCode(0)
        let status = lock.withLock { natsMsg_AckSync(handle, nil, &code) }
        if status != NATS_OK { throw NATSError.from(status, "ack (sync) seq \(streamSequence)", jsCode: code) }
    }

    /// Resets the ack-wait timer: "still working on it". Call well within `ackWait`.
    public func inProgress() throws(NATSError) {
        let status = lock.withLock { natsMsg_InProgress(handle, nil) }
        if status != NATS_OK { throw NATSError.from(status, "in-progress seq \(streamSequence)") }
    }

    /// Negative ack: redeliver, after `delay` if given (otherwise at once).
    public func nak(delay: Duration? = nil) throws(NATSError) {
        let status = lock.withLock {
            if let delay { natsMsg_NakWithDelay(handle, delay.natsMilliseconds, nil) } else { natsMsg_Nak(handle, nil) }
        }
        if status != NATS_OK { throw NATSError.from(status, "nak seq \(streamSequence)") }
    }

    /// Terminates: never redeliver (the message is dropped from a work queue's point of view).
    public func term() throws(NATSError) {
        let status = lock.withLock { natsMsg_Term(handle, nil) }
        if status != NATS_OK { throw NATSError.from(status, "term seq \(streamSequence)") }
    }
}
