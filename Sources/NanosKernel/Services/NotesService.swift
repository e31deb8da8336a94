import NanosCore

/// The notes service: the original ABI's `memory_store` and `memory_recall`, over notes
/// kept for one run.
final class NotesService: Service {
    private var notes = RunNotes()

    var handlers: [String: SyscallHandler] {
        [
            "env.memory_store": { arguments in
                .catching { () throws(SyscallFailure) in
                    try self.notes.store(arguments.bytes(0))
                    return .value(1)
                }
            },
            "env.memory_recall": { arguments in
                .data(Array((self.notes.recall(arguments.bytes(0)) ?? "No memory found.").utf8))
            },
        ]
    }

    /// A note kept by a recorded step is kept again, so a resumed run recalls it.
    func replayed(_ step: Step) {
        if step.name == "env.memory_store", step.outcome.isSuccess { try? notes.store(step.args.bytes(0)) }
    }
}

/// The notes behind the original ABI's `memory_store` / `memory_recall`, kept for one run.
///
/// Both calls take guest bytes, so both are bounded: the notes hold at most
/// ``SyscallLimits/notesBytes`` in all, and a recall costs time linear in the notes plus
/// the query. (A naive substring search over a megabyte of notes with a 64 KiB query took
/// 82 s, which no step deadline can interrupt inside one host call.)
struct RunNotes {
    /// Each note as the guest gave it, and its lowercased bytes, folded once when stored.
    private var notes: [(text: String, folded: [UInt8])] = []
    private var storedBytes = 0

    /// Keeps `note`; past the run's budget it is refused with EQUOTA (the run goes on).
    mutating func store(_ note: [UInt8]) throws(SyscallFailure) {
        guard note.count <= SyscallLimits.notesBytes - storedBytes else {
            throw SyscallFailure(
                .EQUOTA,
                "memory_store: the run's notes hold at most \(SyscallLimits.notesBytes) bytes and \(storedBytes) are used; the note was not kept"
            )
        }
        storedBytes += note.count
        let text = String(decoding: note, as: UTF8.self)
        notes.append((text, Array(text.lowercased().utf8)))
    }

    /// The first note that contains `query`, ignoring case; nil for an empty query.
    func recall(_ query: [UInt8]) -> String? {
        let needle = Array(String(decoding: query, as: UTF8.self).lowercased().utf8)
        guard !needle.isEmpty, let search = SubstringSearch(needle) else { return nil }
        return notes.first { search.occurs(in: $0.folded) }?.text
    }
}

/// Knuth–Morris–Pratt search for one needle: O(needle) to prepare, O(haystack) per search,
/// whatever the bytes (Foundation's `firstRange(of:)` is O(haystack × needle)).
struct SubstringSearch {
    private let needle: [UInt8]
    /// `fallback[i]`: the length of the longest proper prefix of `needle[0...i]` that is also its suffix.
    private let fallback: [Int]

    init?(_ needle: [UInt8]) {
        guard !needle.isEmpty else { return nil }
        var fallback = [Int](repeating: 0, count: needle.count)
        var matched = 0
        for index in 1..<needle.count {
            while matched > 0 && needle[index] != needle[matched] { matched = fallback[matched - 1] }
            if needle[index] == needle[matched] { matched += 1 }
            fallback[index] = matched
        }
        self.needle = needle
        self.fallback = fallback
    }

    func occurs(in haystack: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        var matched = 0
        for byte in haystack {
            while matched > 0 && byte != needle[matched] { matched = fallback[matched - 1] }
            if byte == needle[matched] {
                matched += 1
                if matched == needle.count { return true }
            }
        }
        return false
    }
}
