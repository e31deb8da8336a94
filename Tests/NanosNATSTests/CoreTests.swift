import NanosNATS
import Testing

@Suite("Core NATS")
struct CoreTests {
    @Test("connect, publish/subscribe and request/reply round trip")
    func pubSubAndRequestReply() async throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let connection = try NATSConnection(url: server.url, name: "core-test")
        defer { connection.close() }

        let received = Collector<NATSMessage>()
        let subscription = try connection.subscribe("greet.*") { received.append($0) }
        let responder = try connection.subscribe("svc.echo") { message in
            try? message.respond(bytes("echo:") + message.data)
        }
        try connection.flush(timeout: .seconds(2))

        try connection.publish("greet.one", bytes("hello"))
        try connection.publish("greet.two", [])
        let messages = await received.wait(count: 2, timeout: .seconds(3))
        #expect(messages.map(\.subject) == ["greet.one", "greet.two"])
        #expect(messages.first.map { text($0.data) } == "hello")
        #expect(messages.last?.data == [])
        #expect(messages.first?.reply == nil)
        #expect(caught { try messages.first?.respond([]) }?.kind == "failed")

        let reply = try connection.request("svc.echo", bytes("ping"), timeout: .seconds(2))
        #expect(text(reply) == "echo:ping")

        // Nobody listens: the server says "no responders" at once instead of a timeout.
        let noResponder = caught { try connection.request("svc.nobody", [], timeout: .seconds(2)) }
        #expect(noResponder?.kind == "failed")

        subscription.unsubscribe()
        #expect(!subscription.isValid)
        try connection.publish("greet.three", [])
        try connection.flush(timeout: .seconds(2))
        try await Task.sleep(for: .milliseconds(100))
        #expect(received.snapshot.count == 2)
        _ = responder
    }

    @Test("no server gives connectionFailed; use after close fails cleanly")
    func connectionFailures() throws {
        let refused = caught {
            try NATSConnection(url: "nats://127.0.0.1:1", name: "nobody", connectTimeout: .milliseconds(500))
        }
        #expect(refused?.kind == "connectionFailed")

        let server = try NATSServerProcess()
        defer { server.stop() }
        let connection = try NATSConnection(url: server.url, name: "closer")
        connection.close()
        connection.close()
        #expect(connection.isClosed)
        #expect(caught { try connection.publish("x", []) }?.kind == "connectionFailed")
    }
}
