import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

struct TestSetupError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A listening TCP socket on 127.0.0.1, on a port the system chose.
private func listeningSocket() throws -> (descriptor: Int32, port: Int) {
    #if canImport(Glibc)
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
        let descriptor = socket(AF_INET, SOCK_STREAM, 0)
    #endif
    guard descriptor >= 0 else { throw TestSetupError("socket() failed: errno \(errno)") }
    var reuse: Int32 = 1
    setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
            bind(descriptor, socketAddress, length) == 0 && listen(descriptor, 16) == 0
                && getsockname(descriptor, socketAddress, &length) == 0
        }
    }
    guard bound else {
        close(descriptor)
        throw TestSetupError("cannot listen on 127.0.0.1: errno \(errno)")
    }
    return (descriptor, Int(UInt16(bigEndian: address.sin_port)))
}

/// A loopback port with nothing listening on it (free when this returns).
func unusedLoopbackPort() throws -> Int {
    let (descriptor, port) = try listeningSocket()
    close(descriptor)
    return port
}

/// Serves recorded HTTP responses on 127.0.0.1 and keeps the requests it got.
/// Each response body is sent with chunked encoding, one chunk per line, like a streaming server.
final class ReplayServer: Sendable {
    let port: Int
    private let descriptor: Int32
    private let exchanges = ReplayExchanges()

    init() throws {
        (descriptor, port) = try listeningSocket()
        let descriptor = descriptor
        let exchanges = exchanges
        Thread { exchanges.serve(descriptor) }.start()
    }

    /// Shutting the socket down ends the serving thread, which then closes it: closing it here
    /// could hand its number to another test's socket while the thread still uses it.
    deinit { shutdown(descriptor, Int32(SHUT_RDWR)) }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Answers POSTs to `path` with a file from Recordings/.
    func reply(to path: String, status: Int = 200, contentType: String = "application/x-ndjson", recording: String)
        throws
    {
        guard let url = Bundle.module.url(forResource: "Recordings/\(recording)", withExtension: nil) else {
            throw TestSetupError("no recording \(recording) in the test bundle")
        }
        let body = try [UInt8](Data(contentsOf: url))
        exchanges.set(ReplayExchanges.Reply(status: status, contentType: contentType, body: body), for: path)
    }

    var requests: [ReplayExchanges.Request] { exchanges.requests }
}

/// The replay server's routes and the requests it got.
/// `@unchecked Sendable`: the mutable state is guarded by `lock`.
final class ReplayExchanges: @unchecked Sendable {
    struct Reply {
        var status: Int
        var contentType: String
        var body: [UInt8]
    }

    struct Request {
        var method: String
        var path: String
        var headers: [String: String]
        var body: [UInt8]
    }

    private let lock = NSLock()
    private var replies: [String: Reply] = [:]
    private var received: [Request] = []

    func set(_ reply: Reply, for path: String) { lock.withLock { replies[path] = reply } }

    var requests: [Request] { lock.withLock { received } }

    func serve(_ descriptor: Int32) {
        while true {
            let connection = accept(descriptor, nil, nil)
            guard connection >= 0 else {
                if errno == EINTR { continue }
                close(descriptor)
                return
            }
            handle(connection)
            close(connection)
        }
    }

    private func handle(_ connection: Int32) {
        guard let request = readRequest(connection) else { return }
        let reply = lock.withLock {
            received.append(request)
            return replies[request.path]
        }
        guard let reply else {
            write(connection, Array("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8))
            return
        }
        let head =
            "HTTP/1.1 \(reply.status) Replay\r\nContent-Type: \(reply.contentType)\r\n"
            + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        write(connection, Array(head.utf8))
        var start = reply.body.startIndex
        while start < reply.body.endIndex {
            let end = reply.body[start...].firstIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? reply.body.endIndex
            let chunk = reply.body[start..<end]
            write(connection, Array((String(chunk.count, radix: 16) + "\r\n").utf8) + chunk + Array("\r\n".utf8))
            start = end
            usleep(2_000)
        }
        write(connection, Array("0\r\n\r\n".utf8))
    }

    private func readRequest(_ connection: Int32) -> Request? {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        let separator = Array("\r\n\r\n".utf8)
        var headerEnd: Int?
        var expected = Int.max
        while bytes.count < expected {
            let count = recv(connection, &buffer, buffer.count, 0)
            guard count > 0 else { return nil }
            bytes += buffer[..<count]
            if headerEnd == nil, let found = bytes.firstRange(of: separator) {
                headerEnd = found.upperBound
                let head = String(decoding: bytes[..<found.lowerBound], as: UTF8.self)
                let length =
                    head.split(separator: "\r\n").dropFirst().compactMap { line -> Int? in
                        let parts = line.split(separator: ":", maxSplits: 1)
                        guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
                        return Int(parts[1].trimmingCharacters(in: .whitespaces))
                    }.first ?? 0
                expected = found.upperBound + length
            }
        }
        guard let headerEnd else { return nil }
        let head = String(decoding: bytes[..<(headerEnd - 4)], as: UTF8.self).split(separator: "\r\n")
        let requestLine = head.first?.split(separator: " ") ?? []
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2 { headers[parts[0].lowercased()] = parts[1].trimmingCharacters(in: .whitespaces) }
        }
        return Request(
            method: requestLine.first.map(String.init) ?? "",
            path: requestLine.dropFirst().first.map(String.init) ?? "",
            headers: headers, body: Array(bytes[headerEnd...]))
    }

    private func write(_ connection: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes {
                send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard sent > 0 else { return }
            offset += sent
        }
    }
}

/// A real llama-server with the default model, started once for a suite by the
/// `.llamaServer` trait and stopped when the suite ends, also when it fails.
final class LlamaServer: @unchecked Sendable {
    @TaskLocal static var current: LlamaServer?

