/// How a run ended. Each limit has its own status and exit code, so scripts can tell
/// "the agent looped forever" from "the agent ran out of memory" without parsing text.
public enum RunStatus: String, Sendable, CaseIterable, Codable {
    /// The guest called `agent.done` or returned 0 from its entry point.
    case ok
    /// The guest returned non-zero, or the run could not start (bad module, missing binary).
    case failed
    /// The guest gave up after the manifest denied it something: it returned non-zero
    /// and its last failed syscall was a policy denial (EPERM).
    case denied
    /// `resources.fuel` was used up.
    case outOfFuel = "out_of_fuel"
    /// The guest tried to grow its linear memory past `resources.memory`.
    case outOfMemory = "out_of_memory"
    /// `resources.timeout` passed.
    case timeout
    /// The guest made more syscalls than `resources.max_steps`.
    case maxSteps = "max_steps"
    /// The guest trapped (unreachable, bad memory access, stack exhausted, ...).
    case trap
    /// The `binary:` could not be used: unreadable, not WebAssembly, over a load bound
    /// (size, nesting, functions, locals), or importing what nanos does not provide.
    case invalidModule = "invalid_module"

    /// The process exit code `nanos run` uses for this status. 2 is reserved for usage
    /// and manifest errors, which happen before any run starts.
    public var exitCode: Int32 {
        switch self {
        case .ok: return 0
        case .failed: return 1
        case .denied: return 3
        case .outOfFuel: return 4
        case .outOfMemory: return 5
        case .timeout: return 6
        case .maxSteps: return 7
        case .trap: return 8
        case .invalidModule: return 9
        }
    }
}

/// The error numbers of ABI v1 (docs/abi.md). Guests see them negated.
public enum Errno: Int32, Sendable, Codable, CustomStringConvertible {
    case EPERM = 1
    case ENOENT = 2
    case EINVAL = 3
    case E2BIG = 4
    case EIO = 5
    case ETIMEDOUT = 6
    case EQUOTA = 7

    public var description: String {
        switch self {
        case .EPERM: return "EPERM"
        case .ENOENT: return "ENOENT"
        case .EINVAL: return "EINVAL"
        case .E2BIG: return "E2BIG"
        case .EIO: return "EIO"
        case .ETIMEDOUT: return "ETIMEDOUT"
        case .EQUOTA: return "EQUOTA"
        }
    }
}

/// A failed syscall: what the guest gets back (errno), what it reads from `last_error`
/// (message), and for denials the policy rule that decided it.
public struct SyscallFailure: Error, Sendable {
    public var errno: Errno
    public var message: String
    public var rule: String?

    public init(_ errno: Errno, _ message: String, rule: String? = nil) {
        self.errno = errno
        self.message = message
        self.rule = rule
    }

    static func denied(_ message: String, rule: String) -> SyscallFailure {
        SyscallFailure(.EPERM, message, rule: rule)
    }
}
