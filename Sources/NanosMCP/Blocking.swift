import Foundation
import NanosManifest
import Synchronization

/// A value several threads hand to each other; every access holds the lock, which is
/// what makes the unchecked Sendable sound.
final class Locked<Value>: @unchecked Sendable {
    private let stored: Mutex<Value>

    init(_ value: sending Value) { stored = Mutex(value) }

    func withLock<Result, Failure: Error>(_ body: (inout Value) throws(Failure) -> Result) throws(Failure) -> Result {
        try stored.withLock { (value: inout sending Value) throws(Failure) -> sending Result in
            nonisolated(unsafe) let result = try body(&value)
            return result
        }
    }

    var value: Value { withLock { $0 } }
}

/// Bridges the kernel's synchronous syscalls to the SDK's async API.
///
/// The agent's thread blocks on a semaphore, until the request's deadline, while the
/// request runs as a task on ``MCPExecutor``'s threads; nothing it needs runs on the
/// agent's thread, so there is nothing to deadlock on, and a server that dies wakes the
/// waiter at once (``Interrupt``). The SDK client also starts tasks of its own (its
/// receive loop), which run on Swift's shared pool: a process that fills that pool with
/// blocking work makes MCP answers late. So agents run on threads of their own (the CLI
/// runs them on the main thread), and async code that runs agents goes through
/// ``onOwnThread(_:)``.
public enum Blocking {
    /// Runs blocking work (an agent run, an MCP request) on a new thread and waits for it
    /// without holding one of Swift's cooperative threads.
    public static func onOwnThread<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws
        -> Value
    {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
        }
    }

    enum Outcome<Value: Sendable>: Sendable {
        case finished(Result<Value, any Error>)
        /// `interrupt` fired first.
        case interrupted
        case timedOut
    }

    /// Runs `work` and waits for it until `deadline`, or until `interrupt` fires. Work that
    /// is given up on is cancelled and left to finish on its own; what it returns is dropped.
    static func run<Value: Sendable>(
        until deadline: ContinuousClock.Instant, interruptedBy interrupt: Interrupt? = nil,
        _ work: @escaping @Sendable () async throws -> Value
    ) -> Outcome<Value> {
        let result = Locked<Result<Value, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        let task = Task(executorPreference: MCPExecutor.shared) {
            let outcome: Result<Value, any Error>
            do {
                outcome = .success(try await work())
            } catch {
                outcome = .failure(error)
            }
            result.withLock { $0 = outcome }
            done.signal()
        }
        let listening = interrupt?.add(done) ?? true
        defer { interrupt?.remove(done) }
        let remaining = max(0, ContinuousClock.now.duration(to: deadline).nanosecondCount)
        let answered = listening && done.wait(timeout: .now() + .nanoseconds(Int(clamping: remaining))) == .success
        if let outcome = result.value { return .finished(outcome) }
        task.cancel()
        return answered || !listening ? .interrupted : .timedOut
    }
}

/// Wakes the threads waiting in ``Blocking/run(until:interruptedBy:_:)``, once and for
/// good: a wait that starts after it fired ends at once.
final class Interrupt: Sendable {
    private struct State {
        var fired = false
        var waiting: [ObjectIdentifier: DispatchSemaphore] = [:]
    }

    private let state = Locked(State())

    func fire() {
        let waiting = state.withLock { state -> [DispatchSemaphore] in
            state.fired = true
            defer { state.waiting.removeAll() }
            return Array(state.waiting.values)
        }
        for semaphore in waiting { semaphore.signal() }
    }

    /// Registers a waiter; false when the interrupt has already fired.
    func add(_ semaphore: DispatchSemaphore) -> Bool {
        state.withLock { state in
            guard !state.fired else { return false }
            state.waiting[ObjectIdentifier(semaphore)] = semaphore
            return true
        }
    }

    func remove(_ semaphore: DispatchSemaphore) {
        state.withLock { _ = $0.waiting.removeValue(forKey: ObjectIdentifier(semaphore)) }
    }
}

extension Duration {
    /// `30s`, `500ms`: how a manifest writes durations.
    var shortDescription: String {
        let milliseconds = nanosecondCount / 1_000_000
        if milliseconds % 1000 == 0 { return "\(milliseconds / 1000)s" }
        return "\(milliseconds)ms"
    }
}

/// The threads MCP's async work runs on: the requests, and the SDK client's actor while
/// they call it. Swift's shared pool has one thread per core, and blocking code elsewhere
/// (agents waiting on syscalls, a test runner's synchronous tests) can hold all of them;
/// what runs here goes on regardless. Jobs are short (encode, decode, hand over), so two
/// threads serve every server of the process.
final class MCPExecutor: TaskExecutor, @unchecked Sendable {
    // @unchecked: `jobs` is touched only under `ready`'s lock.
    static let shared = MCPExecutor(threads: 2)

    private let ready = NSCondition()
    private var jobs: [UnownedJob] = []

    private init(threads: Int) {
        for index in 0..<threads {
            let thread = Thread { [unowned self] in self.work() }
            thread.name = "nanos.mcp.executor.\(index)"
            thread.start()
        }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        ready.lock()
        jobs.append(job)
        ready.signal()
        ready.unlock()
    }

    private func work() {
        while true {
            ready.lock()
            while jobs.isEmpty { ready.wait() }
            let job = jobs.removeFirst()
            ready.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
