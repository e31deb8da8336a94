import Foundation
import Logging
import NanosCore
import NanosKernel
import NanosLLM
import NanosManifest
import NanosNATS
import NanosStore
import Synchronization

/// What a node is and what it allows.
public struct NodeOptions: Sendable {
    /// Its name in the fleet's state (who ran what).
    public var name: String
    /// Jobs it runs at once.
    public var capacity: Int
    public var policy: NodePolicy
    /// The folder jobs run in: their relative paths resolve here.
    public var root: String
    /// The node's own model, shared by its jobs.
    public var model: any LanguageModel
    /// The node's trace store; nil records nothing locally.
    public var store: TraceStore?
    public var logSink: @Sendable (_ agent: String, _ level: LogLevel, _ message: String) -> Void
    /// Told about each job the node takes, refuses and ends (the CLI prints them).
    public var events: @Sendable (_ line: String) -> Void

    public init(
        name: String, capacity: Int, policy: NodePolicy, root: String, model: any LanguageModel,
        store: TraceStore? = nil, logSink: @escaping @Sendable (String, LogLevel, String) -> Void = { _, _, _ in },
        events: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.name = name
        self.capacity = capacity
        self.policy = policy
        self.root = root
        self.model = model
        self.store = store
        self.logSink = logSink
        self.events = events
    }
}

/// A node: pulls agent jobs from the fleet's work queue, runs those its policy allows,
/// holds each with progress acks while it runs, and acks it once its result is in the
/// fleet's state. A job another node left unfinished (it died, so the job came back
/// after the ack wait) is resumed from the steps that node logged: no model call and no
/// effect is made twice.
public final class FleetNode: @unchecked Sendable {
    // Sendable: `running` is atomic; everything else is fixed at init.
    static let logger = Logger(label: "nanos.node")
    private let options: NodeOptions
    private let jetStream: JetStream
    private let state: KeyValue
    private let running = Atomic<Int>(0)
    private let stopped = Atomic<Bool>(false)

    public init(connection: NATSConnection, options: NodeOptions) throws(FleetError) {
        self.options = options
        do {
            jetStream = try connection.jetStream()
            state = try FleetInfrastructure.ensure(jetStream)
        } catch {
            throw FleetError(error)
        }
    }

    /// Pulls and runs jobs until ``stop()``; returns once the running jobs have ended.
    public func run() throws(FleetError) {
        let jobs: PullSubscription
        do {
            jobs = try jetStream.pullSubscribe(stream: FleetNames.jobStream, consumer: FleetNames.jobConsumer)
        } catch {
            throw FleetError(error)
        }
        defer { jobs.close() }
        while !stopped.load(ordering: .acquiring) {
            let free = options.capacity - running.load(ordering: .acquiring)
            guard free > 0 else {
                Thread.sleep(forTimeInterval: 0.05)
                continue
            }
            let messages: [JetStreamMessage]
            do {
                messages = try jobs.fetch(batch: free, timeout: .milliseconds(500))
            } catch {
                if case .connectionFailed = error { throw FleetError(error) }
                Self.logger.warning("fetching jobs failed", metadata: ["error": "\(error)"])
                Thread.sleep(forTimeInterval: 0.5)
                continue
            }
            for message in messages {
                running.add(1, ordering: .acquiringAndReleasing)
                startGuestThread(name: "nanos-node-job") { [self] in
                    take(message)
                    running.subtract(1, ordering: .acquiringAndReleasing)
                }
            }
        }
        while running.load(ordering: .acquiring) > 0 { Thread.sleep(forTimeInterval: 0.05) }
    }

    public func stop() {
        stopped.store(true, ordering: .releasing)
    }

    // MARK: One job

    private func take(_ message: JetStreamMessage) {
        let job: FleetJob
        do {
            job = try FleetJob(decoding: message.data)
        } catch {
            options.events("refused a malformed job: \(error)")
            try? message.term()
            return
        }
        let key = FleetNames.stateKey(fleet: job.fleetID, agent: job.agent)
        let previous = (try? state.get(key)).flatMap { FleetAgentState(decoding: $0.value, agent: job.agent) }
        if previous?.phase == .ended {
            // Its result is in: a late redelivery. Done is done.
            try? message.ack()
            return
        }
        guard job.deadline > Date() else {
            finish(
                job, message,
                FleetAgentResult(
                    name: job.agent, status: RunStatus.timeout.rawValue, exitCode: RunStatus.timeout.exitCode,
                    message: "the fleet's deadline passed before a node took the job", node: options.name))
            return
        }
        let manifest: Manifest
        do {
            manifest = try prepare(job)
        } catch {
            options.events("\(job.agent) (fleet \(job.fleetID)): refused: \(error)")
            finish(
                job, message,
                FleetAgentResult(
                    name: job.agent, status: "refused", exitCode: 3, message: "node \(options.name): \(error)",
                    node: options.name), terminate: true)
            return
        }
        let attempt = Int(clamping: message.deliveries)
        _ = try? state.put(key, FleetAgentState(phase: .running, node: options.name, attempt: attempt).encoded())
        // Held while it runs: without progress the job goes back to the queue after the ack wait.
        let done = Atomic<Bool>(false)
        startGuestThread(name: "nanos-node-heartbeat") {
            while !done.load(ordering: .acquiring) {
                try? message.inProgress()
                Thread.sleep(forTimeInterval: FleetInfrastructure.heartbeat.secondsValue)
            }
        }
        let result = execute(job, manifest: manifest, resuming: attempt > 1 || previous?.phase == .running)
        done.store(true, ordering: .releasing)
        finish(job, message, result.result, sent: result.sent)
    }

