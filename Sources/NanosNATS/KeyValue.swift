import CNats

/// A JetStream key-value bucket (`kvStore *`).
///
/// Revisions are stream sequences; `update` is a compare-and-swap on the key's latest revision.
///
/// Ownership: owns the store handle (destroyed in `deinit`) and keeps its `JetStream` alive.
/// Sendable: `@unchecked` is sound; libnats key-value stores are internally locked and the Swift
/// state is immutable.
public final class KeyValue: @unchecked Sendable {
    public let bucket: String
    private let handle: OpaquePointer
    private let jetStream: JetStream

    init(handle: OpaquePointer, jetStream: JetStream, bucket: String) {
        self.handle = handle
        self.jetStream = jetStream
        self.bucket = bucket
    }

    deinit {
        kvStore_Destroy(handle)
    }

    /// Stores `value` only if `key` has no live value; `.exists` otherwise. Returns the revision.
    @discardableResult
    public func create(_ key: String, _ value: [UInt8]) throws(NATSError) -> UInt64 {
        try write(key, value, "create") { revision, data, length in kvStore_Create(revision, handle, key, data, length)
        }
    }

    /// Stores `value` unconditionally. Returns the revision.
    @discardableResult
    public func put(_ key: String, _ value: [UInt8]) throws(NATSError) -> UInt64 {
        try write(key, value, "put") { revision, data, length in kvStore_Put(revision, handle, key, data, length) }
    }

    /// Stores `value` only if the key's latest revision is `lastRevision`; `.wrongRevision` otherwise.
    @discardableResult
    public func update(_ key: String, _ value: [UInt8], lastRevision: UInt64) throws(NATSError) -> UInt64 {
        try write(key, value, "update") { revision, data, length in
            kvStore_Update(revision, handle, key, data, length, lastRevision)
        }
    }

    /// The live value and its revision, or nil when the key is absent or deleted.
    public func get(_ key: String) throws(NATSError) -> (value: [UInt8], revision: UInt64)? {
        var entry: OpaquePointer?
        let status = kvStore_Get(&entry, handle, key)
        if status == NATS_NOT_FOUND { return nil }
        guard status == NATS_OK, let entry else { throw NATSError.from(status, "get '\(key)' in '\(bucket)'") }
        defer { kvEntry_Destroy(entry) }
        let length = Int(kvEntry_ValueLen(entry))
        var value: [UInt8] = []
        if length > 0, let bytes = kvEntry_Value(entry) {
            value = Array(UnsafeRawBufferPointer(start: bytes, count: length))
        }
        return (value, kvEntry_Revision(entry))
    }

    /// Keys with a live value (deleted keys excluded); `[]` for an empty bucket.
    public func keys() throws(NATSError) -> [String] {
        var list = kvKeysList()
        let status = kvStore_Keys(&list, handle, nil)
        if status == NATS_NOT_FOUND { return [] }
        guard status == NATS_OK else { throw NATSError.from(status, "list keys of '\(bucket)'") }
        defer { kvKeysList_Destroy(&list) }
        guard let keys = list.Keys else { return [] }
        return (0..<Int(list.Count)).compactMap { keys[$0].map { String(cString: $0) } }
    }

    /// Deletes the key (a delete marker; history is kept). Deleting an absent key succeeds.
    public func delete(_ key: String) throws(NATSError) {
        let status = kvStore_Delete(handle, key)
        if status != NATS_OK { throw NATSError.from(status, "delete '\(key)' in '\(bucket)'") }
    }

    /// Shared body of create/put/update: size check, call, and mapping of the server's
    /// "wrong last sequence" (err_code 10071; libnats' key-value API hides the code, so we match the
    /// text) to `.exists` for create and `.wrongRevision` for update.
    private func write(
        _ key: String,
        _ value: [UInt8],
        _ operation: String,
        _ call: (UnsafeMutablePointer<UInt64>, UnsafeRawPointer?, Int32) -> natsStatus
    ) throws(NATSError) -> UInt64 {
        if value.count > Int(Int32.max) { throw .failed("value of \(value.count) bytes is too large") }
        var revision: UInt64 = 0
        let status = value.withUnsafeBytes { bytes in call(&revision, bytes.baseAddress, Int32(bytes.count)) }
        if status == NATS_OK { return revision }
        let error = NATSError.from(status, "\(operation) '\(key)' in '\(bucket)'")
        if case .failed(let text) = error, text.lowercased().contains("wrong last sequence") {
            switch operation {
            case "create": throw .exists(text)
            case "update": throw .wrongRevision(text)
            default: break
            }
        }
        throw error
    }
}
