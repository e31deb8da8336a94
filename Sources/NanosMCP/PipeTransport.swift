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

    /// The open line never holds more than `maxLineBytes`: bytes past the limit are
    /// refused before they are kept, so a flooding server costs the host at most the
    /// limit. The line is kept in the pieces it arrived in and joined once, when whole:
    /// a buffer grown by doubling on this thread leaves every smaller size it outgrew
    /// resident in the thread's malloc arena (measured: a 16 MiB flood peaked 34 MiB over
    /// the process's base).
    private static func readLines(
        _ descriptor: Int32, maxLineBytes: Int, overflow: Overflow, onLine: ([UInt8]) -> Void
    ) -> String? {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var pieces: [[UInt8]] = []
        var length = 0
        // The rest of a line already cut (`.truncate`) is skipped up to its newline.
        var discarding = false
        /// The open line, joined; the pieces are let go first.
        func take() -> [UInt8] {
            defer { length = 0 }
            if pieces.count == 1 { return pieces.removeLast() }
            var line: [UInt8] = []
            line.reserveCapacity(length)
            for piece in pieces { line.append(contentsOf: piece) }
            pieces.removeAll()
            return line
        }
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 {
                if !discarding, length > 0 { onLine(take()) }
                return nil
            }
            if count < 0 {
                if errno == EINTR { continue }
                return "reading failed: \(String(cString: strerror(errno)))"
            }
            var start = 0
            while start < count {
                let newline = chunk[start..<count].firstIndex(of: UInt8(ascii: "\n"))
                let end = newline ?? count
                if !discarding {
                    let room = maxLineBytes - length
                    if end - start > room {
                        guard overflow == .truncate else {
                            return "sent a message longer than the limit of \(maxLineBytes) bytes"
                        }
                        pieces.append(Array(chunk[start..<(start + room)]))
                        length += room
                        onLine(take() + Array(" …(cut)".utf8))
                        discarding = true
                    } else if end > start {
                        pieces.append(Array(chunk[start..<end]))
                        length += end - start
                    }
                }
                guard let newline else { break }
                if !discarding, length > 0 { onLine(take()) }
                pieces.removeAll()
                length = 0
                discarding = false
                start = newline + 1
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
