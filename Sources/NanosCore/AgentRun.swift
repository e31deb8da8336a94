import Foundation
import NanosManifest
import WasmKit

/// Why a run stops early. Thrown out of a host function, it unwinds the guest and
/// reaches ``Sandbox``, which turns it into a ``RunStatus``.
enum RunTermination: Error {
    case done(summary: String)
    case exit(code: Int32)
    case maxSteps(limit: Int)
    case timeout
    case outOfMemory(requestedBytes: Int, limitBytes: Int)
    /// A replayed guest asked for something other than the recorded step.
    case diverged(Divergence)
    /// A replay reached the end of what it was to answer (`--until`, or a record the guest
    /// did not end); `steps` were answered.
    case stopped(steps: Int)
    /// The guest's `nanos_alloc` made a syscall while the host was placing a result in it.
    case syscallInsideAllocator(call: String)
    /// The trace would hold more than `resources.trace` bytes.
    case traceFull(bytes: Int, limitBytes: Int)
    /// Another thread cancelled the run (``RunCancellation``).
    case cancelled
}

/// Where a guest's log lines go (stderr for the CLI, a buffer for the server).
public typealias LogSink = @Sendable (_ level: LogLevel, _ message: String) -> Void

public enum LogLevel: Int32, Sendable, CaseIterable {
    case debug = 0, info = 1, warn = 2, error = 3

    public var name: String {
        switch self {
        case .debug: return "debug"
        case .info: return "info"
        case .warn: return "warn"
        case .error: return "error"
        }
    }
}

/// The state of one agent while it runs: its grants, services, limits and trace.
///
/// Confined to the thread that runs the guest; host functions reach it through their
/// closures. Its per-step state is marked `@exclusivity(unchecked)`: no access to it spans
/// a call into the guest (the one such call, `nanos_alloc`, may not make syscalls: see
/// `perform`), so the runtime's exclusivity check on each access, a dozen per syscall,
/// would never fire. Every syscall goes through ``perform(_:group:decode:answer:deliver:)``,
/// the single path that counts steps, checks the deadline and the policy, times the call
/// and records its outcome.
final class AgentRun {
    let manifest: Manifest
    let policy: Policy
    let logSink: LogSink
    let maxSteps: Int
    /// `resources.trace`, or the kernel's default: the bytes of arguments, results,
    /// messages and step records the trace may hold, since a guest decides how much each
    /// step records and how many steps there are.
    let traceLimitBytes: Int
    /// `resources.logs`, or the kernel's default: the bytes of log messages the run may
    /// emit. Repeated messages share trace storage, so without this only `max_steps`
    /// would bound what a guest writes to the host's stderr.
    let logLimitBytes: Int
    /// Bytes of log messages emitted so far.
    private var logBytes = 0
    /// Bytes the trace holds so far, counting storage shared between steps once.
    @exclusivity(unchecked) var traceBytes = 0
    /// Whether the step in progress reuses the previous arguments' or result's storage.
    @exclusivity(unchecked) private var argumentsShared = false
    @exclusivity(unchecked) private var resultShared = false
    let deadline: ContinuousClock.Instant?
    /// The deadline on the monotonic clock, for the per-step check.
    let deadlineNanoseconds: UInt64

    @exclusivity(unchecked) var steps: [Step] = []
    /// Steps the trace has room for from the start (bounded by `max_steps`).
    static let stepsReservedUpFront = 16_384
    @exclusivity(unchecked) var lastError: [UInt8]?
    /// Errno of the most recent failed step, to tell `denied` from `failed` at the end.
    @exclusivity(unchecked) var lastFailure: Errno?
    @exclusivity(unchecked) var memory: GuestMemory?
    @exclusivity(unchecked) var allocate: Function?
    /// The stack for calls into `nanos_alloc`, made on the run's first data result and
    /// kept: a fresh stack per call would cost more than the syscall itself, and one made
    /// up front would cost every run (a JS agent's stack is 64 MiB) whether it needs it or not.
    @exclusivity(unchecked) private var allocatorStackStorage: StackBox?
    /// The argument list for `nanos_alloc`, kept so a call rewrites its one element in
    /// place instead of allocating a fresh array.
    @exclusivity(unchecked) private var allocatorArguments: [Value] = [.i32(0)]
    /// A constant, so the per-step fuel reading costs no reference counting. The store
    /// does not reach back to the run once the host calls are unbound at the end.
    let store: Store
    @exclusivity(unchecked) var fuelAtLastStep: UInt64 = 0
    /// Steps answered from the run's record rather than by its services.
    @exclusivity(unchecked) var replayedSteps = 0
    @exclusivity(unchecked) var peakMemoryBytes = 0
    /// The run's services, and their handlers by the name the ABI table's `serves` gives.
    let services: [any Service]
    /// The recorded outcomes that answer this run's calls, when it is replayed, forked or
    /// resumed; the store its steps go to, when recorded.
    let script: ReplayScript?
    let recorder: (any StepRecorder)?
    let observer: StepObserver?
    let cancellation: RunCancellation?
    private let handlers: [String: SyscallHandler]
    private let directHandlers: [String: DirectHandler]

