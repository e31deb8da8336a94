import Foundation

/// A value several threads hand to each other; every access holds the lock, which is
/// what makes the unchecked Sendable sound.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value

    init(_ value: Value) { stored = value }

    func withLock<Result, Failure: Error>(_ body: (inout Value) throws(Failure) -> Result) throws(Failure) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&stored)
    }

    var value: Value { withLock { $0 } }
}

/// Bridges the kernel's synchronous syscalls to the SDK's async API.
///
/// The agent's thread blocks on a semaphore while the request runs as a detached task;
/// the task never needs the agent's thread, so there is nothing to deadlock on. The agent
/// thread must not be one of Swift's cooperative threads, which the SDK's own tasks need:
/// async code that runs agents (or MCP requests) does so through ``onOwnThread(_:)``.
public enum Blocking {
    /// Runs blocking work (an agent run, an MCP request) on a new thread and waits for it
    /// without holding one of Swift's cooperative threads.
    public static func onOwnThread<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
        }
    }

    enum Outcome<Value: Sendable>: Sendable {
        case finished(Result<Value, any Error>)
        case timedOut
    }

    /// Runs `work` and waits for it until `deadline`. On time out the task is cancelled and
    /// left to finish on its own; whatever it returns then is dropped.
    static func run<Value: Sendable>(
        until deadline: ContinuousClock.Instant, _ work: @escaping @Sendable () async throws -> Value
    ) -> Outcome<Value> {
        let result = Locked<Result<Value, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        let task = Task.detached {
            let outcome: Result<Value, any Error>
            do {
                outcome = .success(try await work())
            } catch {
                outcome = .failure(error)
            }
            result.withLock { $0 = outcome }
            done.signal()
        }
        let remaining = max(0, ContinuousClock.now.duration(to: deadline).nanosecondCount)
        guard done.wait(timeout: .now() + .nanoseconds(Int(clamping: remaining))) == .success,
            let outcome = result.value
        else {
            task.cancel()
            return .timedOut
        }
        return .finished(outcome)
    }
}

extension Duration {
    var nanosecondCount: Int64 {
        let (seconds, attoseconds) = components
        return seconds.multipliedReportingOverflow(by: 1_000_000_000).overflow
            ? (seconds < 0 ? .min : .max) : seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    /// `30s`, `500ms`: how a manifest writes durations.
    var shortDescription: String {
        let milliseconds = nanosecondCount / 1_000_000
        if milliseconds % 1000 == 0 { return "\(milliseconds / 1000)s" }
        return "\(milliseconds)ms"
    }
}
