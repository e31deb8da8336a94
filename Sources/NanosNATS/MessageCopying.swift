import CNats

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

// Copy-out helpers for `natsMsg`. libnats message headers are not thread-safe (lookups lazily
// parse and mutate the message), so every wrapper copies what it exposes once, on the thread that
// received the message, before the Swift object is shared.

/// The message subject as a Swift string ("" if libnats has none).
func copySubject(of message: OpaquePointer) -> String {
    natsMsg_GetSubject(message).map { String(cString: $0) } ?? ""
}

/// The reply subject, or nil when the sender expects no reply.
func copyReply(of message: OpaquePointer) -> String? {
    guard let reply = natsMsg_GetReply(message) else { return nil }
    let text = String(cString: reply)
    return text.isEmpty ? nil : text
}

/// The payload bytes.
func copyData(of message: OpaquePointer) -> [UInt8] {
    let length = Int(natsMsg_GetDataLength(message))
    guard length > 0, let data = natsMsg_GetData(message) else { return [] }
    return Array(UnsafeRawBufferPointer(start: data, count: length))
}

/// Headers, first value per key (NATS allows repeated keys; callers here never use them).
func copyHeaders(of message: OpaquePointer) -> [String: String] {
    var keys: UnsafeMutablePointer<UnsafePointer<CChar>?>?
    var count: Int32 = 0
    guard natsMsgHeader_Keys(message, &keys, &count) == NATS_OK, let keys else { return [:] }
    defer { free(UnsafeMutableRawPointer(keys)) }
    var headers: [String: String] = [:]
    for index in 0..<Int(count) {
        guard let key = keys[index] else { continue }
        var value: UnsafePointer<CChar>?
        if natsMsgHeader_Get(message, key, &value) == NATS_OK {
            headers[String(cString: key)] = value.map { String(cString: $0) } ?? ""
        }
    }
    return headers
}

/// Creates a `natsMsg` carrying `payload` and `headers`; the caller owns it (`natsMsg_Destroy`).
func makeMessage(
    subject: String,
    reply: String? = nil,
    payload: [UInt8],
    headers: [String: String]
) throws(NATSError) -> OpaquePointer {
    var message: OpaquePointer?
    let status = payload.withUnsafeBufferPointer { bytes in
        natsMsg_Create(
            &message, subject, reply,
            bytes.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) },
            Int32(clamping: bytes.count))
    }
    guard status == NATS_OK, let message else { throw NATSError.from(status, "create message '\(subject)'") }
    for (key, value) in headers {
        let headerStatus = natsMsgHeader_Set(message, key, value)
        if headerStatus != NATS_OK {
            let error = NATSError.from(headerStatus, "set header '\(key)'")
            natsMsg_Destroy(message)
            throw error
        }
    }
    return message
}
