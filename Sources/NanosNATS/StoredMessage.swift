/// A message as stored in a stream (read without a consumer, so nothing is delivered or acked).
public struct StoredMessage: Sendable, Equatable {
    public var subject: String
    public var data: [UInt8]
    /// Headers the publisher set (first value per key).
    public var headers: [String: String]
    /// Stream sequence.
    public var sequence: UInt64

    public init(subject: String, data: [UInt8], headers: [String: String], sequence: UInt64) {
        self.subject = subject
        self.data = data
        self.headers = headers
        self.sequence = sequence
    }
}
