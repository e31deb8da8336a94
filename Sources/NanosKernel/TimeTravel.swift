import Foundation
import NanosCore
import NanosManifest
import NanosStore

/// A run that was recorded into the trace store.
public struct RecordedRun: Sendable {
    public var report: RunReport
    /// Nil when the run was not recorded (`storeError` says why).
    public var runID: String?
    /// Why recording failed; the run itself went on unrecorded.
    public var storeError: StoreError?
}

/// A replay of a recorded run, set against its record.
public struct ReplayResult: Sendable {
    public var recorded: StoredRun
    public var report: RunReport
    /// The first step at which the replay's trace differs from the record (up to
    /// `--until`), or nil when every step is identical.
    public var difference: TraceComparison.Difference?
    /// The steps the replay was to reproduce.
    public var expectedSteps: Int
}

/// A fork or resume that passed its checks, to be run once (on any thread).
public struct PreparedRun: Sendable {
    public let agent: String
    /// The id the run is recorded under when it is fixed in advance (a resume keeps its own).
    public let runID: String?
    private let body: @Sendable (RunOptions, String?) -> RecordedRun

    init(agent: String, runID: String? = nil, body: @escaping @Sendable (RunOptions, String?) -> RecordedRun) {
        self.agent = agent
        self.runID = runID
        self.body = body
    }

    /// Runs it, recorded under `runID` (a new id if nil).
    public func run(options: RunOptions, runID: String? = nil) -> RecordedRun {
        body(options, runID)
    }
}

/// Why a replay, fork or resume could not start.
public enum TimeTravelError: Error, Sendable, CustomStringConvertible {
    case store(StoreError)
    case manifest(String)
    case module(String)
    /// The module at the recorded path is not the one recorded.
    case moduleChanged(path: String, recorded: String, now: String)
    case stepOutOfRange(step: Int, steps: Int)
    case notInterrupted(run: String, status: String)

    public var description: String {
        switch self {
        case .store(let error): return error.description
        case .manifest(let message): return "the recorded manifest no longer loads: \(message)"
        case .module(let message): return message
        case .moduleChanged(let path, let recorded, let now):
            return "\(path) is not the module that was recorded (recorded \(recorded.prefix(16)), now "
                + "\(now.prefix(16))): the guest was rebuilt or replaced. --force replays it anyway, up to "
                + "the first step where it diverges."
        case .stepOutOfRange(let step, let steps): return "step \(step) is not in the run: it has steps 1 to \(steps)"
        case .notInterrupted(let run, let status):
            return "run \(run) is \(status), not interrupted: only a run whose process ended mid-run can be resumed"
        }
    }
}

/// Record, replay, fork and resume (docs/replay.md): library calls that every front end
/// uses; the CLI only presents them.
extension Kernel {
    /// Runs the agent and records it into `store`. `manifestText` is the manifest as it was
    /// read (kept so the run can be replayed under the same limits and grants). `runID`: the
    /// id to record it under (a server hands it out before the run ends); a new one if nil.
    /// `fleet`: the fleet run the agent is one of; its manifest is then the fleet's.
    public static func recordedRun(
        manifest: Manifest, manifestText: String, manifestPath: String, options: RunOptions, store: TraceStore,
        parent: (run: String, step: Int)? = nil, runID: String? = nil, fleet: String? = nil
    ) -> RecordedRun {
        let started = ContinuousClock.now
        guard let binary = manifest.binary ?? options.defaultAgent else {
            return RecordedRun(report: run(manifest: manifest, options: options), runID: nil, storeError: nil)
        }
        let image: AgentImage
        do throws(ImageError) {
            image = try loadImage(path: binary)
        } catch {
            return RecordedRun(
                report: Core.failedReport(manifest, error.description, status: .invalidModule), runID: nil,
                storeError: nil)
        }
        var info = RunInfo(
            id: runID ?? RunInfo.newID(), agent: manifest.name, manifestPath: manifestPath,
            manifestText: manifestText, modulePath: binary, moduleHash: image.digest, parent: parent?.run,
            forkStep: parent?.step)
        info.fleet = fleet
        let recorder: RunRecorder
        do throws(StoreError) {
            recorder = try store.begin(info)
        } catch {
            return RecordedRun(
                report: run(manifest: manifest, image: image, options: options, started: started), runID: nil,
                storeError: error)
        }
        var options = options
        // A recorder the caller brought (a fleet's step log) sees the steps after the store.
        options.recording.recorder = options.recording.recorder.map { RecorderChain([recorder, $0]) } ?? recorder
        let report = run(manifest: manifest, image: image, options: options, started: started)
        do throws(StoreError) {
            try recorder.finish(report)
            return RecordedRun(report: report, runID: info.id, storeError: nil)
        } catch {
            return RecordedRun(report: report, runID: info.id, storeError: error)
        }
    }