    /// The job's agent manifest, checked against the node's policy, with the module written
    /// where the node keeps modules and the MCP servers the node's policy defines.
    private func prepare(_ job: FleetJob) throws(FleetError) -> Manifest {
        let fleet: Manifest
        do {
            fleet = try Manifest.parse(
                yaml: job.manifestText, directory: options.root, sourcePath: "\(job.fleetName) (fleet \(job.fleetID))")
        } catch {
            throw .job("the job's manifest does not load: \(error.description)")
        }
        guard var manifest = fleet.agent(named: job.agent) else {
            throw .job("the job's manifest has no agent \(job.agent)")
        }
        try options.policy.check(manifest, servers: job.mcpServers)
        manifest.mcpServers = options.policy.mcpServers.filter { job.mcpServers.contains($0.name) }
        let folder = options.root + "/.nanos-node/modules"
        let path = folder + "/\(job.moduleHash).wasm"
        if !FileManager.default.fileExists(atPath: path) {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                try Data(job.module).write(to: URL(fileURLWithPath: path), options: .atomic)
            } catch {
                throw .job("cannot keep the module: \(error.localizedDescription)")
            }
        }
        manifest.binary = path
        return manifest
    }

    private func execute(_ job: FleetJob, manifest: Manifest, resuming: Bool) -> (
        result: FleetAgentResult, sent: [MessageFlow]
    ) {
        let logged: [Step]
        if resuming {
            logged =
                (try? StepLog.steps(
                    jetStream: jetStream, fleet: job.fleetID, agent: job.agent, limit: manifest.resources.maxSteps + 1))
                ?? []
            options.events("\(job.agent) (fleet \(job.fleetID)): resuming after \(logged.count) logged steps")
        } else {
            logged = []
            options.events("\(job.agent) (fleet \(job.fleetID)): running")
        }
        let bus: NATSBus
        do {
            if resuming { try FleetInfrastructure.resetInbox(jetStream, fleetID: job.fleetID, agent: job.agent) }
            bus = try NATSBus(fleet: job.fleetID, agent: job.agent, members: job.members, jetStream: jetStream)
        } catch {
            return (
                FleetAgentResult(
                    name: job.agent, status: RunStatus.failed.rawValue, exitCode: 1,
                    message: "the bus failed: \(error)", node: options.name), []
            )
        }
        defer { bus.close() }
        let name = job.agent
        let log = StepLog(jetStream: jetStream, fleet: job.fleetID, agent: job.agent, alreadyLogged: logged.count)
        var runOptions = RunOptions(
            logSink: { level, text in self.options.logSink(name, level, text) }, model: options.model, bus: bus)
        runOptions.recording.recorder = log
        if !logged.isEmpty { runOptions.recording.script = ReplayScript(steps: logged, continuation: .live) }
        var report: RunReport
        if let store = options.store {
            let recorded = Kernel.recordedRun(
                manifest: manifest, manifestText: job.manifestText, manifestPath: options.root + "/\(job.fleetID).nano",
                options: runOptions, store: store, fleet: job.fleetID)
            report = recorded.report
            report.runID = recorded.runID
        } else {
            report = Kernel.run(manifest: manifest, options: runOptions)
        }
        if let failure = log.failure {
            Self.logger.warning(
                "steps were not all logged: the run cannot be resumed past them",
                metadata: ["agent": "\(name)", "error": "\(failure)"])
        }
        options.events(
            "\(job.agent) (fleet \(job.fleetID)): \(report.status.rawValue) after \(report.steps.count) steps")
        return (FleetAgentResult(report, node: options.name), Self.sent(by: job.agent, report.steps))
    }

    /// The messages a run sent, by receiver, from its successful `agent.send` steps.
    static func sent(by agent: String, _ steps: [Step]) -> [MessageFlow] {
        var counts: [String: (messages: Int, bytes: Int)] = [:]
        var order: [String] = []
        for step in steps where step.outcome.isSuccess && (step.name == "agent.send" || step.name == "env.agent_send") {
            let to = String(decoding: step.args.bytes(0), as: UTF8.self)
            if counts[to] == nil { order.append(to) }
            counts[to, default: (0, 0)].messages += 1
            counts[to, default: (0, 0)].bytes += step.args.bytes(1).count
        }
        return order.map {
            MessageFlow(from: agent, to: $0, messages: counts[$0]?.messages ?? 0, bytes: counts[$0]?.bytes ?? 0)
        }
    }

    /// Puts the result in the fleet's state, then acks (or terminates) the job: a node that
    /// dies between the two leaves a job whose result is in, which the next node acks.
    private func finish(
        _ job: FleetJob, _ message: JetStreamMessage, _ result: FleetAgentResult, sent: [MessageFlow] = [],
        terminate: Bool = false
    ) {
        let key = FleetNames.stateKey(fleet: job.fleetID, agent: job.agent)
        _ = try? state.put(
            key,
            FleetAgentState(
                phase: .ended, node: options.name, attempt: Int(clamping: message.deliveries), result: result,
                sent: sent
            ).encoded())
        if terminate { try? message.term() } else { try? message.ackSync() }
    }
}

extension FleetError {
    /// NATS' failure as the fleet's: a refused credential stays distinct.
    public init(_ error: NATSError) {
        switch error {
        case .authorization(let text): self = .authorization(text)
        case .connectionFailed(let text), .timeout(let text): self = .connection(text)
        default: self = .connection(error.description)
        }
    }
}
