import CNats

/// Every failure surfaced by NanosNATS.
///
/// The cases are the distinctions callers act on (retry, re-auth, map to `EAGAIN`, ...); the
/// associated text is for humans and logs and carries libnats' status text plus, where the
/// server answered with a JetStream API error, its `err_code` and description.
public enum NATSError: Error, Sendable, CustomStringConvertible, Equatable {
    /// No server reachable, connection refused/closed/lost.
    case connectionFailed(String)
    /// Wrong or missing credentials, or a permissions violation.
    case authorization(String)
    /// The operation did not complete in time.
    case timeout(String)
    /// Stream, consumer, message or key does not exist.
    case notFound(String)
    /// Key-value `create` on a key that already holds a value.
    case exists(String)
    /// Key-value compare-and-swap lost (the key moved past `lastRevision`).
    case wrongRevision(String)
    /// Publish refused because the subject's per-subject limit is reached (discard-new-per-subject).
    case full(String)
    /// Anything else.
    case failed(String)

    public var description: String {
        switch self {
        case .connectionFailed(let text): "connection failed: \(text)"
        case .authorization(let text): "authorization: \(text)"
        case .timeout(let text): "timeout: \(text)"
        case .notFound(let text): "not found: \(text)"
        case .exists(let text): "exists: \(text)"
        case .wrongRevision(let text): "wrong revision: \(text)"
        case .full(let text): "full: \(text)"
        case .failed(let text): "failed: \(text)"
        }
    }

    /// JetStream error codes (`err_code`) that the mapping below relies on.
    enum JetStreamCode {
        static let consumerNotFound: UInt32 = 10014
        static let noMessageFound: UInt32 = 10037
        static let streamNameExists: UInt32 = 10058
        static let streamNotFound: UInt32 = 10059
        static let streamWrongLastSequence: UInt32 = 10071
        /// "Generic error when storing a message failed"; 2.9.x uses it for
        /// "maximum messages per subject exceeded".
        static let streamStoreFailed: UInt32 = 10077
    }

    /// Builds an error from a libnats status, right after the failing call and on the same thread.
    ///
    /// libnats keeps the detailed text of the last error in thread-local storage and does not clear
    /// it between calls, so the text is only used when its recorded status matches `status`.
    static func from(_ status: natsStatus, _ context: String, jsCode: jsErrCode = jsErrCode(0)) -> NATSError {
        let statusText = natsStatus_GetText(status).map { String(cString: $0) } ?? "status \(status.rawValue)"
        var lastStatus = NATS_OK
        var detail: String?
        if let raw = nats_GetLastError(&lastStatus), lastStatus == status {
            detail = stripSourceLocation(String(cString: raw))
        }
        var text = context + ": " + statusText
        if let detail, !detail.isEmpty, detail != statusText {
            text += " (\(detail))"
        }
        let code = jsCode.rawValue
        if code != 0 {
            text += " [err_code \(code)]"
        }
        let lowered = text.lowercased()

        if code == JetStreamCode.streamStoreFailed || lowered.contains("maximum messages per subject exceeded") {
            return .full(text)
        }
        if code == JetStreamCode.consumerNotFound || code == JetStreamCode.streamNotFound
            || code == JetStreamCode.noMessageFound
        {
            return .notFound(text)
        }
        switch status {
        case NATS_TIMEOUT:
            return .timeout(text)
        case NATS_CONNECTION_AUTH_FAILED, NATS_NOT_PERMITTED:
            return .authorization(text)
        case NATS_NO_SERVER, NATS_CONNECTION_CLOSED, NATS_IO_ERROR, NATS_CONNECTION_DISCONNECTED,
            NATS_STALE_CONNECTION, NATS_NOT_YET_CONNECTED, NATS_SECURE_CONNECTION_WANTED,
            NATS_SECURE_CONNECTION_REQUIRED, NATS_SSL_ERROR:
            if lowered.contains("authorization violation") || lowered.contains("authentication") {
                return .authorization(text)
            }
            return .connectionFailed(text)
        case NATS_NOT_FOUND:
            return .notFound(text)
        default:
            if lowered.contains("authorization violation") {
                return .authorization(text)
            }
            return .failed(text)
        }
    }

    /// Builds an error from a JetStream API error reply that we parsed ourselves (not via libnats).
    static func jetStreamAPI(code: UInt32, description: String, _ context: String) -> NATSError {
        let text = "\(context): \(description) [err_code \(code)]"
        switch code {
        case JetStreamCode.consumerNotFound, JetStreamCode.streamNotFound, JetStreamCode.noMessageFound:
            return .notFound(text)
        case JetStreamCode.streamStoreFailed:
            return .full(text)
        default:
            return .failed(text)
        }
    }

    /// libnats prefixes error texts with `(file.c:123): `; callers do not care where in C it failed.
    private static func stripSourceLocation(_ text: String) -> String {
        guard text.hasPrefix("("), let close = text.firstIndex(of: ")") else { return text }
        var rest = text[text.index(after: close)...]
        if rest.hasPrefix(":") { rest = rest.dropFirst() }
        return String(rest.drop(while: { $0 == " " }))
    }
}
