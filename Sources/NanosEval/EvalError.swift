/// Why a suite or one of its tasks could not be run (a failed task is a result, not an error).
public enum EvalError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The suite folder is missing, unreadable, empty or too large.
    case invalidSuite(String, String)
    /// A task's `check.json` is malformed; the field is nil for the whole file.
    case invalidCheck(String, field: String?, String)
    /// A task folder could not be copied or read.
    case invalidTask(String, String)

    public var description: String {
        switch self {
        case .invalidSuite(let path, let why): return "eval suite \(path): \(why)"
        case .invalidCheck(let path, let field?, let why): return "\(path): \(field): \(why)"
        case .invalidCheck(let path, nil, let why): return "\(path): \(why)"
        case .invalidTask(let path, let why): return "eval task \(path): \(why)"
        }
    }
}