    /// Runs a recorded run again, every call answered from its record: no model, tool,
    /// network or file is touched (the run gets no services). `until` stops after that step.
    /// A module that is not the recorded one is refused unless `force`.
    public static func replay(
        _ id: String, store: TraceStore, until: Int? = nil, force: Bool = false,
        logSink: @escaping LogSink = { _, _ in }
    ) throws(TimeTravelError) -> ReplayResult {
        let recorded = try storedRun(id, store)
        if let until, until < 0 || until > recorded.steps.count {
            throw .stepOutOfRange(step: until, steps: recorded.steps.count)
        }
        let (manifest, image) = try load(recorded.info, force: force)
        let expected = until.map { Array(recorded.steps.prefix($0)) } ?? recorded.steps
        // A record the guest did not end (a timeout, a kill) ends where the record does.
        let unfinished = [
            "interrupted", "running", RunStatus.timeout.rawValue, RunStatus.stopped.rawValue,
            RunStatus.cancelled.rawValue,
        ]
        let continuation: ReplayScript.Continuation =
            until != nil || unfinished.contains(recorded.info.status) ? .stop : .diverge
        let options = RunOptions(
            logSink: logSink,
            recording: RunRecording(script: ReplayScript(steps: expected, continuation: continuation)))
        let report = run(manifest: manifest, image: image, options: options)
        return ReplayResult(
            recorded: recorded, report: report,
            difference: TraceComparison.firstDifference(expected, report.steps), expectedSteps: expected.count)
    }

    /// Replays a recorded run up to step `step`, answers that step with `outcome` instead,
    /// and runs on live under the manifest's grants; the new run is recorded with its parent.
    public static func fork(
        _ id: String, at step: Int, outcome: SyscallOutcome, store: TraceStore, options: RunOptions,
        force: Bool = false, runID: String? = nil
    ) throws(TimeTravelError) -> RecordedRun {
        try prepareFork(id, at: step, outcome: outcome, store: store, force: force).run(options: options, runID: runID)
    }

    /// A fork that has passed its checks (the run and step exist, the module is the recorded
    /// one), ready to run: a server answers a bad request before anything starts.
    public static func prepareFork(
        _ id: String, at step: Int, outcome: SyscallOutcome, store: TraceStore, force: Bool = false
    ) throws(TimeTravelError) -> PreparedRun {
        let recorded = try storedRun(id, store)
        guard step >= 1, step <= recorded.steps.count else {
            throw .stepOutOfRange(step: step, steps: recorded.steps.count)
        }
        let (forked, _) = try load(recorded.info, force: force)
        let script = ReplayScript(
            steps: Array(recorded.steps.prefix(step - 1)),
            replacement: ReplayScript.Replacement(recorded: recorded.steps[step - 1], outcome: outcome),
            continuation: .live)
        return PreparedRun(agent: forked.name) { options, runID in
            var options = options
            options.recording.script = script
            return recordedRun(
                manifest: forked, manifestText: recorded.info.manifestText,
                manifestPath: recorded.info.manifestPath, options: options, store: store,
                parent: (recorded.info.id, step), runID: runID)
        }
    }

    /// Continues an interrupted run: its recorded steps are answered from the record (no
    /// model answer is asked for twice, no recorded effect is done twice), then it runs on
    /// live; the new steps are added to the same run.
    public static func resume(_ id: String, store: TraceStore, options: RunOptions) throws(TimeTravelError)
        -> RecordedRun
    {
        try prepareResume(id, store: store).run(options: options)
    }

    /// A resume that has passed its checks; the run is marked running again in the store.
    /// It keeps its id (a `runID` given to ``PreparedRun/run(options:runID:)`` is ignored).
    public static func prepareResume(_ id: String, store: TraceStore) throws(TimeTravelError) -> PreparedRun {
        let recorded = try storedRun(id, store)
        guard recorded.info.isInterrupted else {
            throw .notInterrupted(run: recorded.info.id, status: recorded.info.status)
        }
        let (manifest, image) = try load(recorded.info, force: false)
        let recorder: RunRecorder
        do throws(StoreError) {
            recorder = try store.resume(recorded.info.id)
        } catch {
            throw .store(error)
        }
        return PreparedRun(agent: manifest.name, runID: recorded.info.id) { options, _ in
            var options = options
            options.recording.script = ReplayScript(steps: recorded.steps, continuation: .live)
            options.recording.recorder = recorder
            let report = run(manifest: manifest, image: image, options: options)
            do throws(StoreError) {
                try recorder.finish(report)
                return RecordedRun(report: report, runID: recorded.info.id, storeError: nil)
            } catch {
                return RecordedRun(report: report, runID: recorded.info.id, storeError: error)
            }
        }
    }

    private static func storedRun(_ id: String, _ store: TraceStore) throws(TimeTravelError) -> StoredRun {
        do {
            return try store.run(id)
        } catch {
            throw .store(error)
        }
    }

    /// The recorded manifest (read from its recorded text, its paths resolved from its
    /// recorded folder) and the module at the recorded path, checked against its hash.
    private static func load(_ info: RunInfo, force: Bool) throws(TimeTravelError) -> (Manifest, AgentImage) {
        var manifest: Manifest
        do {
            manifest = try Manifest.parse(
                yaml: info.manifestText, directory: (info.manifestPath as NSString).deletingLastPathComponent,
                sourcePath: info.manifestPath)
        } catch {
            throw .manifest(error.description)
        }
        // A fleet agent's run recorded the fleet's manifest: it runs as that agent.
        if !manifest.agents.isEmpty {
            guard let agent = manifest.agent(named: info.agent) else {
                throw .manifest("the recorded fleet manifest has no agent named \(info.agent)")
            }
            manifest = agent
        }
        manifest.binary = info.modulePath
        let image: AgentImage
        do throws(ImageError) {
            image = try loadImage(path: info.modulePath)
        } catch {
            throw .module(error.description)
        }
        if image.digest != info.moduleHash, !force {
            throw .moduleChanged(path: info.modulePath, recorded: info.moduleHash, now: image.digest)
        }
        return (manifest, image)
    }
}
