import CNats

/// A JetStream context (`jsCtx *`): stream/consumer management, acknowledged publishing, pull
/// subscriptions, stored-message reads and key-value buckets.
///
/// Ownership: owns the context and destroys it in `deinit`; keeps its `NATSConnection` alive.
/// Everything created from it (pull subscriptions, key-value handles) keeps it alive in turn.
///
/// Sendable: `@unchecked` is sound because libnats JetStream contexts are internally locked and
/// safe to share between threads; they are only unsafe to *destroy* during a call, which `deinit`
/// excludes. Swift state is immutable.
public final class JetStream: @unchecked Sendable {
    let handle: OpaquePointer
    public let connection: NATSConnection
    /// Timeout of JetStream API requests made through this context.
    public let apiTimeout: Duration

    init(connection: NATSConnection, apiTimeout: Duration) throws(NATSError) {
        var options = jsOptions()
        jsOptions_Init(&options)
        options.Wait = apiTimeout.natsTimeoutMilliseconds
        var context: OpaquePointer?
        let status = natsConnection_JetStream(&context, connection.handle, &options)
        guard status == NATS_OK, let context else { throw NATSError.from(status, "create JetStream context") }
        self.handle = context
        self.connection = connection
        self.apiTimeout = apiTimeout
    }

    deinit {
        jsCtx_Destroy(handle)
    }

    // MARK: Streams

    /// Creates the stream, or — when a stream of that name exists — updates it to `config` if the
    /// server allows the change and otherwise keeps the existing one (idempotent start-up).
    /// Connection-level failures of the update are still thrown.
    public func addStream(_ config: StreamConfig) throws(NATSError) {
        if config.discardNewPerSubject && config.maxMessagesPerSubject <= 0 {
            throw .failed("stream '\(config.name)': discardNewPerSubject needs maxMessagesPerSubject > 0")
        }
        let arena = CStringArena()
        var cfg = jsStreamConfig()
        jsStreamConfig_Init(&cfg)
        cfg.Name = arena.string(config.name)
        cfg.Subjects = arena.array(config.subjects)
        cfg.SubjectsLen = Int32(clamping: config.subjects.count)
        switch config.retention {
        case .limits: cfg.Retention = js_LimitsPolicy
        case .workQueue: cfg.Retention = js_WorkQueuePolicy
        case .interest: cfg.Retention = js_InterestPolicy
        }
        cfg.Storage = config.storage == .memory ? js_MemoryStorage : js_FileStorage
        cfg.MaxMsgsPerSubject = config.maxMessagesPerSubject > 0 ? config.maxMessagesPerSubject : -1
        if config.discardNewPerSubject {
            cfg.Discard = js_DiscardNew
            cfg.DiscardNewPerSubject = true
        }
        cfg.MaxMsgSize = config.maxMessageSize > 0 ? config.maxMessageSize : -1
        cfg.MaxAge = config.maxAge?.natsNanoseconds ?? 0

        var code = jsErrCode(0)
        var info: UnsafeMutablePointer<jsStreamInfo>?
        var status = withExtendedLifetime(arena) { js_AddStream(&info, handle, &cfg, nil, &code) }
        jsStreamInfo_Destroy(info)
        if status == NATS_OK { return }
        let addError = NATSError.from(status, "add stream '\(config.name)'", jsCode: code)
        guard code.rawValue == NATSError.JetStreamCode.streamNameExists else { throw addError }

        info = nil
        code = jsErrCode(0)
        status = withExtendedLifetime(arena) { js_UpdateStream(&info, handle, &cfg, nil, &code) }
        jsStreamInfo_Destroy(info)
        if status == NATS_OK { return }
        let updateError = NATSError.from(status, "update stream '\(config.name)'", jsCode: code)
        switch updateError {
        case .timeout, .connectionFailed, .authorization: throw updateError
        default: return  // The server refuses this change (e.g. retention); keep the existing stream.
        }
    }

    /// Deletes the stream and its consumers. `.notFound` if it does not exist.
    public func deleteStream(_ name: String) throws(NATSError) {
        var code = jsErrCode(0)
        let status = js_DeleteStream(handle, name, nil, &code)
        if status != NATS_OK { throw NATSError.from(status, "delete stream '\(name)'", jsCode: code) }
    }

