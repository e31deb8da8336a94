/// The error numbers of ABI v1 (docs/abi.md). Guests see them negated. No call returns
/// an errno outside this list; the SDKs spell the same names (checked by the ABI parity test).
public enum Errno: Int32, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case EPERM = 1
    case ENOENT = 2
    case EINVAL = 3
    case E2BIG = 4
    case EIO = 5
    case ETIMEDOUT = 6
    case EQUOTA = 7
    case EAGAIN = 8

    public var description: String {
        switch self {
        case .EPERM: return "EPERM"
        case .ENOENT: return "ENOENT"
        case .EINVAL: return "EINVAL"
        case .E2BIG: return "E2BIG"
        case .EIO: return "EIO"
        case .ETIMEDOUT: return "ETIMEDOUT"
        case .EQUOTA: return "EQUOTA"
        case .EAGAIN: return "EAGAIN"
        }
    }

    /// The errno its name spells (`EPERM`), as traces and `--errno` write it.
    public init?(name: String) {
        guard let errno = Self.allCases.first(where: { $0.description == name }) else { return nil }
        self = errno
    }

    /// What the errno means, as docs/abi.md and the SDKs say it.
    public var meaning: String {
        switch self {
        case .EPERM: return "the manifest does not grant this"
        case .ENOENT: return "no such file, tool, server, agent"
        case .EINVAL: return "malformed arguments, bad pointer or length"
        case .E2BIG: return "over a size or count limit"
        case .EIO: return "the service failed (LLM server down, MCP crash...)"
        case .ETIMEDOUT: return "deadline passed"
        case .EQUOTA: return "max_steps, token budget or similar exhausted"
        case .EAGAIN: return "full for now (an agent's inbox); try again later"
        }
    }
}
