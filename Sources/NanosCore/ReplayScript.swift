/// Recorded outcomes that answer a run's syscalls instead of its services.
///
/// A guest's only inputs are its syscall outcomes, and fuel makes its execution
/// deterministic, so a run answered from its record repeats every step. Each call the guest
/// makes is checked against the recorded one (name and arguments) before it is answered;
/// the first that differs ends the run as `diverged`, naming both.
///
/// Replay answers every step from the record; a fork answers step K with a new outcome and
/// goes on live; a resume goes on live after the last recorded step.
public struct ReplayScript: Sendable {
    /// What happens when the guest calls past the recorded steps.
    public enum Continuation: Sendable {
        /// A call the record does not have is a divergence (a whole run replayed).
        case diverge
        /// The run stops there, as `stopped` (`--until K`, or a record that ended without
        /// the guest ending it: a timeout, a kill).
        case stop
        /// The services answer from there on (fork, resume).
        case live
    }

    /// A fork's step K: the recorded step (the guest's call must match it) and the outcome
    /// that answers it instead. K is one past the last step in `steps`.
    public struct Replacement: Sendable {
        public var recorded: Step
        public var outcome: SyscallOutcome

        public init(recorded: Step, outcome: SyscallOutcome) {
            self.recorded = recorded
            self.outcome = outcome
        }
    }

    public var steps: [Step]
    public var replacement: Replacement?
    public var continuation: Continuation

    public init(steps: [Step], replacement: Replacement? = nil, continuation: Continuation) {
        self.steps = steps
        self.replacement = replacement
        self.continuation = continuation
    }

    /// Whether any call may reach a live service.
    public var goesLive: Bool {
        if case .live = continuation { return true }
        return false
    }
}

/// Where a call asked for this time and a recorded step first part ways.
public struct Divergence: Sendable, Error, CustomStringConvertible {
    /// 1-based.
    public let step: Int
    /// The recorded call, described (`fs.read("notes.txt")`), or "the end of the record".
    public let recorded: String
    /// The call the guest made this time, described the same way.
    public let asked: String

    public init(step: Int, recorded: String, asked: String) {
        self.step = step
        self.recorded = recorded
        self.asked = asked
    }

    public var description: String {
        "step \(step) diverged: the record has \(recorded); this time the guest asked for \(asked)"
    }
}

/// Receives a run's steps as they are made (the trace store). Used on the run's thread.
public protocol StepRecorder: AnyObject, Sendable {
    /// `durable`: the step's effect left the sandbox (a file written, a tool called, a
    /// message sent) or it is a model answer; it must be stored before this returns, so
    /// that a run killed right after it never does it again when resumed. Other steps may
    /// be stored later, in batches.
    func record(_ step: Step, durable: Bool)
}

/// Sees each step as soon as it is made (a server's live view), on the run's thread: it
/// must return quickly and must not call back into the run.
public typealias StepObserver = @Sendable (Step) -> Void

/// How a run is recorded, answered and watched: by its services, not recorded, watched by
/// nobody and never cancelled, unless told.
public struct RunRecording: Sendable {
    public var script: ReplayScript?
    public var recorder: (any StepRecorder)?
    public var observer: StepObserver?
    public var cancellation: RunCancellation?

    public init(
        script: ReplayScript? = nil, recorder: (any StepRecorder)? = nil, observer: StepObserver? = nil,
        cancellation: RunCancellation? = nil
    ) {
        self.script = script
        self.recorder = recorder
        self.observer = observer
        self.cancellation = cancellation
    }
}

extension Step {
    /// The call as divergence messages show it: its name and arguments, each byte
    /// argument cut to 60 bytes.
    public var callDescription: String {
        let shown = args.map { argument -> String in
            switch argument {
            case .int(let value): return String(value)
            case .bytes(let bytes):
                let text = String(decoding: bytes.prefix(60), as: UTF8.self)
                return text.debugDescription + (bytes.count > 60 ? "…(\(bytes.count) bytes)" : "")
            }
        }
        return "\(name)(\(shown.joined(separator: ", ")))"
    }
}

extension ToolGroup {
    /// Whether a call of this group has an effect outside the sandbox or answers from a
    /// model: its step is stored before the guest sees the result.
    public var isDurable: Bool {
        switch self {
        case .fs_write, .llm, .mcp_call, .web, .agent_send, .agent_recv, .memory: return true
        case .agent, .fs_read, .clock, .random: return false
        }
    }
}

/// Hands each step to several recorders in turn (the trace store, and a fleet's step log).
public final class RecorderChain: StepRecorder {
    private let recorders: [any StepRecorder]

    public init(_ recorders: [any StepRecorder]) {
        self.recorders = recorders
    }

    public func record(_ step: Step, durable: Bool) {
        for recorder in recorders { recorder.record(step, durable: durable) }
    }
}
