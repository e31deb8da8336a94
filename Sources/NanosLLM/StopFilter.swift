/// Cuts generated text at the first stop string, holding back any tail that might
/// be the start of one, so a stream never shows text that a stop string removes.
public struct StopFilter: Sendable {
    public let stops: [String]
    private var pending = ""
    public private(set) var stopped = false

    public init(stops: [String]) { self.stops = stops.filter { !$0.isEmpty } }

    /// Adds generated text and returns what can be shown now.
    public mutating func feed(_ text: String) -> String {
        guard !stopped else { return "" }
        guard !stops.isEmpty else { return text }
        pending += text
        // Searched as bytes: Foundation's `range(of:)` reads out of bounds when a stop holds
        // NUL bytes. A match starts where its first scalar does, so the cut is a boundary.
        let bytes = Array(pending.utf8)
        if let cut = stops.compactMap({ bytes.firstRange(of: Array($0.utf8))?.lowerBound }).min() {
            stopped = true
            let shown = String(decoding: bytes[..<cut], as: UTF8.self)
            pending = ""
            return shown
        }
        // Hold back the longest suffix that is a prefix of some stop string.
        var keep = 0
        for stop in stops {
            for length in stride(from: min(stop.count - 1, pending.count), to: 0, by: -1)
            where pending.hasSuffix(stop.prefix(length)) {
                keep = max(keep, length)
                break
            }
        }
        let shown = String(pending.dropLast(keep))
        pending = String(pending.suffix(keep))
        return shown
    }

    /// At the end of generation: the text still held back.
    public mutating func finish() -> String {
        defer { pending = "" }
        return stopped ? "" : pending
    }
}
