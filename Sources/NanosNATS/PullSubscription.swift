import CNats
import Foundation

/// A pull subscription bound to an existing durable consumer (see `JetStream.pullSubscribe`).
///
/// `close()` releases the subscription without deleting the consumer: un-acked messages are
/// redelivered to whoever pulls next after their ack wait. Messages fetched before `close()` can
/// still be acked. Dropping the object has the same effect as `close()`.
///
/// Sendable: `@unchecked` is sound; the only mutable state (the handle slot) is guarded by `lock`,
/// and the C subscription is thread-safe. libnats refuses overlapping `fetch` calls on one
/// subscription (`.failed`, "concurrent fetch not allowed"): use one subscription per worker.
public final class PullSubscription: @unchecked Sendable {
    public let stream: String
    public let consumer: String
    private let lock = NSLock()
    private var handle: PullSubscriptionHandle?

    init(handle: PullSubscriptionHandle, stream: String, consumer: String) {
        self.handle = handle
        self.stream = stream
        self.consumer = consumer
    }

    /// Pulls up to `batch` messages, waiting at most `timeout`. Returns `[]` when nothing arrived in
    /// time (not an error). Throws `.failed` after `close()`, `.connectionFailed` when the connection
    /// is gone.
    public func fetch(batch: Int, timeout: Duration) throws(NATSError) -> [JetStreamMessage] {
        guard batch > 0 else { throw .failed("fetch batch must be positive, got \(batch)") }
        guard let handle = lock.withLock({ self.handle }) else {
            throw .failed("pull subscription on '\(stream)'/'\(consumer)' is closed")
        }
        var list = natsMsgList()
        var code = jsErrCode(0)
        let status = natsSubscription_Fetch(
            &list, handle.pointer, Int32(clamping: batch), timeout.natsTimeoutMilliseconds, &code)
        if status == NATS_TIMEOUT || status == NATS_NOT_FOUND { return [] }
        guard status == NATS_OK else {
            throw NATSError.from(status, "fetch from '\(stream)'/'\(consumer)'", jsCode: code)
        }
        defer { natsMsgList_Destroy(&list) }
        var messages: [JetStreamMessage] = []
        guard let slots = list.Msgs else { return messages }
        messages.reserveCapacity(Int(list.Count))
        for index in 0..<Int(list.Count) {
            guard let message = slots[index] else { continue }
            slots[index] = nil  // Ownership moves to the wrapper; natsMsgList_Destroy skips NULL slots.
            messages.append(JetStreamMessage(taking: message, subscription: handle))
        }
        return messages
    }

    /// Releases the subscription (idempotent). The durable consumer is left untouched.
    public func close() {
        let released = lock.withLock { () -> PullSubscriptionHandle? in
            let current = handle
            handle = nil
            return current
        }
        // Drop the reference outside the lock; destroy runs here unless messages still hold it.
        _ = released
    }
}
