import ArgumentParser
import Foundation
import NanosBundle
import NanosFleet
import NanosKernel
import NanosManifest

struct OrchestrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orchestrate",
        abstract: "Run a fleet: every agent of a manifest's `agents:`, working together.",
        discussion: """
            Each agent is the fleet manifest with its own name, goal and tools (and module, \
            when it names one); permissions, resources, model and MCP servers are shared. \
            Agents reach each other with agent_send, agent_recv and agent_broadcast, by name; \
            the host stamps each message with its sender.

            Local mode (the default) runs every agent on its own thread in this process, \
            sharing one model. The fleet ends when every agent has ended, or when its \
            deadline passes (--deadline; by default the longest agent timeout plus 5 s), \
            and prints each agent's result and the messages between them. Each agent's \
            run is recorded in the trace store under one fleet id (`nanos runs --fleet ID`).

            Network mode (--nats URL) puts each agent as a job on a NATS JetStream work \
            queue instead; `nanos node` processes pull the jobs, each under its own policy, \
            model and keys (no secret travels in a job). Bus messages go over JetStream, \
            the fleet's state lives in a KV bucket, and every step is logged so that a job \
            whose node dies is resumed by another node without repeating a model call.

            Exit codes: 0 every agent ended ok, 1 an agent did not, 2 usage or manifest \
            error, 6 the fleet's deadline passed, 13 NATS unreachable or refused the \
            credentials. See docs/fleet.md.
            """
    )

    @Argument(help: "The fleet manifest (.nano with `agents:`).")
    var manifest: String

    @Option(name: .long, help: "End the fleet after this long (e.g. 90s, 5m); agents still running are cancelled.")
    var deadline: String?

    @Flag(name: .long, help: "Print the fleet's report as JSON on stdout.")
    var json = false

    @Flag(name: .shortAndLong, help: "Print only the agents' logs and the fleet's result.")
    var quiet = false

    @OptionGroup var nats: NATSOptions

    @OptionGroup var store: StoreOptions

    @Flag(name: .long, help: "Do not record the agents' runs in the trace store.")
    var noRecord = false

    @OptionGroup var global: GlobalOptions

    func run() throws {
        global.bootstrapLogging()
        let console = Console()
        let plan: FleetPlan
        do {
            plan = try FleetPlan.load(path: manifest, deadline: try parsedDeadline())
        } catch {
            console.error(error.description)
            throw ExitCode(2)
        }
        var defaultAgent: String?
        if plan.agents.contains(where: { $0.binary == nil }) {
            do {
                defaultAgent = try DefaultAgent.locate()
            } catch {
                console.error(error.description)
                throw ExitCode(2)
            }
        }
        if nats.url != nil { return try runOnNATS(plan, defaultAgent: defaultAgent, console) }
        var options = FleetOptions(defaultAgent: defaultAgent, store: noRecord ? nil : store.open(console))
        options.logSink = { agent, level, message in RunPrinter.logSink(agent, console)(level, message) }
        if !quiet {
            console.line(
                console.paint(
                    "fleet \(plan.manifest.name): \(plan.agents.count) agents on threads, deadline \(plan.deadline)",
                    .dim))
        }
        let report = LocalFleet.run(plan, options: options)
        FleetPrinter.report(report, console, quiet: quiet)
        if json { print(report.json().serialized()) }
        throw ExitCode(FleetPrinter.exitCode(report))
    }

    private func runOnNATS(_ plan: FleetPlan, defaultAgent: String?, _ console: Console) throws {
        let connection = try nats.connect(name: "nanos-orchestrate", console)
        defer { connection.close() }
        let report: FleetReport
        do {
            report = try NetworkFleet.run(plan, connection: connection, defaultAgent: defaultAgent) { line in
                if !quiet { console.line(console.paint(line, .dim)) }
            }
        } catch {
            console.error(error.description)
            switch error {
            case .connection, .authorization: throw ExitCode(NATSOptions.exitUnreachable)
            default: throw ExitCode(2)
            }
        }
        FleetPrinter.report(report, console, quiet: quiet)
        if json { print(report.json().serialized()) }
        throw ExitCode(FleetPrinter.exitCode(report))
    }

    private func parsedDeadline() throws(FleetError) -> Duration? {
        guard let deadline else { return nil }
        guard let duration = parseDuration(deadline), duration > .zero else {
            throw .manifest("--deadline \(deadline.debugDescription) is not a duration (write 90s, 5m or 1h)")
        }
        return duration
    }
}

/// How a fleet's result is shown, by `orchestrate` in either mode.
enum FleetPrinter {
    static func report(_ report: FleetReport, _ console: Console, quiet: Bool) {
        let width = max(5, report.agents.map(\.name.count).max() ?? 5)
        if !quiet {
            console.line("")
            console.line(
                console.paint(
                    "  \("agent".rightPadded(width))  status         steps  tokens  duration  summary", .bold))
        }
        for agent in report.agents {
            let status = agent.status.rightPadded(13)
            let painted = console.paint(status, agent.isOK ? .green : .red)
            var line = "  \(agent.name.rightPadded(width))  \(painted)  \(String(agent.steps).leftPadded(5))"
            line +=
                "  \(String(agent.tokens).leftPadded(6))  \(String(format: "%7.2fs", agent.durationMilliseconds / 1000))"
            if let node = agent.node { line += console.paint(" @\(node)", .dim) }
            if agent.replayedSteps > 0 {
                line += console.paint(" (resumed: \(agent.replayedSteps) steps replayed)", .dim)
            }
            let detail = agent.isOK ? agent.summary : (agent.message ?? agent.summary)
            if let detail { line += "  " + StepFormatting.visible(String(detail.prefix(120))) }
            console.line(line)
        }
        if !quiet {
            if report.flow.isEmpty {
                console.line(console.paint("  no messages between agents", .dim))
            } else {
                console.line(console.paint("  messages:", .bold))
                for flow in report.flow {
                    console.line("    \(flow.from) → \(flow.to): \(flow.messages) (\(flow.bytes) B)")
                }
            }
        }
        let outcome =
            report.isOK
            ? console.paint("ok", .green)
            : console.paint(report.deadlinePassed ? "deadline passed" : "failed", .red)
        console.line(
            "fleet \(report.fleetName): \(outcome) · \(report.agents.filter(\.isOK).count)/\(report.agents.count) agents ok · "
                + String(format: "%.2f s", report.durationMilliseconds / 1000)
                + console.paint(" · fleet id \(report.fleetID)", .dim))
    }

    static func exitCode(_ report: FleetReport) -> Int32 {
        if report.isOK { return 0 }
        return report.deadlinePassed ? 6 : 1
    }
}
