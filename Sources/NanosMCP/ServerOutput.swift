/// What a server writes to stderr, kept until a request collects it for its trace step.
///
/// Bounded: at most `maxLines` lines wait to be collected (older ones are dropped and
/// counted), each cut to `maxLineBytes`; a chatty server cannot grow the host's memory.
final class ServerOutput: Sendable {
    static let maxLines = 200
    static let maxLineBytes = 4096
    /// Lines kept after collection, for the message of a server that dies.
    static let recentLines = 5

    private struct State {
        var pending: [String] = []
        var dropped = 0
        var recent: [String] = []
    }

    private let state = Locked(State())

    func append(_ line: String) {
        state.withLock { state in
            if state.pending.count == Self.maxLines {
                state.pending.removeFirst()
                state.dropped += 1
            }
            state.pending.append(line)
            state.recent.append(line)
            if state.recent.count > Self.recentLines { state.recent.removeFirst() }
        }
    }

    /// The lines written since the last call, oldest first.
    func take() -> [String] {
        state.withLock { state in
            var lines = state.pending
            if state.dropped > 0 { lines.insert("… \(state.dropped) earlier lines dropped", at: 0) }
            state.pending.removeAll()
            state.dropped = 0
            return lines
        }
    }

    /// The last few lines written, whether collected or not.
    var recent: [String] { state.value.recent }
}
