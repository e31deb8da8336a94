import Testing

@testable import NanosKernel

/// The notes behind the original ABI's memory_store / memory_recall.
@Suite struct RunNotesTests {
    @Test func recallFindsTheFirstNoteContainingTheQueryIgnoringCase() throws {
        var notes = RunNotes()
        try notes.store(Array("The launch is at Noon".utf8))
        try notes.store(Array("noon again".utf8))
        #expect(notes.recall(Array("NOON".utf8)) == "The launch is at Noon")
        #expect(notes.recall(Array("again".utf8)) == "noon again")
        #expect(notes.recall(Array("midnight".utf8)) == nil)
        #expect(notes.recall([]) == nil)
    }

    @Test func recallMatchesNonASCIIAndNULBytes() throws {
        var notes = RunNotes()
        try notes.store([0xC3, 0x89, 0x00, 0x78])  // "É\0x"
        #expect(notes.recall([0xC3, 0xA9, 0x00]) == "\u{C9}\u{0}x")  // "é\0" folds to the same
        #expect(notes.recall([0x00, 0x00]) == nil)
    }

    @Test func theSearchFindsMatchesThatOverlapAFalseStart() {
        // "aab" inside "aaab": a search that restarts after the mismatch past the start misses it.
        let search = SubstringSearch(Array("aab".utf8))
        #expect(search?.occurs(in: Array("aaab".utf8)) == true)
        #expect(search?.occurs(in: Array("abaa".utf8)) == false)
        #expect(SubstringSearch(Array("abcabd".utf8))?.occurs(in: Array("abcabcabd".utf8)) == true)
        #expect(SubstringSearch([]) == nil)
    }

    @Test func aNearMissQueryOverAMegabyteOfNotesFindsNothing() throws {
        // Linear time: the naive search would compare 64 Ki bytes at each of a million positions.
        var notes = RunNotes()
        try notes.store([UInt8](repeating: 0x61, count: SyscallLimits.notesBytes))
        let query = [UInt8](repeating: 0x61, count: 65_535) + [0x62]
        #expect(notes.recall(query) == nil)
        #expect(notes.recall(Array(query.dropLast())) != nil)
    }

    @Test func notesPastTheRunsBudgetAreRefusedWithEQUOTA() throws {
        var notes = RunNotes()
        try notes.store([UInt8](repeating: 0x61, count: SyscallLimits.notesBytes - 1))
        do {
            try notes.store([0x62, 0x63])
            Issue.record("a note past the budget was kept")
        } catch {
            #expect(error.errno == .EQUOTA)
        }
        try notes.store([0x62])
        #expect(notes.recall([0x42]) != nil)
    }
}
