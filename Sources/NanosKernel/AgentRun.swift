import Foundation
import NanosFS
import NanosLLM
import NanosMCP
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
    /// The guest's `nanos_alloc` made a syscall while the host was placing a result in it.
    case syscallInsideAllocator(call: String)
    /// The trace would hold more than `resources.trace` bytes.
    case traceFull(bytes: Int, limitBytes: Int)
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
/// would never fire. Every syscall goes through ``perform(_:group:args:body:)``, the single path
/// that counts steps, checks the deadline and the policy, times the call and records it.
final class AgentRun {
    let manifest: Manifest
    let policy: Policy
    let files: SandboxedFileSystem
    let model: any LanguageModel
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
    @exclusivity(unchecked) var peakMemoryBytes = 0
    /// Per-run notes behind the original ABI's memory_store/memory_recall.
    var notes = RunNotes()
    /// Model tokens used against `resources.tokens`.
    var tokens: TokenBudget
    /// Open `llm.stream_open` answers by handle.
    var streams: [Int32: any InferenceStream] = [:]
    var nextStreamHandle: Int32 = 0
    /// The manifest's MCP servers, held (not started) for the whole run so that agents
    /// naming the same server share it; nil when there are none or `mcp_call` is not granted.
    let mcp: MCPSession?

    init(store: Store, manifest: Manifest, limits: RunLimits, files: SandboxedFileSystem, model: any LanguageModel,
         logSink: @escaping LogSink, deadline: ContinuousClock.Instant?) {
        self.store = store
        self.manifest = manifest
        let policy = Policy(manifest: manifest)
        self.policy = policy
        self.files = files
        self.model = model
        self.logSink = logSink
        self.maxSteps = limits.maxSteps
        traceLimitBytes = limits.traceBytes
        logLimitBytes = limits.logBytes
        tokens = TokenBudget(limit: limits.tokens)
        self.deadline = deadline
        mcp = manifest.mcpServers.isEmpty || !policy.allows(.mcp_call) ? nil : MCPSession(servers: manifest.mcpServers)
        // Room for the steps up front (the pages are only touched as steps are recorded), so
        // a busy run's trace is not copied each time it doubles.
        steps.reserveCapacity(min(max(maxSteps, 0), Self.stepsReservedUpFront))
        if let deadline {
            let remaining = ContinuousClock.now.duration(to: deadline).nanoseconds
            deadlineNanoseconds = monotonicNanoseconds() &+ UInt64(clamping: max(0, remaining))
        } else {
            deadlineNanoseconds = .max
        }
    }

    /// Ends the run's services and drops its references into the instance.
    func detach() {
        closeAllStreams()
        mcp?.close()
        memory = nil
        allocate = nil
    }

    func bind(instance: Instance) {
        if let memory = instance.exports[memory: "memory"] { self.memory = GuestMemory(memory: memory) }
        allocate = instance.exports[function: "nanos_alloc"]
    }

    var currentFuel: UInt64 { store.fuel?.remaining ?? 0 }

    /// Runs one syscall as one step.
    ///
    /// `body` returns what the trace records and the value handed back to the guest.
    /// Failures are recorded and returned as `-errno`; run-ending conditions are thrown.
    ///
    /// `inputs` describes the call's arguments; they are decoded here (bounds-checked and
    /// capped) and handed to `body`, and they are recorded even when the policy denies the
    /// call, so the trace shows what a refused guest tried. The policy is checked before
    /// anything is decoded, so an ungranted call is EPERM whatever its pointers.
    @inline(__always)
    func perform(
        _ name: String, group: ToolGroup?, inputs: [ArgumentSpec] = [], raw: UnsafeBufferPointer<Value>? = nil,
        failureValue: (Errno) -> Value,
        body: ([StepValue]) throws(SyscallFailure) -> (StepOutcome, Value)
    ) throws(RunTermination) -> Value {
        // A syscall from inside nanos_alloc would run while the outer step is half done
        // (and its result half placed); such a guest is broken or hostile, and its run ends.
        if insideAllocator { throw .syscallInsideAllocator(call: name) }
        let start = monotonicNanoseconds()
        if start >= deadlineNanoseconds { throw .timeout }
        guard steps.count < maxSteps else { throw .maxSteps(limit: maxSteps) }

        currentArgs = []
        argumentsShared = false
        resultShared = false
        let fuelNow = currentFuel
        let fuelUsed = fuelAtLastStep >= fuelNow ? fuelAtLastStep - fuelNow : 0
        let memoryBytes = memory?.memory.byteCount ?? 0
        if memoryBytes > peakMemoryBytes { peakMemoryBytes = memoryBytes }

        let outcome: StepOutcome
        let value: Value
        if let group, let denial = policy.check(group, call: name) {
            if let raw { currentArgs = (try? decode(inputs, raw)) ?? [] }
            outcome = .failure(denial)
            value = failureValue(denial.errno)
        } else {
            do throws(SyscallFailure) {
                var decoded: [StepValue] = []
                if let raw, !inputs.isEmpty {
                    decoded = try decode(inputs, raw)
                    currentArgs = decoded
                }
                (outcome, value) = try body(decoded)
            } catch {
                outcome = .failure(error)
                value = failureValue(error.errno)
            }
        }
        let elapsed = monotonicNanoseconds() &- start
        if case .failure(let failure) = outcome {
            lastError = Array(failure.message.utf8)
            lastFailure = failure.errno
        }
        traceBytes += recordedBytes(outcome)
        steps.append(
            Step(
                index: steps.count + 1, name: name, args: currentArgs, outcome: outcome,
                latencyNanoseconds: elapsed,
                fuelUsed: fuelUsed, memoryBytes: memoryBytes, counters: pendingCounters,
                serviceLog: pendingServiceLog))
        if !pendingCounters.isEmpty { pendingCounters = [:] }
        if !pendingServiceLog.isEmpty { pendingServiceLog = [] }
        fuelAtLastStep = currentFuel
        if traceBytes > traceLimitBytes { throw .traceFull(bytes: traceBytes, limitBytes: traceLimitBytes) }
        return value
    }