    init(
        store: Store, context: RunContext, services: [any Service], recording: RunRecording = RunRecording(),
        logSink: @escaping LogSink
    ) {
        self.store = store
        script = recording.script
        recorder = recording.recorder
        observer = recording.observer
        cancellation = recording.cancellation
        manifest = context.manifest
        policy = context.policy
        self.logSink = logSink
        maxSteps = context.limits.maxSteps
        traceLimitBytes = context.limits.traceBytes
        logLimitBytes = context.limits.logBytes
        deadline = context.deadline
        self.services = services
        var handlers: [String: SyscallHandler] = [:]
        var directHandlers: [String: DirectHandler] = [:]
        for service in services {
            handlers.merge(service.handlers) { first, _ in first }
            directHandlers.merge(service.directHandlers) { first, _ in first }
        }
        self.handlers = handlers
        self.directHandlers = directHandlers
        // Room for the steps up front (the pages are only touched as steps are recorded), so
        // a busy run's trace is not copied each time it doubles.
        steps.reserveCapacity(min(max(maxSteps, 0), Self.stepsReservedUpFront))
        if let deadline = context.deadline {
            let remaining = ContinuousClock.now.duration(to: deadline).nanosecondCount
            deadlineNanoseconds = monotonicNanoseconds() &+ UInt64(clamping: max(0, remaining))
        } else {
            deadlineNanoseconds = .max
        }
    }

    /// The handler for a call's `serves` name; a call no service answers fails with EIO.
    func handler(serving name: String, step: String) -> SyscallHandler {
        ownHandler(name) ?? handlers[name] ?? { _ in .failure(.unserved(step)) }
    }

    /// The handler that writes the result of `name`'s `_into` form in place, if its service has one.
    func directHandler(serving name: String) -> DirectHandler? {
        directHandlers[name]
    }

    /// Ends the run's services and drops its references into the instance.
    func detach() {
        for service in services { service.close() }
        memory = nil
        allocate = nil
    }

    func bind(instance: Instance) {
        if let memory = instance.exports[memory: "memory"] { self.memory = GuestMemory(memory: memory) }
        allocate = instance.exports[function: "nanos_alloc"]
    }

    var currentFuel: UInt64 { store.fuel?.remaining ?? 0 }

