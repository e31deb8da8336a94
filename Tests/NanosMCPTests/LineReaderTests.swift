import Foundation
import Testing

@testable import NanosMCP

/// How a server's stdout and stderr are cut into lines: the limit holds for every line,
/// whether it arrives over many reads or inside a single one.
struct LineReaderTests {
    /// Feeds `bytes` through a pipe, from a writer of its own (so they may span many reads),
    /// and collects what the reader gives.
    static func read(_ bytes: [UInt8], limit: Int, overflow: LineReader.Overflow) -> (lines: [String], end: String?) {
        // As the host does before it starts a server: a write to a closed reader fails.
        signal(SIGPIPE, SIG_IGN)
        let pipe = Pipe()
        let writer = pipe.fileHandleForWriting
        Thread {
            // The reader stops early on an overflow: the write then fails, which is fine.
            try? writer.write(contentsOf: Data(bytes))
            try? writer.close()
        }.start()
        let collected = Locked<(lines: [String], end: String?)>(([], nil))
        let ended = DispatchSemaphore(value: 0)
        LineReader.start(
            pipe.fileHandleForReading, name: "test", maxLineBytes: limit, overflow: overflow,
            onLine: { line in collected.withLock { $0.lines.append(String(decoding: line, as: UTF8.self)) } },
            onEnd: { problem in
                collected.withLock { $0.end = problem }
                ended.signal()
            })
        ended.wait()
        return collected.value
    }

    @Test func aLongStderrLineInsideOneReadIsCut() {
        // Found by the mcp fuzz target: 20 KB in one read was kept whole.
        let long = String(repeating: "x", count: 20_000)
        let (lines, end) = Self.read(Array("Traceback: \(long)\nnext line\n".utf8), limit: 100, overflow: .truncate)
        #expect(end == nil)
        #expect(lines.count == 2)
        #expect(lines.first == "Traceback: " + String(repeating: "x", count: 89) + " …(cut)")
        #expect(lines.last == "next line")
    }

    @Test func aLongStdoutMessageInsideOneReadEndsTheReading() {
        let message = "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"" + String(repeating: "y", count: 5_000) + "\"}"
        let (lines, end) = Self.read(Array("{}\n\(message)\n{}\n".utf8), limit: 1_000, overflow: .fail)
        #expect(lines == ["{}"])
        #expect(end == "sent a message longer than the limit of 1000 bytes")
    }

    @Test func aLongLastLineWithoutANewlineIsCutToo() {
        let (lines, end) = Self.read(Array(String(repeating: "z", count: 300).utf8), limit: 10, overflow: .truncate)
        #expect(end == nil)
        #expect(lines == ["zzzzzzzzzz …(cut)"])
    }

    @Test func linesWithinTheLimitPassUnchanged() {
        let (lines, end) = Self.read(Array("a\n\nbb\nccc".utf8), limit: 3, overflow: .fail)
        #expect(end == nil)
        #expect(lines == ["a", "bb", "ccc"])
    }

    @Test func aMessageOverManyReadsMayFillTheLimitButNotPassIt() {
        // 64 KiB reads: these lines span a dozen of them.
        let limit = 800_000
        let exact = String(repeating: "a", count: limit)
        let (lines, end) = Self.read(Array("\(exact)\n".utf8), limit: limit, overflow: .fail)
        #expect(end == nil)
        #expect(lines.map(\.count) == [limit])
        let (over, overEnd) = Self.read(Array("\(exact)b\n{}\n".utf8), limit: limit, overflow: .fail)
        #expect(over.isEmpty)
        #expect(overEnd == "sent a message longer than the limit of 800000 bytes")
    }

    @Test func aLongStderrLineOverManyReadsIsCutOnceAndTheNextLineKept() {
        let long = String(repeating: "x", count: 300_000)
        let (lines, end) = Self.read(Array("\(long)\nnext\n".utf8), limit: 100_000, overflow: .truncate)
        #expect(end == nil)
        #expect(lines.count == 2)
        #expect(lines.first == String(repeating: "x", count: 100_000) + " …(cut)")
        #expect(lines.last == "next")
    }
}
