import Foundation
import NanosCore
import Synchronization

/// A run this server is executing: its steps as they are made (the store receives them in
/// batches; watchers need each at once), its report once it ends, and who is watching.
final class LiveRun: Sendable {
    let id: String
    let agent: String
    let cancellation = RunCancellation()
    let startedAt = Date()

    private struct State {
        var steps: [Step] = []
        var report: RunReport?
        var watchers: [Int: AsyncStream<Void>.Continuation] = [:]
        var nextWatcher = 0
        var waiters: [CheckedContinuation<RunReport, Never>] = []
    }
    private let state = Mutex(State())

    init(id: String, agent: String) {
        self.id = id
        self.agent = agent
    }

    var stepCount: Int { state.withLock { $0.steps.count } }

    /// Called on the run's thread for each step.
    func observe(_ step: Step) {
        let watchers = state.withLock { state in
            state.steps.append(step)
            return Array(state.watchers.values)
        }
        for watcher in watchers { watcher.yield() }
    }

    func finish(_ report: RunReport) {
        let (watchers, waiters) = state.withLock { state in
            state.report = report
            defer {
                state.watchers.removeAll()
                state.waiters.removeAll()
            }
            return (Array(state.watchers.values), state.waiters)
        }
        for watcher in watchers {
            watcher.yield()
            watcher.finish()
        }
        for waiter in waiters { waiter.resume(returning: report) }
    }

    /// The steps from `index` (0-based) on, and whether the run has ended.
    func steps(from index: Int) -> (steps: [Step], ended: Bool) {
        state.withLock { state in
            (index < state.steps.count ? Array(state.steps[index...]) : [], state.report != nil)
        }
    }

    /// A signal each time steps are added or the run ends (several at once arrive as one:
    /// the watcher reads ``steps(from:)``, so a slow one never loses a step and the server
    /// never queues more than one signal for it). It finishes once the run has ended.
    func changes() -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let open: Bool = state.withLock { state in
            guard state.report == nil else { return false }
            let key = state.nextWatcher
            state.nextWatcher += 1
            state.watchers[key] = continuation
            continuation.onTermination = { [weak self] _ in
                _ = self?.state.withLock { $0.watchers.removeValue(forKey: key) }
            }
            return true
        }
        if !open { continuation.finish() }
        return stream
    }

    /// Waits for the report.
    func report() async -> RunReport {
        await withCheckedContinuation { waiter in
            let done: RunReport? = state.withLock { state in
                if let report = state.report { return report }
                state.waiters.append(waiter)
                return nil
            }
            if let done { waiter.resume(returning: done) }
        }
    }
}
