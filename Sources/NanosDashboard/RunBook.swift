import Foundation
import NanosCore
import NanosFleet
import Synchronization

/// Runs the dashboard watches as they happen (a fleet's agents, the forks it started):
/// their rows, every step, the latest events, and what cancels each. Written from the
/// runs' threads, read by the dashboard's.
final class RunBook: Sendable {
    private struct State {
        var rows: [String: DashboardRow] = [:]
        var order: [String] = []
        var steps: [String: [Step]] = [:]
        var started: [String: ContinuousClock.Instant] = [:]
        var cancellations: [String: RunCancellation] = [:]
        var events: [DashboardEvent] = []
    }

    /// Events kept for the log.
    static let eventLimit = 200
    private let state = Mutex(State())

    func add(_ row: DashboardRow) {
        state.withLock { state in
            if state.rows[row.id] == nil { state.order.append(row.id) }
            state.rows[row.id] = row
            state.started[row.id] = .now
        }
    }

    func setCancellation(_ cancellation: RunCancellation, for id: String) {
        state.withLock { $0.cancellations[id] = cancellation }
    }

    func cancellation(for id: String) -> RunCancellation? {
        state.withLock { $0.cancellations[id] }
    }

    /// A step of the run behind row `id`.
    func observe(_ step: Step, row id: String) {
        state.withLock { state in
            guard var row = state.rows[id] else { return }
            row.status = "running"
            row.steps = step.index
            row.lastCall = step.name
            row.tokens += Int((step.counters["prompt_tokens"] ?? 0) + (step.counters["generated_tokens"] ?? 0))
            row.fuel += step.fuelUsed  // a step carries the fuel used since the one before
            row.memory = step.memoryBytes
            state.rows[id] = row
            state.steps[id, default: []].append(step)
            if let event = DashboardEvent.of(step, agent: row.name) { Self.append(event, to: &state.events) }
        }
    }

    /// How the run behind row `id` ended.
    func end(row id: String, status: String, runID: String?, seconds: Double, message: String?) {
        state.withLock { state in
            guard var row = state.rows[id] else { return }
            row.status = status
            row.runID = runID ?? row.runID
            row.elapsedSeconds = seconds
            state.rows[id] = row
            state.cancellations[id] = nil
            if status != "ok" {
                Self.append(
                    DashboardEvent(
                        .error, agent: row.name, text: "ended \(status)" + (message.map { ": \($0)" } ?? "")),
                    to: &state.events)
            }
        }
    }

    func rows() -> [DashboardRow] {
        state.withLock { state in
            state.order.compactMap { id in
                guard var row = state.rows[id] else { return nil }
                if row.isLive, let started = state.started[id] {
                    row.elapsedSeconds = started.duration(to: .now).secondsValue
                }
                return row
            }
        }
    }

    func events() -> [DashboardEvent] { state.withLock { $0.events } }

    func steps(of id: String) -> [Step]? { state.withLock { $0.steps[id] } }

    func note(_ event: DashboardEvent) { state.withLock { Self.append(event, to: &$0.events) } }

    private static func append(_ event: DashboardEvent, to events: inout [DashboardEvent]) {
        events.append(event)
        if events.count > eventLimit { events.removeFirst(events.count - eventLimit) }
    }
}
