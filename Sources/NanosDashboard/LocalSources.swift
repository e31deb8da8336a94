import Foundation
import NanosCore
import NanosFleet
import NanosKernel
import NanosStore
import Synchronization

/// A fleet run in this process, shown as it runs: one row per agent.
public final class FleetDashboardSource: DashboardSource {
    public let title: String
    private let plan: FleetPlan
    private let options: FleetOptions
    private let book = RunBook()
    private let ended = Atomic<Bool>(false)

    public init(plan: FleetPlan, options: FleetOptions) {
        self.plan = plan
        self.options = options
        title = "fleet \(plan.manifest.name)"
        for agent in plan.names { book.add(DashboardRow(id: agent, name: agent, status: "running")) }
    }

    /// Starts the fleet on its own thread; `done` gets its report when it ends.
    public func start(done: @escaping @Sendable (FleetReport) -> Void = { _ in }) {
        var options = options
        let book = book
        options.observer = { agent, step in book.observe(step, row: agent) }
        options.onStart = { agent, cancellation in book.setCancellation(cancellation, for: agent) }
        options.onEnd = { result in
            book.end(
                row: result.name, status: result.status, runID: result.runID,
                seconds: result.durationMilliseconds / 1000, message: result.message)
        }
        let plan = plan
        let fleetOptions = options
        startGuestThread(name: "nanos-dashboard-fleet") { [self] in
            let report = LocalFleet.run(plan, options: fleetOptions)
            ended.store(true, ordering: .releasing)
            done(report)
        }
    }

    public func snapshot() -> (rows: [DashboardRow], events: [DashboardEvent]) { (book.rows(), book.events()) }

    public func steps(of row: DashboardRow) -> [Step] { book.steps(of: row.id) ?? [] }

    public func cancel(_ row: DashboardRow) -> String { LocalForks.cancel(row, book) }

    public func fork(_ row: DashboardRow, at step: Int, outcome: SyscallOutcome) -> Result<String, DashboardError> {
        guard let store = options.store else {
            return .failure(DashboardError("the fleet is not recorded (--no-record): there is nothing to fork from"))
        }
        guard let runID = row.runID, !row.isLive else {
            return .failure(DashboardError("\(row.name) is still running: fork it once it has ended"))
        }
        return LocalForks.start(store: store, run: runID, step: step, outcome: outcome, name: row.name, book: book)
    }

    public var isFinished: Bool { ended.load(ordering: .acquiring) && !book.rows().contains(where: \.isLive) }
}

/// The runs of a trace store, newest first, and the forks started from here.
public final class StoreDashboardSource: DashboardSource {
    public let title: String
    private let store: TraceStore
    private let book = RunBook()
    private let cached = Mutex<(rows: [DashboardRow], at: ContinuousClock.Instant?)>(([], nil))
    /// How often the store is read again.
    static let refresh = Duration.seconds(1)

    public init(store: TraceStore, path: String) {
        self.store = store
        title = "store \(path)"
    }

    public func snapshot() -> (rows: [DashboardRow], events: [DashboardEvent]) {
        let live = book.rows()
        let stored = cached.withLock { cache -> [DashboardRow] in
            if let at = cache.at, at.duration(to: .now) < Self.refresh { return cache.rows }
            let rows = ((try? store.runs(limit: 500)) ?? []).map(Self.row)
            cache = (rows, .now)
            return rows
        }
        let liveIDs = Set(live.map(\.id))
        return (live + stored.filter { !liveIDs.contains($0.id) }, book.events())
    }

    static func row(_ run: RunInfo) -> DashboardRow {
        DashboardRow(
            id: run.id, name: run.agent, status: run.status, steps: run.steps, tokens: run.tokens, fuel: run.fuel,
            elapsedSeconds: run.endedAt.map { $0.timeIntervalSince(run.startedAt) } ?? 0, runID: run.id,
            parent: run.parent)
    }

    public func steps(of row: DashboardRow) -> [Step] {
        book.steps(of: row.id) ?? (try? store.steps(of: row.runID ?? row.id)) ?? []
    }

    public func cancel(_ row: DashboardRow) -> String { LocalForks.cancel(row, book) }

    public func fork(_ row: DashboardRow, at step: Int, outcome: SyscallOutcome) -> Result<String, DashboardError> {
        LocalForks.start(
            store: store, run: row.runID ?? row.id, step: step, outcome: outcome, name: row.name, book: book)
    }

    public var isFinished: Bool { true }
}

/// Forks started from the dashboard, run here and followed live.
enum LocalForks {
    static func start(
        store: TraceStore, run: String, step: Int, outcome: SyscallOutcome, name: String, book: RunBook
    ) -> Result<String, DashboardError> {
        let prepared: PreparedRun
        do {
            prepared = try Kernel.prepareFork(run, at: step, outcome: outcome, store: store)
        } catch {
            return .failure(DashboardError(error.description))
        }
        let id = RunInfo.newID()
        book.add(DashboardRow(id: id, name: name, status: "running", runID: id, parent: run))
        let cancellation = RunCancellation()
        book.setCancellation(cancellation, for: id)
        var options = RunOptions()
        options.recording.observer = { book.observe($0, row: id) }
        options.recording.cancellation = cancellation
        let runOptions = options
        startGuestThread(name: "nanos-dashboard-fork") {
            let recorded = prepared.run(options: runOptions, runID: id)
            book.end(
                row: id, status: recorded.report.status.rawValue, runID: recorded.runID ?? id,
                seconds: Double(recorded.report.durationNanoseconds) / 1e9, message: recorded.report.message)
        }
        book.note(DashboardEvent(.info, agent: name, text: "forked \(run) at step \(step) as \(id)"))
        return .success(id)
    }

    static func cancel(_ row: DashboardRow, _ book: RunBook) -> String {
        guard row.isLive, let cancellation = book.cancellation(for: row.id) else {
            return "\(row.name) is not running here: nothing to cancel"
        }
        cancellation.cancel()
        return "cancelling \(row.name)"
    }
}
