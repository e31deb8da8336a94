/// A core NATS message delivered to a `subscribe` callback.
///
/// All fields are copies taken on the delivery thread, so the object is immutable and Sendable.
/// It keeps the connection alive only so that `respond` can publish the reply.
public final class NATSMessage: Sendable {
    public let subject: String
    public let data: [UInt8]
    /// Reply subject of a request, nil for plain publishes.
    public let reply: String?
    public let headers: [String: String]
    private let connection: NATSConnection?

    init(subject: String, data: [UInt8], reply: String?, headers: [String: String], connection: NATSConnection?) {
        self.subject = subject
        self.data = data
        self.reply = reply
        self.headers = headers
        self.connection = connection
    }

    /// Publishes `payload` to the reply subject. Throws `.failed` if the message is not a request or
    /// the connection object is gone.
    public func respond(_ payload: [UInt8]) throws(NATSError) {
        guard let reply else { throw .failed("message on '\(subject)' has no reply subject") }
        guard let connection else { throw .connectionFailed("connection released before respond on '\(subject)'") }
        try connection.publish(reply, payload)
    }
}
