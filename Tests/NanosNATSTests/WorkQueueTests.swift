import NanosNATS
import Testing

@Suite("JetStream work queue")
struct WorkQueueTests {
    private static func setUp(_ server: NATSServerProcess, stream: String, consumer: String) throws -> JetStream {
        let connection = try NATSConnection(url: server.url, name: "admin")
        let jetStream = try connection.jetStream()
        let streamConfig = StreamConfig(name: stream, subjects: ["\(stream.lowercased()).>"], retention: .workQueue)
        try jetStream.addStream(streamConfig)
        try jetStream.addStream(streamConfig)  // idempotent
        let consumerConfig = ConsumerConfig(durable: consumer, ackWait: .seconds(1), maxDeliver: 5)
        try jetStream.addConsumer(stream: stream, consumerConfig)
        try jetStream.addConsumer(stream: stream, consumerConfig)  // idempotent
        return jetStream
    }

    private static func worker(_ server: NATSServerProcess, _ name: String, stream: String, consumer: String) throws
        -> (NATSConnection, PullSubscription)
    {
        let connection = try NATSConnection(url: server.url, name: name)
        return (connection, try connection.jetStream().pullSubscribe(stream: stream, consumer: consumer))
    }

    @Test("a dead worker's message is redelivered to another worker; inProgress holds it")
    func redeliveryAndInProgress() throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let jetStream = try Self.setUp(server, stream: "JOBS", consumer: "workers")
        defer { jetStream.connection.close() }

        let sequence = try jetStream.publish("jobs.build", bytes("job-1"), headers: ["Job-Id": "1"])

        // Worker A takes the job and dies without acking.
        let (connectionA, workerA) = try Self.worker(server, "worker-a", stream: "JOBS", consumer: "workers")
        let takenByA = try workerA.fetch(batch: 1, timeout: .seconds(2))
        #expect(takenByA.count == 1)
        #expect(takenByA.first?.streamSequence == sequence)
        #expect(takenByA.first?.deliveries == 1)
        #expect(takenByA.first?.headers["Job-Id"] == "1")
        connectionA.close()
        #expect(caught { try takenByA.first?.ack() }?.kind == "connectionFailed")

        // Worker B gets it after the ack wait, as the second delivery.
        let (connectionB, workerB) = try Self.worker(server, "worker-b", stream: "JOBS", consumer: "workers")
        defer { connectionB.close() }
        let clock = ContinuousClock()
        let start = clock.now
        let takenByB = try workerB.fetch(batch: 1, timeout: .seconds(4))
        #expect(takenByB.count == 1)
        #expect(takenByB.first?.streamSequence == sequence)
        #expect(takenByB.first?.deliveries == 2)
        #expect(takenByB.first.map { text($0.data) } == "job-1")
        #expect(clock.now - start < .seconds(3))
        try takenByB.first?.ackSync()

        // A worker that keeps saying "in progress" keeps the job past the ack wait.
        try jetStream.publish("jobs.build", bytes("job-2"))
        let held = try #require(try workerB.fetch(batch: 1, timeout: .seconds(2)).first)
        let ticker = Ticker(every: .milliseconds(300)) { try held.inProgress() }
        let (connectionC, workerC) = try Self.worker(server, "worker-c", stream: "JOBS", consumer: "workers")
        defer { connectionC.close() }
        let stolen = try workerC.fetch(batch: 1, timeout: .milliseconds(2500))
        let tickErrors = ticker.stop()
        #expect(stolen.isEmpty, "redelivered while in progress: \(stolen.map(\.deliveries))")
        #expect(tickErrors.isEmpty, "\(tickErrors)")
        try held.ackSync()
        #expect(try jetStream.storedMessages(stream: "JOBS", subject: "jobs.>", maxCount: 10).isEmpty)
        workerA.close()
        workerB.close()
        workerC.close()
    }

    @Test("closing a pull subscription keeps the durable consumer")
    func closeKeepsConsumer() throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let jetStream = try Self.setUp(server, stream: "KEEP", consumer: "durable")
        defer { jetStream.connection.close() }
        let sequence = try jetStream.publish("keep.one", bytes("payload"))

        let first = try jetStream.pullSubscribe(stream: "KEEP", consumer: "durable")
        do {
            let taken = try first.fetch(batch: 1, timeout: .seconds(2))
            #expect(taken.count == 1)
            first.close()
            first.close()
            #expect(caught { try first.fetch(batch: 1, timeout: .milliseconds(50)) }?.kind == "failed")
            // The fetched message outlives its closed subscription; reading it is still safe.
            #expect(taken.first?.streamSequence == sequence)
        }  // Last reference to the C subscription goes here: it is destroyed now.
        #expect(try jetStream.consumerExists(stream: "KEEP", name: "durable"))

        let second = try jetStream.pullSubscribe(stream: "KEEP", consumer: "durable")
        let again = try second.fetch(batch: 1, timeout: .seconds(4))
        #expect(again.first?.streamSequence == sequence)
        #expect(again.first?.deliveries == 2)
        try again.first?.ackSync()
        second.close()
        #expect(try jetStream.consumerExists(stream: "KEEP", name: "durable"))

        #expect(caught { try jetStream.pullSubscribe(stream: "KEEP", consumer: "missing") }?.kind == "notFound")
        try jetStream.deleteConsumer(stream: "KEEP", name: "durable")
        #expect(try !jetStream.consumerExists(stream: "KEEP", name: "durable"))
        #expect(caught { try jetStream.deleteConsumer(stream: "KEEP", name: "durable") }?.kind == "notFound")
    }

    @Test("discard-new-per-subject: a full subject refuses publishes with .full until a message is acked")
    func perSubjectLimit() throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let connection = try NATSConnection(url: server.url, name: "limits")
        defer { connection.close() }
        let jetStream = try connection.jetStream()

        #expect(
            caught {
                try jetStream.addStream(StreamConfig(name: "BAD", subjects: ["bad"], discardNewPerSubject: true))
            }?.kind == "failed")

        let config = StreamConfig(
            name: "LIM", subjects: ["lim.>"], retention: .workQueue, maxMessagesPerSubject: 2,
            discardNewPerSubject: true)
        try jetStream.addStream(config)
        try jetStream.addConsumer(stream: "LIM", ConsumerConfig(durable: "drain", ackWait: .seconds(5)))

        let first = try jetStream.publish("lim.a", bytes("1"))
        try jetStream.publish("lim.a", bytes("2"))
        let refused = caught { try jetStream.publish("lim.a", bytes("3")) }
        #expect(refused?.kind == "full", "\(String(describing: refused))")
        try jetStream.publish("lim.b", bytes("other subject"))

        let subscription = try jetStream.pullSubscribe(stream: "LIM", consumer: "drain")
        let taken = try #require(try subscription.fetch(batch: 1, timeout: .seconds(2)).first)
        #expect(taken.streamSequence == first)
        try taken.ackSync()
        try jetStream.publish("lim.a", bytes("3"))
        #expect(caught { try jetStream.publish("lim.a", bytes("4")) }?.kind == "full")

        // addStream on the existing stream applies an allowed change (a higher per-subject limit).
        var raised = config
        raised.maxMessagesPerSubject = 3
        try jetStream.addStream(raised)
        try jetStream.publish("lim.a", bytes("4"))
        #expect(caught { try jetStream.publish("lim.a", bytes("5")) }?.kind == "full")
        subscription.close()
    }
}
