import Foundation
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
