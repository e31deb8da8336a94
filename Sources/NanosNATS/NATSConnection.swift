import CNats

/// One client connection to a NATS server (a `natsConnection *`).
///
/// Ownership: this object owns the C handle and destroys it in `deinit`; `close()` only closes it,
/// so objects derived from it (subscriptions, JetStream contexts, messages) stay memory-safe and
/// simply fail with `.connectionFailed` afterwards. Those derived objects keep the connection alive.
///
/// Sendable: `@unchecked` is sound because libnats connections are internally locked and documented
/// as safe to use from many threads; the Swift side holds only immutable state.
///
/// Reconnect policy: libnats reconnects transparently a bounded number of times
/// (`maxReconnectAttempts` x `reconnectWait`); requests in flight fail at once on a disconnect
/// instead of waiting for their timeout.
public final class NATSConnection: @unchecked Sendable {
    /// Attempts before libnats gives up and closes the connection.
    public static let maxReconnectAttempts: Int32 = 30
    /// Pause between reconnect attempts.
    public static let reconnectWait: Duration = .seconds(1)
    /// Bytes buffered for publishing while reconnecting (publishes beyond fail, not block).
    public static let reconnectBufferBytes: Int32 = 8 << 20
    /// Messages queued per async subscription before libnats drops them (slow consumer).
    public static let maxPendingMessages: Int32 = 65_536

    let handle: OpaquePointer
    /// The client name sent to the server (shows up in monitoring).
    public let name: String

    /// Connects, or throws `.connectionFailed` (unreachable/refused), `.authorization` (credentials
    /// rejected), `.timeout`, or `.failed` (bad options, e.g. unreadable credential files).
    public init(
        url: String,
        name: String,
        credentials: NATSCredentials = .init(),
        connectTimeout: Duration = .seconds(5)
    ) throws(NATSError) {
        var options: OpaquePointer?
        var status = natsOptions_Create(&options)
        guard status == NATS_OK, let options else { throw NATSError.from(status, "create options") }
        defer { natsOptions_Destroy(options) }

        func check(_ status: natsStatus, _ what: String) throws(NATSError) {
            if status != NATS_OK { throw NATSError.from(status, what) }
        }
        try check(natsOptions_SetURL(options, url), "set url '\(url)'")
        try check(natsOptions_SetName(options, name), "set name")
        try check(natsOptions_SetTimeout(options, connectTimeout.natsTimeoutMilliseconds), "set connect timeout")
        try check(natsOptions_SetSendAsap(options, true), "set send-asap")
        try check(natsOptions_SetAllowReconnect(options, true), "allow reconnect")
        try check(natsOptions_SetMaxReconnect(options, Self.maxReconnectAttempts), "set max reconnect")
        try check(natsOptions_SetReconnectWait(options, Self.reconnectWait.natsMilliseconds), "set reconnect wait")
        try check(natsOptions_SetReconnectBufSize(options, Self.reconnectBufferBytes), "set reconnect buffer")
        try check(natsOptions_SetMaxPendingMsgs(options, Self.maxPendingMessages), "set max pending")
        try check(natsOptions_SetFailRequestsOnDisconnect(options, true), "fail requests on disconnect")

        if credentials.user != nil || credentials.password != nil {
            try check(natsOptions_SetUserInfo(options, credentials.user, credentials.password), "set user info")
        }
        if let token = credentials.token {
            try check(natsOptions_SetToken(options, token), "set token")
        }
        if let file = credentials.credentialsFile {
            try check(natsOptions_SetUserCredentialsFromFiles(options, file, nil), "load credentials '\(file)'")
        }
        if let seedFile = credentials.nkeySeedFile {
            guard let publicKey = credentials.nkeyPublicKey, !publicKey.isEmpty else {
                throw .failed("nkeySeedFile needs nkeyPublicKey: libnats cannot derive the public key")
            }
            try check(natsOptions_SetNKeyFromSeed(options, publicKey, seedFile), "set nkey seed '\(seedFile)'")
        }
        if let caFile = credentials.tlsCAFile {
            try check(natsOptions_LoadCATrustedCertificates(options, caFile), "load CA '\(caFile)'")
        }
        if credentials.tlsCertFile != nil || credentials.tlsKeyFile != nil {
            guard let cert = credentials.tlsCertFile, let key = credentials.tlsKeyFile else {
                throw .failed("tlsCertFile and tlsKeyFile must be given together")
            }
            try check(natsOptions_LoadCertificatesChain(options, cert, key), "load certificate '\(cert)'")
        }
        if credentials.requireTLS {
            try check(natsOptions_SetSecure(options, true), "require TLS")
        }

        var connection: OpaquePointer?
        status = natsConnection_Connect(&connection, options)
        guard status == NATS_OK, let connection else {
            throw NATSError.from(status, "connect to \(url) as '\(name)'")
        }
        self.handle = connection
        self.name = name
    }

    deinit {
        // Destroy also closes; subscriptions still alive keep their own reference in libnats.
        natsConnection_Destroy(handle)
    }

    /// True once closed (by `close()` or after reconnect attempts ran out).
    public var isClosed: Bool { natsConnection_IsClosed(handle) }

    /// Fire-and-forget publish (buffered; sent at once because of send-asap).
    public func publish(_ subject: String, _ payload: [UInt8]) throws(NATSError) {
        try checkPayloadSize(payload)
        let status = payload.withUnsafeBytes { bytes in
            natsConnection_Publish(handle, subject, bytes.baseAddress, Int32(bytes.count))
        }
        if status != NATS_OK { throw NATSError.from(status, "publish '\(subject)'") }
    }

    /// Publishes and waits for one reply. No responder yields `.failed` ("No responders").
    public func request(_ subject: String, _ payload: [UInt8], timeout: Duration) throws(NATSError) -> [UInt8] {
        try checkPayloadSize(payload)
        var reply: OpaquePointer?
        let status = payload.withUnsafeBytes { bytes in
            natsConnection_Request(
                &reply, handle, subject, bytes.baseAddress, Int32(bytes.count), timeout.natsTimeoutMilliseconds)
        }
        guard status == NATS_OK, let reply else { throw NATSError.from(status, "request '\(subject)'") }
        defer { natsMsg_Destroy(reply) }
        return copyData(of: reply)
    }

    /// Subscribes with a callback run on a libnats delivery thread (one thread per subscription, so
    /// calls for one subscription never overlap). Keep the returned object; dropping it unsubscribes.
    public func subscribe(
        _ subject: String,
        _ handler: @escaping @Sendable (NATSMessage) -> Void
    ) throws(NATSError) -> NATSSubscription {
        try NATSSubscription(connection: self, subject: subject, handler: handler)
    }

    /// Round-trips a PING so everything published before has reached the server.
    public func flush(timeout: Duration) throws(NATSError) {
        let status = natsConnection_FlushTimeout(handle, timeout.natsTimeoutMilliseconds)
        if status != NATS_OK { throw NATSError.from(status, "flush") }
    }

    /// A JetStream context on this connection (default API prefix, 5 s API timeout).
    public func jetStream(apiTimeout: Duration = .seconds(5)) throws(NATSError) -> JetStream {
        try JetStream(connection: self, apiTimeout: apiTimeout)
    }

    /// Closes the connection (idempotent). Pending subscriptions stop; un-acked JetStream messages are
    /// redelivered by the server after their ack wait.
    public func close() {
        natsConnection_Close(handle)
    }

    private func checkPayloadSize(_ payload: [UInt8]) throws(NATSError) {
        if payload.count > Int(Int32.max) { throw .failed("payload of \(payload.count) bytes is too large") }
    }
}
