import NanosNATS
import Testing

@Suite("Key-value")
struct KeyValueTests {
    @Test("create / exists / compare-and-swap / get / keys / delete")
    func keyValue() throws {
        let server = try NATSServerProcess()
        defer { server.stop() }
        let connection = try NATSConnection(url: server.url, name: "kv")
        defer { connection.close() }
        let jetStream = try connection.jetStream()

        #expect(caught { try jetStream.keyValue(bucket: "cfg", create: false) }?.kind == "notFound")
        let kv = try jetStream.keyValue(bucket: "cfg", create: true, history: 5)
        #expect(try kv.keys() == [])
        #expect(try kv.get("a") == nil)

        let first = try kv.create("a", bytes("1"))
        let again = caught { try kv.create("a", bytes("other")) }
        #expect(again?.kind == "exists", "\(String(describing: again))")

        let second = try kv.update("a", bytes("2"), lastRevision: first)
        #expect(second > first)
        let stale = caught { try kv.update("a", bytes("3"), lastRevision: first) }
        #expect(stale?.kind == "wrongRevision", "\(String(describing: stale))")

        let current = try #require(try kv.get("a"))
        #expect(text(current.value) == "2")
        #expect(current.revision == second)

        try kv.put("b", [])
        #expect(try kv.get("b")?.value == [])
        #expect(try kv.keys().sorted() == ["a", "b"])

        try kv.delete("a")
        #expect(try kv.get("a") == nil)
        #expect(try kv.keys() == ["b"])
        let recreated = try kv.create("a", bytes("back"))  // create over a delete marker works
        #expect(try kv.get("a")?.revision == recreated)

        // Re-opening (with or without create) binds to the same bucket.
        let reopened = try jetStream.keyValue(bucket: "cfg", create: false)
        #expect(try reopened.get("b") != nil)
        let recreatedBucket = try jetStream.keyValue(bucket: "cfg", create: true)
        #expect(try recreatedBucket.keys().sorted() == ["a", "b"])
    }
}