    /// Runs one syscall as one step, and returns the value handed back to the guest with
    /// the outcome and the arguments the step recorded.
    ///
    /// `decode` reads the call's arguments out of guest memory (bounds-checked and capped);
    /// they are recorded even when the policy denies the call, so the trace shows what a
    /// refused guest tried. The policy is checked first, so an ungranted call is EPERM
    /// whatever its pointers. `answer` is the service; `deliver` hands the outcome to the
    /// guest (placing data in its memory) and may turn it into a failure, such as a
    /// buffer that is too small, before it is recorded. Run-ending conditions are thrown.
    @inline(__always)
    func perform(
        _ step: String, group: ToolGroup?, decode: () throws(SyscallFailure) -> [StepValue],
        answer: ([StepValue]) -> SyscallOutcome, deliver: (inout SyscallOutcome) -> Value
    ) throws(RunTermination) -> (value: Value, outcome: SyscallOutcome, arguments: [StepValue]) {
        // A syscall from inside nanos_alloc would run while the outer step is half done
        // (and its result half placed); such a guest is broken or hostile, and its run ends.
        if insideAllocator { throw .syscallInsideAllocator(call: step) }
        let start = monotonicNanoseconds()
        if start >= deadlineNanoseconds { throw .timeout }
        if cancellation?.isCancelled == true { throw .cancelled }
        guard steps.count < maxSteps else { throw .maxSteps(limit: maxSteps) }

        argumentsShared = false
        resultShared = false
        let fuelNow = currentFuel
        let fuelUsed = fuelAtLastStep >= fuelNow ? fuelAtLastStep - fuelNow : 0
        let memoryBytes = memory?.memory.byteCount ?? 0
        if memoryBytes > peakMemoryBytes { peakMemoryBytes = memoryBytes }

        var arguments: [StepValue] = []
        var outcome: SyscallOutcome
        var answeredFromRecord = false
        if let script, let scripted = try scriptedOutcome(script, step, decode) {
            (arguments, outcome) = scripted
            answeredFromRecord = true
        } else if let group, let denial = policy.check(group, call: step) {
            arguments = (try? decode()) ?? []
            outcome = .failure(denial)
        } else {
            do throws(SyscallFailure) {
                arguments = try decode()
                outcome = answer(arguments)
            } catch {
                outcome = .failure(error)
            }
        }
        if case .data(let bytes) = outcome.result, !bytes.isEmpty {
            outcome.result = .data(sharingRecentStorage(bytes))
        }
        let value = deliver(&outcome)
        let elapsed = monotonicNanoseconds() &- start
        if case .failure(let failure) = outcome.result {
            lastError = Array(failure.message.utf8)
            lastFailure = failure.errno
        }
        traceBytes += recordedBytes(arguments, outcome)
        steps.append(
            Step(
                index: steps.count + 1, name: step, args: arguments, outcome: outcome.result,
                latencyNanoseconds: elapsed, fuelUsed: fuelUsed, memoryBytes: memoryBytes, counters: outcome.counters,
                serviceLog: outcome.serviceLog))
        fuelAtLastStep = currentFuel
        if answeredFromRecord {
            replayedSteps += 1
            for service in services { service.replayed(steps[steps.count - 1]) }
        }
        if let recorder {
            recorder.record(steps[steps.count - 1], durable: !answeredFromRecord && group?.isDurable == true)
        }
        observer?(steps[steps.count - 1])
        if traceBytes > traceLimitBytes { throw .traceFull(bytes: traceBytes, limitBytes: traceLimitBytes) }
        return (value, outcome, arguments)
    }

    /// The recorded answer to this call, when the run is answered from a record: the
    /// arguments (which must be the recorded ones) and the outcome. Nil past the record
    /// when the run goes on live.
    private func scriptedOutcome(
        _ script: ReplayScript, _ step: String, _ decode: () throws(SyscallFailure) -> [StepValue]
    ) throws(RunTermination) -> ([StepValue], SyscallOutcome)? {
        let index = steps.count + 1
        let inRecord = index <= script.steps.count || (index == script.steps.count + 1 && script.replacement != nil)
        if !inRecord, case .live = script.continuation { return nil }
        // Decoded as a live call would be (a denied call's arguments, or none when they are
        // unreadable), so the comparison sees what the record saw.
        let arguments = (try? decode()) ?? []
        let replacing = index == script.steps.count + 1 ? script.replacement : nil
        if index <= script.steps.count || replacing != nil {
            let recorded = replacing?.recorded ?? script.steps[index - 1]
            guard recorded.name == step, recorded.args == arguments else {
                throw .diverged(Self.divergence(index, recorded: recorded.callDescription, step, arguments))
            }
            if let replacing { return (arguments, replacing.outcome) }
            return (
                arguments,
                SyscallOutcome(recorded.outcome, counters: recorded.counters, serviceLog: recorded.serviceLog)
            )
        }
        switch script.continuation {
        case .live: return nil
        case .stop: throw .stopped(steps: steps.count)
        case .diverge: throw .diverged(Self.divergence(index, recorded: "the end of the record", step, arguments))
        }
    }

    private static func divergence(_ index: Int, recorded: String, _ step: String, _ arguments: [StepValue])
        -> Divergence
    {
        let asked = Step(
            index: index, name: step, args: arguments, outcome: .value(0), latencyNanoseconds: 0, fuelUsed: 0,
            memoryBytes: 0)
        return Divergence(step: index, recorded: recorded, asked: asked.callDescription)
    }

    /// What one step costs the host before any payload: the record itself. Counted so that
    /// a guest making millions of empty calls (clock.now in a loop) meets `resources.trace`
    /// too; each took about 0.9 KB of host memory when it was not counted.
    static let stepRecordBytes = MemoryLayout<Step>.stride
    /// The heap header of each array a step holds (arguments, bytes).
    static let arrayHeaderBytes = 32