    /// What one step costs the host before any payload: the record itself. Counted so that
    /// a guest making millions of empty calls (clock.now in a loop) meets `resources.trace`
    /// too; each took about 0.9 KB of host memory when it was not counted.
    static let stepRecordBytes = MemoryLayout<Step>.stride
    /// The heap header of each array a step holds (arguments, bytes).
    static let arrayHeaderBytes = 32

    /// The bytes the step just recorded adds to the trace: its record, its arguments and
    /// result unless they share the previous step's storage, and its message.
    private func recordedBytes(_ outcome: StepOutcome) -> Int {
        var bytes = Self.stepRecordBytes
        if !argumentsShared {
            if !currentArgs.isEmpty { bytes += Self.arrayHeaderBytes + currentArgs.count * MemoryLayout<StepValue>.stride }
            for argument in currentArgs {
                if case .bytes(let data) = argument { bytes += Self.arrayHeaderBytes + data.count }
            }
        }
        switch outcome {
        case .data(let data): if !resultShared && !data.isEmpty { bytes += Self.arrayHeaderBytes + data.count }
        case .value: break
        case .failure(let failure): bytes += failure.message.utf8.count + (failure.rule?.utf8.count ?? 0)
        }
        for line in pendingServiceLog { bytes += line.utf8.count }
        return bytes
    }

    /// Reads the arguments `inputs` describes out of the guest's raw parameters; the same
    /// arguments as last time come back as the same storage (see `recentArguments`).
    func decode(_ inputs: [ArgumentSpec], _ raw: UnsafeBufferPointer<Value>) throws(SyscallFailure) -> [StepValue] {
        if try argumentsRepeatRecent(inputs, raw) {
            argumentsShared = true
            return recentArguments
        }
        var values: [StepValue] = []
        values.reserveCapacity(inputs.count)
        for input in inputs {
            switch input {
            case .int(let index):
                values.append(.int(Int64(Int32(bitPattern: raw[index].i32))))
            case .bytes(let index, let limit, let what):
                values.append(
                    .bytes(try requireMemory().read(ptr: raw[index].i32, len: raw[index + 1].i32, limit: limit, what: what)))
            }
        }
        recentArguments = values
        return values
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
        _ inputs: [ArgumentSpec], _ raw: UnsafeBufferPointer<Value>
    ) throws(SyscallFailure) -> Bool {
        guard inputs.count == recentArguments.count, !inputs.isEmpty else { return false }
        for (input, recent) in zip(inputs, recentArguments) {
            switch (input, recent) {
            case (.int(let index), .int(let value)):
                guard Int64(Int32(bitPattern: raw[index].i32)) == value else { return false }
            case (.bytes(let index, let limit, let what), .bytes(let bytes)):
                let same = try requireMemory().withBytes(
                    ptr: raw[index].i32, len: raw[index + 1].i32, limit: limit, what: what
                ) { $0.elementsEqual(bytes) }
                guard same else { return false }
            default:
                return false
            }
        }
        return true
    }

    func sharingRecentStorage(_ result: [UInt8]) -> [UInt8] {
        if result.isEmpty { return result }
        if result == recentResult {
            resultShared = true
            return recentResult
        }
        recentResult = result
        return result
    }

    /// Arguments of the step in progress (decoded by `perform`; calls with their own
    /// argument layout, such as WASI's iovecs, set them directly).
    @exclusivity(unchecked) var currentArgs: [StepValue] = []
    /// Counters (such as token counts) for the step in progress.
    @exclusivity(unchecked) var pendingCounters: [String: Int64] = [:]
    /// Service output (an MCP server's stderr) for the step in progress.
    @exclusivity(unchecked) var pendingServiceLog: [String] = []

    /// Emits a guest's log message, within the run's log budget; past it the message is
    /// dropped and the call fails with EQUOTA (the run goes on).
    func log(_ level: LogLevel, _ message: [UInt8], call: String) throws(SyscallFailure) {
        guard message.count <= logLimitBytes - logBytes else {
            throw SyscallFailure(
                .EQUOTA,
                "\(call): the run's log budget (resources.logs = \(logLimitBytes) bytes) is used up; the message was dropped")
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
            let reason = (error as? Trap).map(Sandbox.trapReason) ?? "\(error)"
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

/// One argument of a syscall, as `perform` decodes it from the raw wasm parameters.
enum ArgumentSpec: Sendable {
    /// An i32 parameter at this index, recorded as a signed integer.
    case int(Int)
    /// A (ptr, len) pair starting at this index, copied out of guest memory (at most `limit` bytes).
    case bytes(Int, limit: Int, what: String)
}

extension [StepValue] {
    /// The bytes of argument `index` (empty when it is not a byte argument).
    func bytes(_ index: Int) -> [UInt8] {
        guard indices.contains(index), case .bytes(let bytes) = self[index] else { return [] }
        return bytes
    }

    func int(_ index: Int) -> Int64 {
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

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
