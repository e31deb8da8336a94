import NanosNATS
import Testing

@Suite("Authentication")
struct AuthTests {
    @Test("token: wrong or missing token is .authorization, right token connects")
    func token() throws {
        let server = try NATSServerProcess(auth: .token("s3cret"))
        defer { server.stop() }

        let wrong = caught { try NATSConnection(url: server.url, name: "t", credentials: .init(token: "nope")) }
        #expect(wrong?.kind == "authorization", "\(String(describing: wrong))")
        let missing = caught { try NATSConnection(url: server.url, name: "t") }
        #expect(missing?.kind == "authorization", "\(String(describing: missing))")

        let connection = try NATSConnection(url: server.url, name: "t", credentials: .init(token: "s3cret"))
        try connection.flush(timeout: .seconds(2))
        connection.close()
    }

    @Test("user/password: wrong password is .authorization, right one connects")
    func userPassword() throws {
        let server = try NATSServerProcess(auth: .user("nanos", password: "pw"))
        defer { server.stop() }

        let wrong = caught {
            try NATSConnection(url: server.url, name: "u", credentials: .init(user: "nanos", password: "bad"))
        }
        #expect(wrong?.kind == "authorization", "\(String(describing: wrong))")

        let connection = try NATSConnection(
            url: server.url, name: "u", credentials: .init(user: "nanos", password: "pw"))
        try connection.flush(timeout: .seconds(2))
        connection.close()
    }
}