    /// The bytes a step adds to the trace: its record, its arguments and result unless
    /// they share the previous step's storage, its message and its service log.
    private func recordedBytes(_ arguments: [StepValue], _ outcome: SyscallOutcome) -> Int {
        var bytes = Self.stepRecordBytes
        if !argumentsShared {
            if !arguments.isEmpty { bytes += Self.arrayHeaderBytes + arguments.count * MemoryLayout<StepValue>.stride }
            for argument in arguments {
                if case .bytes(let data) = argument { bytes += Self.arrayHeaderBytes + data.count }
            }
        }
        switch outcome.result {
        case .data(let data): if !resultShared && !data.isEmpty { bytes += Self.arrayHeaderBytes + data.count }
        case .value: break
        case .failure(let failure): bytes += failure.message.utf8.count + (failure.rule?.utf8.count ?? 0)
        }
        for line in outcome.serviceLog { bytes += line.utf8.count }
        return bytes
    }

    /// Reads a call's arguments out of the guest's raw parameters, as the ABI table's
    /// parameters describe them; the same arguments as last time come back as the same
    /// storage (see `recentArguments`). An output buffer is recorded as its capacity.
    func decode(_ parameters: [ABICall.Parameter], step: String, _ raw: UnsafeBufferPointer<Value>)
        throws(SyscallFailure) -> [StepValue]
    {
        if parameters.isEmpty { return [] }
        if try argumentsRepeatRecent(parameters, step: step, raw) {
            argumentsShared = true
            return recentArguments
        }
        var values: [StepValue] = []
        values.reserveCapacity(parameters.count)
        var index = 0
        for parameter in parameters {
            switch parameter {
            case .int:
                values.append(.int(Int64(Int32(bitPattern: raw[index].i32))))
            case .bytes(let name, let limit):
                values.append(
                    .bytes(
                        try requireMemory().read(
                            ptr: raw[index].i32, len: raw[index + 1].i32, limit: limit, what: describe(name, step))))
            case .output:
                values.append(.int(Int64(Int32(bitPattern: raw[index + 1].i32))))
            }
            index += parameter.width
        }
        recentArguments = values
        return values
    }

    /// How an argument is named in errors: `path`, or the step and the parameter (`llm.infer req`).
    @inline(__always)
    private func describe(_ name: String, _ step: String) -> String {
        name == "path" ? "path" : "\(step) \(name)"
    }

    /// The most recent non-empty arguments and data result recorded. A step whose bytes
    /// equal them keeps a reference to the same storage instead of another copy: the trace
    /// still holds every byte of every step, but a run that repeats a call (polling a file,
    /// say) does not grow by the whole payload each time.
    @exclusivity(unchecked) private var recentArguments: [StepValue] = []
    @exclusivity(unchecked) private var recentResult: [UInt8] = []

    /// Whether the guest passed exactly `recentArguments` again, checked in guest memory
    /// (with the same bounds and size checks as `decode`) before anything is copied out.
    private func argumentsRepeatRecent(
        _ parameters: [ABICall.Parameter], step: String, _ raw: UnsafeBufferPointer<Value>
    ) throws(SyscallFailure) -> Bool {
        guard parameters.count == recentArguments.count else { return false }
        var index = 0
        for (parameter, recent) in zip(parameters, recentArguments) {
            switch (parameter, recent) {
            case (.int, .int(let value)):
                guard Int64(Int32(bitPattern: raw[index].i32)) == value else { return false }
            case (.output, .int(let value)):
                guard Int64(Int32(bitPattern: raw[index + 1].i32)) == value else { return false }
            case (.bytes(let name, let limit), .bytes(let bytes)):
                let same = try requireMemory().withBytes(
                    ptr: raw[index].i32, len: raw[index + 1].i32, limit: limit, what: describe(name, step)
                ) { $0.elementsEqual(bytes) }
                guard same else { return false }
            default:
                return false
            }
            index += parameter.width
        }
        return true
    }

    private func sharingRecentStorage(_ result: [UInt8]) -> [UInt8] {
        if result.withUnsafeBytes({ Self.sameBytes($0, recentResult) }) {
            resultShared = true
            return recentResult
        }
        recentResult = result
        return result
    }

    /// The bytes a direct handler wrote, as the step's recorded result: the previous
    /// result's storage when they are the same, or else a copy.
    func recordedResult(_ written: UnsafeRawBufferPointer) -> [UInt8] {
        if written.isEmpty { return [] }
        if Self.sameBytes(written, recentResult) {
            resultShared = true
            return recentResult
        }
        recentResult = Array(written)
        return recentResult
    }

