// hello.swift — a small nanos agent in Embedded Swift.
//
// It reads its goal, counts the lines and words of data/notes.txt, writes a short
// report to out/summary.txt and ends with a one-line summary. Paths are relative
// to the manifest's folder, so the manifest grants fs_read on data/ and fs_write
// on out/ (tools: agent, fs_read, fs_write).
//
// Build: nanos compile examples/hello.swift -o hello.wasm
// The SDK (guest/swift/Nanos.swift) is compiled in by `nanos compile`.

let notesPath = "data/notes.txt"
let summaryPath = "out/summary.txt"

@_expose(wasm, "run")
@_cdecl("run")
func run() -> Int32 {
    Nanos.log("goal: \(Nanos.goal())")

    let notes: String
    do {
        notes = try Nanos.fs.read(notesPath)
    } catch {
        Nanos.log("cannot read \(notesPath): \(error)", level: .error)
        return 1
    }

    let counts = countLinesAndWords(notes)
    let summary = "notes.txt: \(counts.lines) lines, \(counts.words) words → \(summaryPath)"
    let report = """
        file: \(notesPath)
        lines: \(counts.lines)
        words: \(counts.words)
        bytes: \(notes.utf8.count)

        """
    do {
        try Nanos.fs.write(summaryPath, report)
    } catch {
        Nanos.log("cannot write \(summaryPath): \(error)", level: .error)
        return 1
    }

    Nanos.log(summary)
    Nanos.done(summary)
}

/// Lines as `wc -l` would count them, plus a last line without a newline;
/// words are runs of non-whitespace bytes.
func countLinesAndWords(_ text: String) -> (lines: Int, words: Int) {
    var lines = 0
    var words = 0
    var inWord = false
    var lastByte: UInt8 = UInt8(ascii: "\n")
    for byte in text.utf8 {
        let isSpace =
            byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
            || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
        if byte == UInt8(ascii: "\n") { lines += 1 }
        if !isSpace && !inWord { words += 1 }
        inWord = !isSpace
        lastByte = byte
    }
    if lastByte != UInt8(ascii: "\n") { lines += 1 }
    return (lines, words)
}
