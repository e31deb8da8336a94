import Foundation
import NanosLLM

/// llama-server from the same llama.cpp build as the linked library, on a free loopback
/// port, for side-by-side figures. Stopped by ``stop()`` (the bench calls it on every path).
final class LlamaServerProcess {
    let port: Int
    private let process = Process()
    private let logFile: URL

    var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    /// Starts `llama-server -m model -t threads -c contextSize -np slots` and waits until `/health` answers 200.
    init(modelPath: String, threads: Int, contextSize: Int, slots: Int) throws {
        guard let tool = LlamaLibrary.tool("llama-server") else {
            throw BenchError.setup("llama-server was not found next to the linked libllama; run `make llm-deps`")
        }
        port = try Self.unusedLoopbackPort()
        logFile = FileManager.default.temporaryDirectory.appendingPathComponent("nanos-bench-llama-server-\(port).log")
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = [
            "-m", modelPath, "-t", "\(threads)", "-tb", "\(threads)", "-c", "\(contextSize)", "-np", "\(slots)",
            "--no-webui", "--host", "127.0.0.1", "--port", "\(port)",
        ]
        let log = try FileHandle(forWritingTo: logFile)
        process.standardOutput = log
        process.standardError = log
        do {
            try process.run()
        } catch {
            throw BenchError.setup("cannot start llama-server: \(error)")
        }
        let limit = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < limit {
            guard process.isRunning else {
                let tail = logTail()
                stop()
                throw BenchError.setup("llama-server exited before it was ready:\n\(tail)")
            }
            if Self.healthy(port: port) { return }
            Thread.sleep(forTimeInterval: 0.25)
        }
        stop()
        throw BenchError.setup("llama-server was not ready within 120 s")
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            let limit = ContinuousClock.now + .seconds(5)
            while process.isRunning && ContinuousClock.now < limit { Thread.sleep(forTimeInterval: 0.05) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: logFile)
    }

    private func logTail() -> String {
        let text = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(20).joined(separator: "\n")
    }

    /// One `GET /health` over a plain socket: 200 once the model is loaded.
    private static func healthy(port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { return false }
        let request = Array("GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        guard send(descriptor, request, request.count, 0) == request.count else { return false }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = recv(descriptor, &buffer, buffer.count, 0)
        guard count > 12 else { return false }
        let status = String(decoding: buffer[..<count], as: UTF8.self)
        return status.hasPrefix("HTTP/1.1 200") || status.hasPrefix("HTTP/1.0 200")
    }

    private static func unusedLoopbackPort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw BenchError.setup("cannot open a socket") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length) == 0 && getsockname(descriptor, pointer, &length) == 0
            }
        }
        guard bound else { throw BenchError.setup("cannot find a free loopback port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