    /// Whether two byte arrays are equal, compared with `memcmp` (the generic `==` goes
    /// element by element: about 50 µs for 64 KiB, ten times the read itself).
    @inline(__always)
    static func sameBytes(_ a: UnsafeRawBufferPointer, _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return b.withUnsafeBytes { right in
            guard let l = a.baseAddress, let r = right.baseAddress else { return a.count == right.count }
            return memcmp(l, r, a.count) == 0
        }
    }

    /// Emits a guest's log message, within the run's log budget; past it the message is
    /// dropped and the call fails with EQUOTA (the run goes on).
    func log(_ level: LogLevel, _ message: [UInt8], call: String) throws(SyscallFailure) {
        guard message.count <= logLimitBytes - logBytes else {
            throw SyscallFailure(
                .EQUOTA,
                "\(call): the run's log budget (resources.logs = \(logLimitBytes) bytes) is used up; the message was dropped"
            )
        }
        logBytes += message.count
        var text = String(decoding: message, as: UTF8.self)
        if text.hasSuffix("\n") { text.removeLast() }
        logSink(level, text)
    }

    func requireMemory() throws(SyscallFailure) -> GuestMemory {
        guard let memory else { throw SyscallFailure(.EINVAL, "the guest exports no memory named \"memory\"") }
        return memory
    }

    /// Hands bytes to the guest through its `nanos_alloc`, returning `len << 32 | ptr`.
    func place(_ bytes: [UInt8]) throws(SyscallFailure) -> Int64 {
        if bytes.isEmpty { return 0 }
        guard let allocate else {
            throw SyscallFailure(.EINVAL, "the guest exports no nanos_alloc(size) -> ptr to receive results")
        }
        guard bytes.count <= Int(Int32.max) else { throw SyscallFailure(.E2BIG, "result too large") }
        let results: [Value]
        do {
            allocatorArguments[0] = .i32(UInt32(bytes.count))
            let allocatorStack = allocatorStackStorage ?? StackBox(engine: store.engine)
            allocatorStackStorage = allocatorStack
            insideAllocator = true
            defer { insideAllocator = false }
            results = try allocate.invoke(allocatorArguments, on: &allocatorStack.stack)
        } catch let termination as RunTermination {
            // The guest's allocator hit the memory cap (the run ends as out_of_memory), made a
            // syscall (a trap) or exited; the step records why, and the run ends after it.
            pendingFailure = termination
            switch termination {
            case .outOfMemory:
                throw SyscallFailure(.E2BIG, "nanos_alloc(\(bytes.count)) exceeded the memory limit")
            case .syscallInsideAllocator(let call):
                throw SyscallFailure(.EIO, "nanos_alloc(\(bytes.count)) made a syscall (\(call)), which it may not")
            default:
                throw SyscallFailure(.EIO, "nanos_alloc(\(bytes.count)) ended the run")
            }
        } catch {
            pendingFailure = error
            let reason = (error as? Trap).map(TrapCause.reason) ?? "\(error)"
            throw SyscallFailure(.EIO, "nanos_alloc(\(bytes.count)) trapped: \(reason)")
        }
        guard case .i32(let ptr)? = results.first, ptr != 0 else {
            throw SyscallFailure(.E2BIG, "nanos_alloc(\(bytes.count)) returned no buffer")
        }
        try requireMemory().write(bytes, at: ptr, what: "nanos_alloc result")
        return Int64(bytes.count) << 32 | Int64(ptr)
    }

    /// Set while the guest's `nanos_alloc` runs on the host's behalf; no syscall may
    /// start then (see `perform`).
    @exclusivity(unchecked) var insideAllocator = false

    /// What ended a nested guest call (a `RunTermination` or a trap); it ends the run once
    /// the step is recorded.
    @exclusivity(unchecked) private var pendingFailure: (any Error)?

    /// Re-raises a nested failure after its step has been recorded.
    @inline(__always)
    func raisePending() throws {
        if let pendingFailure { throw pendingFailure }
    }
}

extension [StepValue] {
    /// The bytes of argument `index` (empty when it is not a byte argument).
    public func bytes(_ index: Int) -> [UInt8] {
        guard indices.contains(index), case .bytes(let bytes) = self[index] else { return [] }
        return bytes
    }

    public func int(_ index: Int) -> Int64 {
        guard indices.contains(index), case .int(let value) = self[index] else { return 0 }
        return value
    }
}

/// CLOCK_MONOTONIC in nanoseconds: the cheapest clock read, for per-step timing.
@inline(__always)
func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
}

/// Holds a non-copyable `ExecutionStack` so a class can lend it out `inout`.
final class StackBox {
    var stack: ExecutionStack
    init(engine: Engine) { stack = ExecutionStack(engine: engine) }
}
