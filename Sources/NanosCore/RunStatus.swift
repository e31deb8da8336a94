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
    /// A replayed guest asked for something other than the recorded step (docs/replay.md).
    case diverged
    /// A replay stopped where it was told to (`--until`), or where its record ends without
    /// the guest having ended (a recorded timeout or kill).
    case stopped
    /// Another party ended the run before it finished (a server's cancel).
    case cancelled

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
        case .diverged: return 10
        case .stopped: return 11
        case .cancelled: return 12
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

    public static func denied(_ message: String, rule: String) -> SyscallFailure {
        SyscallFailure(.EPERM, message, rule: rule)
    }
}
