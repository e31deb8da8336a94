import NanosManifest

/// The whole outcome of one syscall, as one value: what the guest gets back (a result,
/// or an errno and message), the step's counters and the service's side output.
///
/// A service returns it; the run loop delivers it to the guest and records it. Nothing
/// else carries a call's outcome, so a recorded outcome can be handed back as it was.
public struct SyscallOutcome: Sendable {
    public var result: StepOutcome
    /// Service-specific counts for the step, such as prompt and generated tokens.
    public var counters: [String: Int64]
    /// Lines a service process wrote on the side while serving the step (an MCP server's stderr).
    public var serviceLog: [String]

    public init(_ result: StepOutcome, counters: [String: Int64] = [:], serviceLog: [String] = []) {
        self.result = result
        self.counters = counters
        self.serviceLog = serviceLog
    }

    public static func data(_ bytes: [UInt8], counters: [String: Int64] = [:]) -> SyscallOutcome {
        SyscallOutcome(.data(bytes), counters: counters)
    }

    public static func value(_ value: Int64, counters: [String: Int64] = [:]) -> SyscallOutcome {
        SyscallOutcome(.value(value), counters: counters)
    }

    public static func failure(_ failure: SyscallFailure, counters: [String: Int64] = [:]) -> SyscallOutcome {
        SyscallOutcome(.failure(failure), counters: counters)
    }

    /// Success with nothing to return.
    public static let ok = SyscallOutcome(.value(0))

    /// The outcome of `body`: its result, or the failure it threw.
    @inline(__always)
    public static func catching(_ body: () throws(SyscallFailure) -> StepOutcome) -> SyscallOutcome {
        do {
            return SyscallOutcome(try body())
        } catch {
            return SyscallOutcome(.failure(error))
        }
    }

    public var failure: SyscallFailure? { result.failure }
}

/// Answers one call: the decoded arguments in, the whole outcome out. Arguments come in
/// the order of the call's parameters in the ABI table (an output buffer's capacity last).
public typealias SyscallHandler = (_ arguments: [StepValue]) -> SyscallOutcome

/// Answers an `_into` call by writing its result straight into the guest's buffer (one
/// pass over the bytes, where a result handed back would take two). It returns
/// `.value(count)` for the `count` bytes written at the buffer's start, or a failure;
/// the core then records those bytes as the step's data, so the step is the same as
/// the plain handler's would be, and a recorded step answers either form.
public typealias DirectHandler = (_ arguments: [StepValue], _ output: OutputBuffer) -> SyscallOutcome

/// A service plugs a group of calls into the core for one run: files, llm, mcp, net,
/// bus, clock, random. It is made when the run starts, used from the run's thread only,
/// and closed when the run ends.
public protocol Service: AnyObject {
    /// The handler of each call this service answers, by the name the ABI table's
    /// `serves` gives (`fs_read`, `env.web_get`).
    var handlers: [String: SyscallHandler] { get }
    /// Handlers that write an `_into` call's result in place, by the same names; a call
    /// without one is answered by its plain handler and the result copied in.
    var directHandlers: [String: DirectHandler] { get }
    /// A step of this run was answered from its record (a resumed or forked run's earlier
    /// steps): the service takes on the state that step left (tokens used, notes kept,
    /// handles given out), so the live steps after it see the run as it was.
    func replayed(_ step: Step)
    /// Adds what the service measured to the run's report (the model tokens used),
    /// before it is closed.
    func contribute(to report: inout RunReport)
    /// Gives back what the service holds for the run (streams, server sessions).
    func close()
}

extension Service {
    public var directHandlers: [String: DirectHandler] { [:] }
    public func replayed(_ step: Step) {}
    public func contribute(to report: inout RunReport) {}
    public func close() {}
}

/// What a service may know of the run it serves: the agent's own manifest and limits.
public struct RunContext: Sendable {
    public let manifest: Manifest
    public let policy: Policy
    public let limits: RunLimits
    /// When the run must end; services bound their own waits by it.
    public let deadline: ContinuousClock.Instant?
}

/// Makes the services of one run.
public typealias ServiceFactory = @Sendable (RunContext) -> [any Service]

extension SyscallFailure {
    /// The failure of a call that no service of this kernel answers.
    static func unserved(_ step: String) -> SyscallFailure {
        SyscallFailure(.EIO, "\(step) is not served by this kernel")
    }
}
