import NanosNATS
import Testing

@Suite("Stored messages")
struct StoredMessagesTests {
    @Test("storedMessages returns one subject's messages in order; purge and delete")
    func storedMessages() throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let connection = try NATSConnection(url: server.url, name: "stored")
        defer { connection.close() }
        let jetStream = try connection.jetStream()
        try jetStream.addStream(StreamConfig(name: "ST", subjects: ["st.>"], storage: .memory))

        let s1 = try jetStream.publish("st.a", bytes("1"))
        try jetStream.publish("st.b", bytes("x"))
        let s3 = try jetStream.publish("st.a", bytes("2"), headers: ["Kind": "second"])
        try jetStream.publish("st.c", bytes("y"))
        let s5 = try jetStream.publish("st.a", bytes("3"))

        let stored = try jetStream.storedMessages(stream: "ST", subject: "st.a", maxCount: 10)
        #expect(stored.map { text($0.data) } == ["1", "2", "3"])
        #expect(stored.map(\.sequence) == [s1, s3, s5])
        #expect(stored.allSatisfy { $0.subject == "st.a" })
        #expect(stored[1].headers == ["Kind": "second"])
        #expect(stored[0].headers.isEmpty)

        #expect(try jetStream.storedMessages(stream: "ST", subject: "st.a", maxCount: 2).count == 2)
        #expect(try jetStream.storedMessages(stream: "ST", subject: "st.none", maxCount: 10).isEmpty)
        #expect(try jetStream.storedMessages(stream: "ST", subject: "st.b", maxCount: 10).map(\.subject) == ["st.b"])

        #expect(caught { try jetStream.storedMessages(stream: "NOPE", subject: "x", maxCount: 1) }?.kind == "notFound")

        try jetStream.purge(stream: "ST", subject: "st.a")
        #expect(try jetStream.storedMessages(stream: "ST", subject: "st.a", maxCount: 10).isEmpty)
        #expect(try jetStream.storedMessages(stream: "ST", subject: "st.>", maxCount: 10).count == 2)

        try jetStream.deleteStream("ST")
        #expect(caught { try jetStream.deleteStream("ST") }?.kind == "notFound")
        #expect(caught { try jetStream.publish("st.a", [], timeout: .seconds(1)) } != nil)
    }
}
