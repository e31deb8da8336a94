import Foundation
import Glibc
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A `nanos serve` process on a free loopback port, stopped when dropped.
final class ServeProcess: @unchecked Sendable {
    let process = Process()
    let address: String
    let token: String?
    private let output = Pipe()

    /// Starts `nanos serve --port 0 --db DB ARGS` and waits for the address it prints.
    init(root: String, db: String, token: String? = nil, _ extra: [String] = []) throws {
        self.token = token
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments =
            ["serve", "--root", root, "--port", "0", "--db", db] + (token.map { ["--token", $0] } ?? []) + extra
        process.currentDirectoryURL = URL(fileURLWithPath: CLI.repositoryRoot)
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        try process.run()
        var seen = ""
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
            if let range = seen.range(of: #"listening on (http://[^ ]+/)"#, options: .regularExpression) {
                address = String(seen[range].dropFirst("listening on ".count))
                // Keep reading stdout so the server can never block on a full pipe.
                let handle = output.fileHandleForReading
                DispatchQueue.global().async { _ = handle.readDataToEndOfFile() }
                return
            }
        }
        process.terminate()
        throw ServeFailure(message: "nanos serve printed no address: \(seen)")
    }

    deinit {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    struct ServeFailure: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    struct Answer {
        let status: Int
        let headers: [String: String]
        let body: Data

        var text: String { String(decoding: body, as: UTF8.self) }

        func json() throws -> [String: Any] {
            let object = try JSONSerialization.jsonObject(with: body)
            return try #require(object as? [String: Any], "not a JSON object: \(text)")
        }

        func header(_ name: String) -> String? {
            headers.first { $0.key.lowercased() == name.lowercased() }?.value
        }
    }

    /// One request; `token` overrides the server's (nil: the server's; "" sends none).
    func request(
        _ method: String, _ path: String, json body: Any? = nil, raw: Data? = nil, token: String? = nil,
        headers: [String: String] = [:], timeout: TimeInterval = 120
    ) throws -> Answer {
        var request = URLRequest(url: try #require(URL(string: address + path.dropFirst())))
        request.httpMethod = method
        request.timeoutInterval = timeout
        let bearer = token ?? self.token
        if let bearer, !bearer.isEmpty { request.setValue("Bearer \(bearer)", forHTTPHeaderField: "Authorization") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let body {
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        } else if let raw {
            request.httpBody = raw
        }
        let box = AnswerBox()
        let done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: request) { data, response, error in
            if let response = response as? HTTPURLResponse {
                var fields: [String: String] = [:]
                for (key, value) in response.allHeaderFields {
                    fields["\(key)"] = "\(value)"
                }
                box.answer = Answer(status: response.statusCode, headers: fields, body: data ?? Data())
            } else {
                box.error = error.map { "\($0)" } ?? "no answer"
            }
            done.signal()
        }.resume()
        done.wait()
        if let answer = box.answer { return answer }
        throw ServeFailure(message: "\(method) \(path): \(box.error ?? "no answer")")
    }

    /// Sends a GET for `path` on a socket of its own and resets the connection at once,
    /// without reading: a client that goes away before its answer.
    func abandon(_ path: String) throws {
        let port = try #require(URL(string: address)?.port, "no port in \(address)")
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #expect(socket >= 0)
        defer { close(socket) }
        var peer = sockaddr_in()
        peer.sin_family = sa_family_t(AF_INET)
        peer.sin_port = in_port_t(UInt16(port).bigEndian)
        peer.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &peer) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw ServeFailure(message: "connect to \(address): errno \(errno)") }
        let bearer = token.map { "Authorization: Bearer \($0)\r\n" } ?? ""
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\(bearer)\r\n".utf8)
        _ = request.withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        // A zero linger makes close() send a reset instead of an orderly end.
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(socket, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
    }

    /// Polls a run until it is no longer running.
    func waitForEnd(_ id: String, seconds: Double = 120) throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let run = try #require(try request("GET", "/v1/runs/\(id)").json()["run"] as? [String: Any])
            if run["live"] as? Bool == false, run["status"] as? String != "running" { return run }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw ServeFailure(message: "run \(id) did not end in \(seconds) s")
    }
}

final class AnswerBox: @unchecked Sendable {
    var answer: ServeProcess.Answer?
    var error: String?
}
