import ArgumentParser
import Foundation
import NanosBundle
import NanosDashboard
import NanosFleet
import NanosStore

struct DashboardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "A live terminal view of runs and fleets, with step-through and fork.",
        discussion: """
            Three ways to start it: with a fleet manifest it runs the fleet here and shows \
            its agents; with --attach it watches a `nanos serve` through its API; with \
            neither it browses the trace store (--db, default $NANOS_DB or \
            ~/.local/share/nanos/runs.db).

            The table shows each run's status, step, last call, tokens, fuel, memory and \
            elapsed time, with an event log (denials, errors, messages between agents) and \
            sparklines of tokens/s and memory. Keys: ↑↓ or j/k move, Enter opens a run's \
            steps (every byte of the selected one), Esc goes back, / filters, f forks from \
            the selected step (its outcome opens in $EDITOR; the fork starts and is \
            followed), c cancels a run, ? shows help, q quits. NO_COLOR turns colour off. \
            On a non-terminal it prints one plain snapshot and exits (a fleet: when it has \
            ended).
            """
    )

    @Argument(help: "A fleet manifest to run and watch.")
    var manifest: String?

    @Option(name: .long, help: "Watch a `nanos serve` at this address, e.g. http://127.0.0.1:8080.")
    var attach: String?

    @Option(name: .long, help: "With --attach: a file holding the server's token.")
    var tokenFile: String?

    @OptionGroup var store: StoreOptions

    @Flag(name: .long, help: "With a fleet: do not record its runs (nothing to fork from then).")
    var noRecord = false

    @Flag(name: .long, help: "At exit, print how many redraws were made and the CPU time they took.")
    var stats = false

    @OptionGroup var global: GlobalOptions

    func run() throws {
        global.bootstrapLogging()
        let console = Console()
        let source: any DashboardSource
        var fleet: FleetDashboardSource?
        if let attach {
            guard let url = URL(string: attach), url.scheme == "http" || url.scheme == "https", url.host != nil else {
                console.error("--attach \(attach): expected an address such as http://127.0.0.1:8080")
                throw ExitCode(2)
            }
            var token: String?
            if let tokenFile {
                guard let text = SecretFile.read(tokenFile) else {
                    console.error("--token-file \(tokenFile): cannot read a token from its first line")
                    throw ExitCode(2)
                }
                token = text
            }
            source = ServeDashboardSource(baseURL: url, token: token)
        } else if let manifest {
            let plan: FleetPlan
            do {
                plan = try FleetPlan.load(path: manifest)
            } catch {
                console.error(error.description)
                throw ExitCode(2)
            }
            var options = FleetOptions(store: noRecord ? nil : store.open(console))
            if plan.agents.contains(where: { $0.binary == nil }) {
                options.defaultAgent = try? DefaultAgent.locate()
            }
            let running = FleetDashboardSource(plan: plan, options: options)
            running.start()
            fleet = running
            source = running
        } else {
            source = StoreDashboardSource(store: try store.required(console), path: store.path)
        }
        let colour = ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        let dashboard = Dashboard(source: source, colour: colour)
        guard Terminal.isInteractive else {
            if let fleet { while !fleet.isFinished { Thread.sleep(forTimeInterval: 0.1) } }
            print(dashboard.snapshot())
            return
        }
        dashboard.run()
        if stats {
            let seconds = dashboard.elapsedSeconds
            console.line(
                String(
                    format: "dashboard: %d redraws in %.1f s; drawing took %.3f s of CPU, %.2f%% of one core",
                    dashboard.redraws, seconds, dashboard.drawingSeconds, dashboard.drawingSeconds / seconds * 100))
        }
    }
}
