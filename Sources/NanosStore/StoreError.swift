/// Why the trace store could not do what it was asked, in words that name the run, the
/// file or the field.
public enum StoreError: Error, Sendable, CustomStringConvertible {
    /// The database could not be opened or written (`path`, SQLite's reason).
    case database(path: String, reason: String)
    /// No run has this id (or prefix).
    case noSuchRun(String)
    /// A prefix names more than one run.
    case ambiguousRun(String, matches: [String])
    /// A trace file line that is not a run or a step (line number, why).
    case invalidTraceFile(line: Int, reason: String)

    public var description: String {
        switch self {
        case .database(let path, let reason): return "trace store \(path): \(reason)"
        case .noSuchRun(let id): return "no recorded run \(id.debugDescription) (nanos runs lists them)"
        case .ambiguousRun(let id, let matches):
            return
                "\(id.debugDescription) names \(matches.count) runs (\(matches.prefix(5).joined(separator: ", "))); give more of the id"
        case .invalidTraceFile(let line, let reason): return "trace file line \(line): \(reason)"
        }
    }
}