    /// Removes every stored message on `subject` (wildcards allowed) from the stream.
    public func purge(stream: String, subject: String) throws(NATSError) {
        let arena = CStringArena()
        var options = jsOptions()
        jsOptions_Init(&options)
        options.Stream.Purge.Subject = arena.string(subject)
        var code = jsErrCode(0)
        let status = withExtendedLifetime(arena) { js_PurgeStream(handle, stream, &options, &code) }
        if status != NATS_OK { throw NATSError.from(status, "purge '\(subject)' in '\(stream)'", jsCode: code) }
    }

    // MARK: Consumers

    /// Creates a durable pull consumer (explicit acks, deliver-all). If it exists it is updated when
    /// the server allows it and otherwise kept as is (idempotent start-up).
    public func addConsumer(stream: String, _ config: ConsumerConfig) throws(NATSError) {
        let arena = CStringArena()
        var cfg = jsConsumerConfig()
        jsConsumerConfig_Init(&cfg)
        cfg.Durable = arena.string(config.durable)
        cfg.FilterSubject = arena.string(config.filterSubject)
        cfg.AckPolicy = js_AckExplicit
        cfg.DeliverPolicy = js_DeliverAll
        cfg.ReplayPolicy = js_ReplayInstant
        cfg.AckWait = config.ackWait.natsNanoseconds
        cfg.MaxDeliver = config.maxDeliver > 0 ? Int64(config.maxDeliver) : -1
        cfg.MaxAckPending = config.maxAckPending > 0 ? Int64(config.maxAckPending) : 0

        var code = jsErrCode(0)
        var info: UnsafeMutablePointer<jsConsumerInfo>?
        let status = withExtendedLifetime(arena) { js_AddConsumer(&info, handle, stream, &cfg, nil, &code) }
        jsConsumerInfo_Destroy(info)
        if status == NATS_OK { return }
        let addError = NATSError.from(status, "add consumer '\(config.durable)' on '\(stream)'", jsCode: code)
        switch addError {
        case .timeout, .connectionFailed, .authorization, .notFound: throw addError
        default:
            // libnats' add is the server's create-or-update; a refusal on an existing durable means the
            // change is not allowed. Keep the existing consumer; anything else is a real failure.
            if (try? consumerExists(stream: stream, name: config.durable)) == true { return }
            throw addError
        }
    }

    /// Deletes a durable consumer. `.notFound` if it (or the stream) does not exist.
    public func deleteConsumer(stream: String, name: String) throws(NATSError) {
        var code = jsErrCode(0)
        let status = js_DeleteConsumer(handle, stream, name, nil, &code)
        if status != NATS_OK {
            throw NATSError.from(status, "delete consumer '\(name)' on '\(stream)'", jsCode: code)
        }
    }

    /// Whether the consumer exists (`false` also when the stream does not).
    public func consumerExists(stream: String, name: String) throws(NATSError) -> Bool {
        var code = jsErrCode(0)
        var info: UnsafeMutablePointer<jsConsumerInfo>?
        let status = js_GetConsumerInfo(&info, handle, stream, name, nil, &code)
        jsConsumerInfo_Destroy(info)
        if status == NATS_OK { return true }
        let error = NATSError.from(status, "consumer info '\(name)' on '\(stream)'", jsCode: code)
        if case .notFound = error { return false }
        throw error
    }

    /// Binds a pull subscription to an existing durable consumer; never creates one (`.notFound` if
    /// it is missing). Closing the subscription never deletes the consumer.
    public func pullSubscribe(stream: String, consumer: String) throws(NATSError) -> PullSubscription {
        let arena = CStringArena()
        var options = jsSubOptions()
        jsSubOptions_Init(&options)
        options.Stream = arena.string(stream)
        options.Consumer = arena.string(consumer)
        var code = jsErrCode(0)
        var subscription: OpaquePointer?
        let status = withExtendedLifetime(arena) {
            js_PullSubscribe(&subscription, handle, nil, nil, nil, &options, &code)
        }
        guard status == NATS_OK, let subscription else {
            throw NATSError.from(status, "bind pull subscription to '\(stream)'/'\(consumer)'", jsCode: code)
        }
        return PullSubscription(
            handle: PullSubscriptionHandle(pointer: subscription, jetStream: self),
            stream: stream,
            consumer: consumer)
    }