    let port: Int
    /// The server only answers requests that carry this key as a Bearer token.
    let apiKey: String
    private let process: Process
    private let logFile: URL

    var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    /// The suite's server; fails the test with how to run it when llama.cpp is not set up.
    static func shared() throws -> LlamaServer {
        guard let current else {
            throw TestSetupError(
                "LLAMA_SERVER and NANOS_DEFAULT_MODEL are not set: run these tests via `make test`, which builds "
                    + "llama.cpp and the default model (scripts/llm-deps.sh) and exports both")
        }
        return current
    }

    init(server: String, model: String) async throws {
        port = try unusedLoopbackPort()
        apiKey = "nanos-test-" + UUID().uuidString
        logFile = FileManager.default.temporaryDirectory.appendingPathComponent("nanos-llama-server-\(port).log")
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let log = try FileHandle(forWritingTo: logFile)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        // The shell stops the server when told to, and also when this test process is gone
        // (a crash skips the suite's cleanup). SIGKILL: after a cancelled stream llama-server
        // can hang in its graceful SIGTERM shutdown, and it has nothing to save.
        let watchdog = """
            parent=$1; shift
            "$@" & server=$!
            trap 'kill -9 $server 2>/dev/null; wait $server; exit 0' TERM INT
            trap 'kill -9 $server 2>/dev/null' EXIT
            while kill -0 $server 2>/dev/null && kill -0 $parent 2>/dev/null; do sleep 1; done
            """
        process.arguments = [
            "-c", watchdog, "llama-server-watchdog", String(ProcessInfo.processInfo.processIdentifier), server,
            "-m", model, "-c", "2048", "-t", "2", "--no-webui", "--host", "127.0.0.1", "--port", String(port),
            "--api-key", apiKey,
        ]
        process.standardOutput = log
        process.standardError = log
        try process.run()
        do {
            try await waitUntilHealthy()
        } catch {
            stop()
            throw error
        }
    }

    /// Polls `/health` from a thread of its own, with blocking waits: an async poll runs
    /// on the cooperative pool (2 threads on a 2-core machine), which tests that wait on
    /// the nanos binary can hold for minutes, and it then missed a server that was
    /// listening within a second.
    private func waitUntilHealthy() async throws {
        let outcome: String? = await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: self.pollHealth(seconds: 120)) }.start()
        }
        if let outcome { throw TestSetupError("llama-server \(outcome):\n\(logTail())") }
    }

    /// Nil once the server answers 200, else why not.
    private func pollHealth(seconds: Double) -> String? {
        guard let health = URL(string: "http://127.0.0.1:\(port)/health") else { return "has no health URL" }
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            guard process.isRunning else { return "exited before it was ready" }
            let answered = DispatchSemaphore(value: 0)
            let status = StatusBox()
            var request = URLRequest(url: health)
            request.timeoutInterval = 5
            URLSession.shared.dataTask(with: request) { _, response, _ in
                status.code = (response as? HTTPURLResponse)?.statusCode ?? 0
                answered.signal()
            }.resume()
            answered.wait()
            if status.code == 200 { return nil }
            Thread.sleep(forTimeInterval: 0.25)
        }
        return "was not ready within \(Int(seconds)) s"
    }

    func logTail() -> String {
        let text = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(20).joined(separator: "\n")
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: logFile)
    }
}

/// One answer's status code, handed over by a semaphore.
private final class StatusBox: @unchecked Sendable {
    var code = 0
}

/// Starts one llama-server for the suite it is attached to.
struct LlamaServerTrait: SuiteTrait, TestScoping {
    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let server = environment["LLAMA_SERVER"], !server.isEmpty,
            let model = environment["NANOS_DEFAULT_MODEL"], !model.isEmpty
        else {
            // Each test then fails through `LlamaServer.shared()`, saying how to run it.
            try await function()
            return
        }
        let running = try await LlamaServer(server: server, model: model)
        defer { running.stop() }
        try await LlamaServer.$current.withValue(running) { try await function() }
    }
}

extension Trait where Self == LlamaServerTrait {
    static var llamaServer: Self { LlamaServerTrait() }
}
