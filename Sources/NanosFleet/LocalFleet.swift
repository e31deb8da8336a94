import Foundation
import Logging
import NanosCore
import NanosKernel
import NanosLLM
import NanosManifest
import NanosStore
import Synchronization

/// What a fleet run needs from its front end.
public struct FleetOptions: Sendable {
    /// One model for every agent (they share its weights and its decode engine); nil
    /// makes it from the fleet manifest's `model:`.
    public var model: (any LanguageModel)?
    /// The module for agents whose manifest names none.
    public var defaultAgent: String?
    /// Where every agent's run is recorded, under the fleet's id; nil records nothing.
    public var store: TraceStore?
    /// An agent's log lines, tagged with its name.
    public var logSink: @Sendable (_ agent: String, _ level: LogLevel, _ message: String) -> Void
    /// Sees each agent's steps as they are made (a live view).
    public var observer: (@Sendable (_ agent: String, _ step: Step) -> Void)?
    /// Told when each agent starts (with what cancels it) and how it ended (a live view).
    public var onStart: (@Sendable (_ agent: String, _ cancellation: RunCancellation) -> Void)?
    public var onEnd: (@Sendable (FleetAgentResult) -> Void)?
    /// Each agent's bus, when not the fleet's in-process one (a benchmark runs the agents
    /// here with their inboxes on NATS).
    public var bus: (@Sendable (_ agent: String) throws(FleetError) -> any MessageBus)?

    public init(
        model: (any LanguageModel)? = nil, defaultAgent: String? = nil, store: TraceStore? = nil,
        logSink: @escaping @Sendable (String, LogLevel, String) -> Void = { _, _, _ in },
        observer: (@Sendable (String, Step) -> Void)? = nil
    ) {
        self.model = model
        self.defaultAgent = defaultAgent
        self.store = store
        self.logSink = logSink
        self.observer = observer
    }
}

/// A fleet in one process: every agent on its own thread, one shared model, one
/// ``LocalBus``. It ends when every agent has ended or when its deadline passes; then
/// the agents still running are cancelled and their waits ended.
public enum LocalFleet {
    static let logger = Logger(label: "nanos.fleet")

    public static func run(_ plan: FleetPlan, options: FleetOptions, fleetID: String = RunInfo.newID()) -> FleetReport {
        let started = ContinuousClock.now
        let bus = LocalBus(members: plan.names)
        let model = options.model ?? LanguageModels.make(for: plan.manifest.model)
        let results = Mutex<[FleetAgentResult?]>(Array(repeating: nil, count: plan.agents.count))
        let cancellations = plan.agents.map { _ in RunCancellation() }
        let finished = DispatchGroup()
        logger.debug("fleet starting", metadata: ["fleet": "\(fleetID)", "agents": "\(plan.agents.count)"])
        for (index, manifest) in plan.agents.enumerated() {
            let name = manifest.name
            let agentBus: any MessageBus
            do throws(FleetError) {
                agentBus = try options.bus?(name) ?? bus
            } catch {
                results.withLock {
                    $0[index] = FleetAgentResult(
                        name: name, status: RunStatus.failed.rawValue, exitCode: 1, message: error.description)
                }
                continue
            }
            finished.enter()
            var runOptions = RunOptions(
                logSink: { level, message in options.logSink(name, level, message) }, model: model,
                defaultAgent: options.defaultAgent, bus: agentBus)
            runOptions.recording.cancellation = cancellations[index]
            if let observer = options.observer { runOptions.recording.observer = { observer(name, $0) } }
            let agentOptions = runOptions
            options.onStart?(name, cancellations[index])
            startGuestThread(name: "nanos-fleet-\(name)") {
                let report = runAgent(
                    manifest, plan: plan, options: agentOptions, store: options.store, fleetID: fleetID)
                let result = FleetAgentResult(report)
                results.withLock { $0[index] = result }
                options.onEnd?(result)
                finished.leave()
            }
        }
        let deadlinePassed = finished.wait(timeout: .now() + plan.deadline.secondsValue) == .timedOut
        if deadlinePassed {
            let reason = "the fleet's deadline (\(plan.deadline)) passed"
            bus.close(reason: reason)
            for cancellation in cancellations { cancellation.cancel() }
            // A cancelled run ends at its next syscall or metered region: soon.
            finished.wait()
        }
        let agents = results.withLock { $0 }.enumerated().map { index, result in
            result ?? FleetAgentResult(name: plan.agents[index].name, status: "lost", exitCode: 1)
        }
        return FleetReport(
            fleetID: fleetID, fleetName: plan.manifest.name, agents: agents, flow: bus.flow(),
            durationMilliseconds: started.duration(to: .now).millisecondsValue, deadlinePassed: deadlinePassed)
    }

    /// One agent's run, recorded under the fleet when there is a store.
    static func runAgent(
        _ manifest: Manifest, plan: FleetPlan, options: RunOptions, store: TraceStore?, fleetID: String
    ) -> RunReport {
        guard let store else { return Kernel.run(manifest: manifest, options: options) }
        let recorded = Kernel.recordedRun(
            manifest: manifest, manifestText: plan.manifestText, manifestPath: plan.manifestPath, options: options,
            store: store, fleet: fleetID)
        var report = recorded.report
        report.runID = recorded.runID
        if let error = recorded.storeError {
            logger.warning(
                "an agent's run was not fully recorded", metadata: ["agent": "\(manifest.name)", "error": "\(error)"])
        }
        return report
    }
}
