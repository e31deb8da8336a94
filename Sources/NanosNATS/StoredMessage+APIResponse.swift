import Foundation

// Encoding/decoding for `$JS.API.STREAM.MSG.GET.<stream>`. libnats 3.4.1 only exposes this API by
// sequence or last-by-subject (`js_GetMsg`, `js_GetLastMsg`); the "next by subject" form needs either
// the direct-get API (requires allow_direct on the stream; on a stream without it — or a missing
// stream — the request just times out, because the server's `$JS.API.>` import swallows it) or this
// request built by hand.
extension StoredMessage {
    /// `{"seq":N,"next_by_subj":"subject"}`.
    static func apiRequest(nextOn subject: String, from sequence: UInt64) throws(NATSError) -> [UInt8] {
        let body: [String: Any] = ["seq": sequence, "next_by_subj": subject]
        guard let data = try? JSONSerialization.data(withJSONObject: body) else {
            throw .failed("cannot encode message-get request for '\(subject)'")
        }
        return Array(data)
    }

    /// Parses a message-get reply: the message, nil for "no message found" (err_code 10037), or the
    /// API error. Payload and headers arrive base64-encoded; headers in NATS/1.0 wire format.
    init?(apiResponse reply: [UInt8], _ context: String) throws(NATSError) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(reply)) as? [String: Any] else {
            throw .failed("\(context): unparsable reply \(String(decoding: reply.prefix(200), as: UTF8.self))")
        }
        if let error = object["error"] as? [String: Any] {
            let code = (error["err_code"] as? NSNumber)?.uint32Value ?? 0
            if code == NATSError.JetStreamCode.noMessageFound { return nil }
            let description = error["description"] as? String ?? "unknown error"
            throw NATSError.jetStreamAPI(code: code, description: description, context)
        }
        guard let message = object["message"] as? [String: Any],
            let subject = message["subject"] as? String,
            let sequence = (message["seq"] as? NSNumber)?.uint64Value
        else {
            throw .failed("\(context): reply without message")
        }
        let data = try Self.decodeBase64(message["data"], context)
        let headerBytes = try Self.decodeBase64(message["hdrs"], context)
        self.init(
            subject: subject,
            data: data,
            headers: Self.parseHeaders(headerBytes),
            sequence: sequence)
    }

    private static func decodeBase64(_ value: Any?, _ context: String) throws(NATSError) -> [UInt8] {
        guard let text = value as? String, !text.isEmpty else { return [] }
        guard let data = Data(base64Encoded: text) else { throw .failed("\(context): bad base64 in reply") }
        return Array(data)
    }

    /// `NATS/1.0\r\nKey: Value\r\n...\r\n\r\n` -> first value per key.
    private static func parseHeaders(_ bytes: [UInt8]) -> [String: String] {
        guard !bytes.isEmpty else { return [:] }
        var headers: [String: String] = [:]
        let lines = String(decoding: bytes, as: UTF8.self).components(separatedBy: "\r\n")
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = String(line[..<colon]).trimmingCharacters(in: .whitespaces)
            let value = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            if !key.isEmpty && headers[key] == nil { headers[key] = value }
        }
        return headers
    }
}
