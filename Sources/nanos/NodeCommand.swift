import ArgumentParser
import Dispatch
import Foundation
import NanosFleet
import NanosKernel
import NanosLLM
import NanosManifest

struct NodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "Run fleet agents for `nanos orchestrate --nats`: pull jobs from NATS JetStream and run them.",
        discussion: """
            A node takes agent jobs from the fleet work queue, at most --capacity at once. \
            It runs a job only if every grant of the agent's manifest fits its --policy \
            file (paths under --root, hosts, MCP servers it defines, limits); otherwise it \
            refuses the job and the orchestrator shows why. With no policy it allows no \
            file, host or MCP server.

            Jobs carry no model and no secret: the node uses its own model (--model, \
            default: the bundled one) and its own keys. While a job runs the node sends \
            progress acks; if the node dies, the job goes to another node after 5 s, which \
            resumes it from the steps this one logged. SIGINT or SIGTERM stops taking jobs \
            and waits for the running ones.

            Exit codes: 0 stopped, 2 usage or policy error, 13 NATS unreachable or refused \
            the credentials. See docs/fleet.md.
            """
    )

    @OptionGroup var nats: NATSOptions

    @Option(name: .long, help: "The node's name in the fleet's state (default: the host name).")
    var name: String?

    @Option(name: .long, help: "Jobs run at once.")
    var capacity = 2

    @Option(name: .long, help: "The node's policy (YAML): what a job may grant. Default: nothing.")
    var policy: String?

    @Option(
        name: .long, help: "The folder jobs run in; their relative paths resolve here (default: the current folder).")
    var root: String?

    @Option(name: .long, help: "The model file (GGUF) for every job (default: the bundled model).")
    var model: String?

    @Option(name: .long, help: "The model's context window, in tokens.")
    var contextWindow: Int?

    @OptionGroup var store: StoreOptions

    @Flag(name: .long, help: "Do not record the runs in this node's trace store.")
    var noRecord = false

    @OptionGroup var global: GlobalOptions

    func run() throws {
        global.bootstrapLogging()
        let console = Console()
        guard capacity >= 1, capacity <= 256 else {
            console.error("--capacity \(capacity): a node runs 1 to 256 jobs at once")
            throw ExitCode(2)
        }
        let nodeName = name ?? ProcessInfo.processInfo.hostName
        guard FleetNames.isToken(nodeName) else {
            console.error("--name \(nodeName.debugDescription): use letters, digits, '-' and '_', at most 64")
            throw ExitCode(2)
        }
        var nodePolicy = NodePolicy()
        if let policy {
            do throws(FleetError) {
                nodePolicy = try NodePolicy.load(path: policy)
            } catch {
                console.error(error.description)
                throw ExitCode(2)
            }
        }
        let folder = (root ?? FileManager.default.currentDirectoryPath)
        let connection = try nats.connect(name: "nanos-node-\(nodeName)", console)
        defer { connection.close() }
        let options = NodeOptions(
            name: nodeName, capacity: capacity, policy: nodePolicy, root: folder,
            model: LanguageModels.make(
                for: ModelConfig(provider: "local", path: model, contextWindow: contextWindow)),
            store: noRecord ? nil : store.open(console),
            logSink: { agent, level, message in RunPrinter.logSink(agent, console)(level, message) },
            events: { console.line("node \(nodeName): \($0)") })
        let node: FleetNode
        do {
            node = try FleetNode(connection: connection, options: options)
        } catch {
            console.error(error.description)
            throw ExitCode(NATSOptions.exitUnreachable)
        }
        var sources: [any DispatchSourceSignal] = []
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { node.stop() }
            source.resume()
            sources.append(source)
        }
        console.line("node \(nodeName): taking jobs (capacity \(capacity))")
        do {
            try node.run()
        } catch {
            console.error(error.description)
            throw ExitCode(NATSOptions.exitUnreachable)
        }
        _ = sources
        console.line("node \(nodeName): stopped")
    }
}
