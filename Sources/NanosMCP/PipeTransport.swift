import Foundation
import Logging
import MCP

/// Reads newline-delimited lines from a pipe on a thread of its own, with blocking reads:
/// a line is handed on as soon as it arrives. (The SDK's `StdioTransport` polls a
/// non-blocking descriptor and sleeps 10 ms whenever it is empty, which put ~10 ms on
/// every request.)
enum LineReader {
    /// What to do with a line longer than the limit.
    enum Overflow {
        /// Keep its first bytes (stderr: the trace needs a readable line, not all of it).
        case truncate
        /// Stop reading and report it (stdout: a cut JSON-RPC message cannot be parsed).
        case fail
    }

    /// Starts the reader. `onLine` gets each line without its newline; `onEnd` is called
    /// once, at end of file, on a read error or an overflow with `.fail` (with a reason).
    /// The handle is closed when reading ends.
    static func start(
        _ handle: FileHandle, name: String, maxLineBytes: Int, overflow: Overflow,
        onLine: @escaping @Sendable ([UInt8]) -> Void, onEnd: @escaping @Sendable (String?) -> Void
    ) {
        let thread = Thread {
            let end = readLines(handle.fileDescriptor, maxLineBytes: maxLineBytes, overflow: overflow, onLine: onLine)
            try? handle.close()
            onEnd(end)
        }
        thread.name = name
        thread.start()
    }

    private static func readLines(
        _ descriptor: Int32, maxLineBytes: Int, overflow: Overflow, onLine: ([UInt8]) -> Void
    ) -> String? {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var line: [UInt8] = []
        var discarding = false
        let tooLong = "sent a message longer than the limit of \(maxLineBytes) bytes"
        /// Hands on a whole line within the limit: a longer one is cut or ends the reading.
        func deliver(_ line: [UInt8]) -> Bool {
            guard line.count > maxLineBytes else {
                if !line.isEmpty { onLine(line) }
                return true
            }
            guard overflow == .truncate else { return false }
            onLine(Array(line.prefix(maxLineBytes)) + Array(" …(cut)".utf8))
            return true
        }
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 {
                if !discarding, !deliver(line) { return tooLong }
                return nil
            }
            if count < 0 {
                if errno == EINTR { continue }
                return "reading failed: \(String(cString: strerror(errno)))"
            }
            var start = 0
            for index in 0..<count where chunk[index] == UInt8(ascii: "\n") {
                if discarding {
                    discarding = false
                } else {
                    line.append(contentsOf: chunk[start..<index])
                    if !deliver(line) { return tooLong }
                }
                line.removeAll(keepingCapacity: true)
                start = index + 1
            }
            if !discarding { line.append(contentsOf: chunk[start..<count]) }
            // A line still open past the limit: cut it now rather than hold it all.
            if line.count > maxLineBytes {
                if !deliver(line) { return tooLong }
                line.removeAll(keepingCapacity: true)
                discarding = true
            }
        }
    }
}

/// ``LineReader`` thread into the stream the SDK's `Client` consumes, written from a
/// serial queue so a server that stops reading blocks that queue, never an actor.
actor PipeTransport: Transport {
    /// The largest JSON-RPC message accepted from a server.
    static let maxMessageBytes = 16 * 1024 * 1024

    nonisolated let logger: Logger
    private let server: String
    private let input: ServerInput
    private let fromServer: FileHandle
    private let writes: DispatchQueue
    private let messages: AsyncThrowingStream<Data, any Error>
    private let continuation: AsyncThrowingStream<Data, any Error>.Continuation
    private let onClose: @Sendable (_ problem: String?) -> Void
    private var reading = false

    /// `onClose` is called when the server's output ends: with nil at end of file (it
    /// exited), or with the problem when it broke the protocol or could not be read.
    init(
        server: String, toServer: FileHandle, fromServer: FileHandle, logger: Logger,
        onClose: @escaping @Sendable (_ problem: String?) -> Void
    ) {
        self.server = server
        input = ServerInput(toServer)
        self.fromServer = fromServer
        self.logger = logger
        self.onClose = onClose
        writes = DispatchQueue(label: "nanos.mcp.\(server).stdin")
        (messages, continuation) = AsyncThrowingStream.makeStream(of: Data.self, throwing: (any Error).self)
    }

    func connect() async throws {
        guard !reading else { return }
        reading = true
        let continuation = continuation
        let onClose = onClose
        let server = server
        LineReader.start(
            fromServer, name: "nanos.mcp.\(server).stdout", maxLineBytes: Self.maxMessageBytes, overflow: .fail,
            onLine: { line in continuation.yield(Data(line)) },
            onEnd: { problem in
                // Finishing with an error, not plainly, ends the SDK client's receive loop
                // (a plainly finished stream would have it ask for the stream again, forever).
                continuation.finish(
                    throwing: MCPServiceError.serverFailed("MCP server \(server) \(problem ?? "closed its output")"))
                onClose(problem)
            })
    }

    func disconnect() async {
        continuation.finish(throwing: MCPServiceError.serverFailed("MCP server \(server) was disconnected"))
        closeInput()
    }

    func send(_ data: Data) async throws {
        var line = data
        line.append(UInt8(ascii: "\n"))
        let message = line
        let input = input
        let server = server
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
            writes.async {
                if let problem = input.deliver(message) {
                    done.resume(
                        throwing: MCPServiceError.serverFailed(
                            "MCP server \(server): writing to its stdin failed: \(problem)"))
                } else {
                    done.resume()
                }
            }
        }
    }

    /// Closes the server's stdin (after any queued write), which asks it to exit.
    nonisolated func closeInput() {
        let input = input
        writes.async { input.close() }
    }

    func receive() -> AsyncThrowingStream<Data, any Error> {
        messages
    }
}

/// The write end of a server's stdin. Used only on the transport's serial write queue,
/// which is what makes the unchecked Sendable sound, and what keeps a write from racing
/// the close.
private final class ServerInput: @unchecked Sendable {
    private let handle: FileHandle
    private var closed = false

    init(_ handle: FileHandle) { self.handle = handle }

    /// Writes all of `bytes`; returns why it could not, or nil.
    func deliver(_ bytes: Data) -> String? {
        guard !closed else { return "its stdin is closed" }
        let descriptor = handle.fileDescriptor
        return bytes.withUnsafeBytes { buffer -> String? in
            guard var next = buffer.baseAddress else { return nil }
            var left = buffer.count
            while left > 0 {
                let written = write(descriptor, next, left)
                if written < 0 {
                    if errno == EINTR { continue }
                    return String(cString: strerror(errno))
                }
                next += written
                left -= written
            }
            return nil
        }
    }

    func close() {
        guard !closed else { return }
        closed = true
        try? handle.close()
    }
}
