import Foundation
import NanosCore
import NanosKernel
import NanosLLM
import NanosManifest
import NanosStore
import Synchronization

/// How a suite is run.
public struct EvalOptions: Sendable {
    /// The model's compute threads for every task (`model.threads`); nil keeps each
    /// manifest's own setting.
    public var threads: Int?
    /// The agent run when a task's manifest has no `binary:` (the default agent).
    public var defaultAgent: String?
    /// Where each task's run is recorded, so a failed task can be replayed; nil records nothing.
    public var store: TraceStore?
    /// Called with each task's result as soon as it is known.
    public var onResult: (@Sendable (EvalResult) -> Void)?

    public init(
        threads: Int? = nil, defaultAgent: String? = nil, store: TraceStore? = nil,
        onResult: (@Sendable (EvalResult) -> Void)? = nil
    ) {
        self.threads = threads
        self.defaultAgent = defaultAgent
        self.store = store
        self.onResult = onResult
    }
}

/// Runs a suite's tasks one after another, each on a fresh copy of its folder, and
/// checks what each run left behind. Tasks with the same model configuration share one
/// loaded model, as the agents of one process would.
public enum EvalRunner {
    public static func run(_ suite: EvalSuite, options: EvalOptions) -> EvalReport {
        let models = ModelShelf()
        var results: [EvalResult] = []
        for task in suite.tasks {
            let result = run(task, options: options, models: models)
            options.onResult?(result)
            results.append(result)
        }
        return EvalReport(suite: suite.path, threads: options.threads, results: results)
    }

    static func run(_ task: EvalSuite.Task, options: EvalOptions, models: ModelShelf) -> EvalResult {
        let started = ContinuousClock.now
        var result = EvalResult(task: task.name)
        let copy: String
        do throws(EvalError) {
            copy = try TaskFolder.copy(task.folder)
        } catch {
            result.failures = [error.description]
            return result
        }
        defer { TaskFolder.remove(copy) }
        do throws(EvalError) {
            let before = try TaskFolder.snapshot(copy)
            let report = try runAgent(in: copy, options: options, models: models)
            let after = try TaskFolder.snapshot(copy)
            result.record(report)
            result.failures = task.check.failures(
                status: report.status.rawValue, summary: report.summary, before: before, after: after,
                read: { TaskFolder.text(copy, $0) })
        } catch {
            // The error names the scratch copy; the user knows the task's own folder.
            result.failures = [error.description.replacingOccurrences(of: copy, with: task.folder)]
        }
        result.wallNanoseconds = UInt64(clamping: (ContinuousClock.now - started).nanosecondCount)
        return result
    }

    private static func runAgent(in folder: String, options: EvalOptions, models: ModelShelf) throws(EvalError)
        -> RunReport
    {
        var (manifest, text, path): (Manifest, String, String)
        do {
            (manifest, text, path) = try Manifest.read(path: folder + "/" + EvalSuite.manifestName)
        } catch {
            throw .invalidTask(folder, error.description)
        }
        if let threads = options.threads { manifest.model?.threads = threads }
        let runOptions = RunOptions(model: models.model(for: manifest.model), defaultAgent: options.defaultAgent)
        guard let store = options.store else { return Kernel.run(manifest: manifest, options: runOptions) }
        let recorded = Kernel.recordedRun(
            manifest: manifest, manifestText: text, manifestPath: path, options: runOptions, store: store)
        var report = recorded.report
        report.runID = recorded.runID
        return report
    }
}

/// One loaded model per configuration, for the whole suite.
final class ModelShelf: Sendable {
    private let shelf = Mutex<[(config: ModelConfig?, model: any LanguageModel)]>([])

    func model(for config: ModelConfig?) -> any LanguageModel {
        shelf.withLock { shelf in
            if let known = shelf.first(where: { $0.config == config }) { return known.model }
            let model = LanguageModels.make(for: config)
            shelf.append((config, model))
            return model
        }
    }
}