    // MARK: Publishing

    /// Publishes and waits for the stream's ack; returns the stream sequence. A per-subject limit
    /// with discard-new (server: err_code 10077 "maximum messages per subject exceeded") is `.full`.
    @discardableResult
    public func publish(
        _ subject: String,
        _ payload: [UInt8],
        headers: [String: String] = [:],
        timeout: Duration = .seconds(5)
    ) throws(NATSError) -> UInt64 {
        if payload.count > Int(Int32.max) { throw .failed("payload of \(payload.count) bytes is too large") }
        let message = try makeMessage(subject: subject, payload: payload, headers: headers)
        defer { natsMsg_Destroy(message) }
        var options = jsPubOptions()
        jsPubOptions_Init(&options)
        options.MaxWait = timeout.natsTimeoutMilliseconds
        var code = jsErrCode(0)
        var ack: UnsafeMutablePointer<jsPubAck>?
        let status = js_PublishMsg(&ack, handle, message, &options, &code)
        defer { jsPubAck_Destroy(ack) }
        guard status == NATS_OK, let ack else {
            throw NATSError.from(status, "JetStream publish '\(subject)'", jsCode: code)
        }
        return ack.pointee.Sequence
    }

    // MARK: Reading stored messages

    /// Every message currently stored on `subject` in `stream`, in sequence order, at most `maxCount`.
    ///
    /// Reads with the stream's message-get API ("next message on subject at or after sequence N",
    /// server 2.9+), so it creates no consumer, does not disturb work-queue consumers, and works
    /// whether or not the stream allows direct gets. One round trip per message. `.notFound` if the
    /// stream does not exist.
    public func storedMessages(stream: String, subject: String, maxCount: Int) throws(NATSError) -> [StoredMessage] {
        var messages: [StoredMessage] = []
        var nextSequence: UInt64 = 1
        let apiSubject = "$JS.API.STREAM.MSG.GET.\(stream)"
        while messages.count < maxCount {
            let context = "read '\(subject)' from '\(stream)' at \(nextSequence)"
            let request = try StoredMessage.apiRequest(nextOn: subject, from: nextSequence)
            let reply = try connection.request(apiSubject, request, timeout: apiTimeout)
            guard let message = try StoredMessage(apiResponse: reply, context) else { break }
            messages.append(message)
            guard message.sequence >= nextSequence, message.sequence < UInt64.max else { break }
            nextSequence = message.sequence + 1
        }
        return messages
    }

    // MARK: Key-value

    /// Opens bucket `bucket`. With `create`, makes it if missing (an existing bucket is reused even if
    /// its settings differ); without, `.notFound` when missing. `history` is 1...64.
    public func keyValue(
        bucket: String,
        create: Bool,
        history: Int = 1,
        maxValueSize: Int32 = 1 << 20
    ) throws(NATSError) -> KeyValue {
        guard (1...64).contains(history) else { throw .failed("key-value history must be 1...64, got \(history)") }
        var store: OpaquePointer?
        if create {
            let arena = CStringArena()
            var cfg = kvConfig()
            kvConfig_Init(&cfg)
            cfg.Bucket = arena.string(bucket)
            cfg.History = UInt8(history)
            cfg.MaxValueSize = maxValueSize
            cfg.StorageType = js_FileStorage
            let status = withExtendedLifetime(arena) { js_CreateKeyValue(&store, handle, &cfg) }
            if status == NATS_OK, let store { return KeyValue(handle: store, jetStream: self, bucket: bucket) }
            let createError = NATSError.from(status, "create key-value bucket '\(bucket)'")
            store = nil
            guard js_KeyValue(&store, handle, bucket) == NATS_OK, let store else { throw createError }
            return KeyValue(handle: store, jetStream: self, bucket: bucket)
        }
        let status = js_KeyValue(&store, handle, bucket)
        guard status == NATS_OK, let store else { throw NATSError.from(status, "open key-value bucket '\(bucket)'") }
        return KeyValue(handle: store, jetStream: self, bucket: bucket)
    }
}
