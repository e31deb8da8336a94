import Foundation
import Logging
import NanosCore
import NanosKernel
import NanosManifest
import NanosStore
import Synchronization

/// Starts runs on threads of their own (a run blocks its thread for its whole length; the
/// server's event loops never wait on one), keeps those in progress for their watchers,
/// and holds the concurrent-run cap.
final class RunRegistry: Sendable {
    let store: TraceStore
    let maxRuns: Int
    let defaultAgent: String?
    let metrics: ServerMetrics
    private let runs = Mutex<[String: LiveRun]>([:])

    init(store: TraceStore, maxRuns: Int, defaultAgent: String?, metrics: ServerMetrics) {
        self.store = store
        self.maxRuns = maxRuns
        self.defaultAgent = defaultAgent
        self.metrics = metrics
    }

    /// What to start.
    enum Launch: Sendable {
        /// A manifest (from a file under the root, or inline), recorded as a new run.
        case manifest(Manifest, text: String, path: String)
        /// A checked fork or resume.
        case prepared(PreparedRun)

        var agent: String {
            switch self {
            case .manifest(let manifest, _, _): return manifest.name
            case .prepared(let prepared): return prepared.agent
            }
        }
    }

    func live(_ id: String) -> LiveRun? { runs.withLock { $0[id] } }
    var liveCount: Int { runs.withLock { $0.count } }

    /// Starts the run and returns at once; 429 when `maxRuns` are running.
    func start(_ launch: Launch) throws(APIError) -> LiveRun {
        let id: String
        if case .prepared(let prepared) = launch, let fixed = prepared.runID {
            id = fixed
        } else {
            id = RunInfo.newID()
        }
        let run = LiveRun(id: id, agent: launch.agent)
        let admitted = runs.withLock { runs in
            guard runs.count < maxRuns, runs[id] == nil else { return false }
            runs[id] = run
            return true
        }
        guard admitted else {
            var error = APIError(
                .tooManyRequests, "too_many_runs",
                "\(maxRuns) runs are already executing (--max-runs); try again when one ends")
            error.headers[.retryAfter] = "1"
            throw error
        }
        var recording = RunRecording()
        recording.observer = { [run] step in run.observe(step) }
        recording.cancellation = run.cancellation
        let options = RunOptions(defaultAgent: defaultAgent, recording: recording)
        startGuestThread(name: "nanos-run") { [self] in
            let recorded: RecordedRun
            switch launch {
            case .manifest(let manifest, let text, let path):
                recorded = Kernel.recordedRun(
                    manifest: manifest, manifestText: text, manifestPath: path, options: options, store: store,
                    runID: id)
            case .prepared(let prepared):
                recorded = prepared.run(options: options, runID: id)
            }
            if let error = recorded.storeError {
                ServeState.logger.error("run \(id) was not fully recorded: \(error)")
            }
            metrics.record(recorded.report)
            // Watchers are told after the store has the final state, so what they read next is final.
            runs.withLock { _ = $0.removeValue(forKey: id) }
            run.finish(recorded.report)
        }
        return run
    }

    /// Cancels every run in progress (the server is stopping).
    func cancelAll() {
        for run in runs.withLock({ Array($0.values) }) { run.cancellation.cancel() }
    }
}
