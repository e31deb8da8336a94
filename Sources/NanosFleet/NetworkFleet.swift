import Foundation
import NanosCore
import NanosKernel
import NanosNATS
import NanosStore

/// The orchestrator of a fleet across machines: it puts one job per agent on the
/// JetStream work queue, makes each agent's inbox, and watches the fleet's state until
/// every agent has ended or the fleet's deadline passes. It runs no agent itself.
public enum NetworkFleet {
    /// How often the fleet's state is read while waiting.
    static let pollInterval = Duration.milliseconds(100)

    public static func run(
        _ plan: FleetPlan, connection: NATSConnection, defaultAgent: String?, fleetID: String = RunInfo.newID(),
        events: @escaping @Sendable (String) -> Void = { _ in }
    ) throws(FleetError) -> FleetReport {
        let started = ContinuousClock.now
        let jetStream: JetStream
        let state: KeyValue
        do {
            jetStream = try connection.jetStream()
            state = try FleetInfrastructure.ensure(jetStream)
        } catch {
            throw FleetError(error)
        }
        let jobs = try FleetJob.jobs(
            for: plan, fleetID: fleetID, defaultAgent: defaultAgent, deadline: Date() + plan.deadline.secondsValue)
        do {
            try FleetInfrastructure.addInboxes(jetStream, fleetID: fleetID, agents: plan.names)
            for agent in plan.names {
                _ = try state.put(
                    FleetNames.stateKey(fleet: fleetID, agent: agent), FleetAgentState(phase: .queued).encoded())
            }
            for job in jobs { try jetStream.publish(FleetNames.jobSubject, job.encoded()) }
        } catch {
            FleetInfrastructure.removeInboxes(jetStream, fleetID: fleetID, agents: plan.names)
            throw FleetError(error)
        }
        defer { FleetInfrastructure.removeInboxes(jetStream, fleetID: fleetID, agents: plan.names) }
        events("fleet \(plan.manifest.name) (\(fleetID)): \(jobs.count) jobs queued")

        var seen: [String: FleetAgentState] = [:]
        let deadline = started + plan.deadline
        while ContinuousClock.now < deadline {
            for agent in plan.names where seen[agent]?.phase != .ended {
                guard let entry = try? state.get(FleetNames.stateKey(fleet: fleetID, agent: agent)),
                    let current = FleetAgentState(decoding: entry.value, agent: agent)
                else { continue }
                if current != seen[agent] { events(describe(agent, current)) }
                seen[agent] = current
            }
            if plan.names.allSatisfy({ seen[$0]?.phase == .ended }) { break }
            Thread.sleep(forTimeInterval: pollInterval.secondsValue)
        }
        let deadlinePassed = !plan.names.allSatisfy { seen[$0]?.phase == .ended }
        let agents = plan.names.map { agent in
            seen[agent]?.result
                ?? FleetAgentResult(
                    name: agent, status: "lost", exitCode: 1,
                    message: seen[agent]?.phase == .running
                        ? "still running on \(seen[agent]?.node ?? "a node") when the fleet's deadline passed"
                        : "no node took the job before the fleet's deadline", node: seen[agent]?.node)
        }
        return FleetReport(
            fleetID: fleetID, fleetName: plan.manifest.name, agents: agents,
            flow: plan.names.flatMap { seen[$0]?.sent ?? [] },
            durationMilliseconds: started.duration(to: .now).millisecondsValue, deadlinePassed: deadlinePassed)
    }

    private static func describe(_ agent: String, _ state: FleetAgentState) -> String {
        switch state.phase {
        case .queued: return "\(agent): queued"
        case .running:
            return "\(agent): \(state.attempt > 1 ? "resumed" : "running") on \(state.node ?? "a node")"
                + (state.attempt > 1 ? " (attempt \(state.attempt))" : "")
        case .ended:
            let result = state.result
            return "\(agent): \(result?.status ?? "ended") on \(state.node ?? "a node")"
                + (result.flatMap { $0.isOK ? nil : $0.message }.map { ": \($0)" } ?? "")
        }
    }
}
