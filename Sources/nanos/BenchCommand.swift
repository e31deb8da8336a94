import ArgumentParser
import NanosBundle
import Foundation
import NanosBench

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure boot time, syscall round trips and memory, next to real alternatives.",
        discussion: """
            Every figure is a median (p50) or p99 over many runs, measured in this process, \
            with anchors measured in the same run: spawning /bin/true and `python3 -c pass` \
            for boot, and the same file read done directly by the host for syscalls (fs.read \
            of 64 B through nanos_alloc, and fs.read_into of 64 B and 64 KiB into the guest's \
            own buffer; the 64 KiB read also next to the host's read plus one copy of the \
            bytes, the least a recorded read can cost). An \
            `mcp.call` round trip to the time MCP server (mcp-server-time, installed by \
            scripts/mcp-deps.sh) is set against the in-process `clock.now` round trip, as the \
            cost of an MCP hop over a syscall.

            --llm measures raw inference speed next to llama-bench. --agent measures real \
            agent work: the recorded conversation of the default agent \
            (benchmarks/agent-conversation.json) replayed in this process and against llama-server \
            (same build, model, threads, window and schemas), by 1 agent and by --agents \
            agents at once; it prints the wall times, the speedup and how many answers were \
            identical on both sides.
            """
    )

    @Flag(name: .long, help: "Print the results as JSON on stdout.")
    var json = false

    @Option(name: .long, help: "Boot iterations (at least 1000 for the published figure).")
    var bootRuns = 1000

    @Option(name: .long, help: "Syscall iterations (at least 100000 for the published figure).")
    var syscallRuns = 100_000

    @Option(name: .long, help: "Reads timed together per fs.read and host-read sample (the sample is their mean).")
    var readsPerSample = 10

    @Option(name: .long, help: "JS agent boots timed (instantiate + first syscall).")
    var jsBootRuns = 200

    @Option(name: .long, help: "JS agents alive at once in one process for the RSS-per-extra-agent figure.")
    var jsAgents = 16

    @Option(name: .long, help: "mcp.call round trips to the time MCP server (mcp-server-time; 0 skips the MCP figure).")
    var mcpCalls = 2000

    @Flag(
        name: .long,
        help:
            "Measure inference instead: prompt and generation tok/s in-process next to llama-bench (same model, threads and token counts), and the RSS of agents sharing one model against separate processes."
    )
    var llm = false

    @Flag(
        name: .long,
        help:
            "Measure agent work instead: a recorded agent conversation replayed in-process and against llama-server, for 1 agent and for --agents agents at once."
    )
    var agent = false

    @Flag(
        name: .long,
        help:
            "Measure fleets instead: an agent_send → agent_recv round trip in-process and over NATS JetStream (next to a plain NATS request/reply), and ring fleets of 100 and 1,000 compiled agents (wall time, peak RSS)."
    )
    var fleet = false

    @Option(name: .long, help: "With --fleet: message round trips per repetition.")
    var roundTrips = 2000

    @Option(name: .long, help: "With --agent: the recorded conversation (default: benchmarks/agent-conversation.json).")
    var conversation: String?

    @Option(name: .long, help: "With --llm or --agent: the GGUF model (default: the embedded default model).")
    var model: String?

    @Option(
        name: .long,
        help:
            "With --llm or --agent: CPU threads for nanos and for llama-bench or llama-server (default: NANOS_THREADS or one per core)."
    )
    var threads: Int?

    @Option(name: .long, help: "With --llm: prompt tokens.")
    var promptTokens = 128

    @Option(name: .long, help: "With --llm: generated tokens.")
    var generatedTokens = 64

    @Option(name: .long, help: "With --llm (default 5) or --agent (default 3): repetitions (medians are reported).")
    var repetitions: Int?

    @Option(
        name: .long,
        help:
            "With --llm: agents sharing the model for the memory figure; with --agent: agents at once for the second figure."
    )
    var agents = 4

    @Option(
        name: .long,
        help:
            "Measure replay instead: run this agent's manifest live once, recorded, then replay it from the record --repetitions times (default 10)."
    )
    var replay: String?

    @OptionGroup var global: GlobalOptions

    func run() throws {
        global.bootstrapLogging()
        if let replay {
            let results = try Benchmarks.runReplay(
                manifestPath: replay, defaultAgent: try? DefaultAgent.locate(), repetitions: repetitions ?? 10)
            print(json ? results.json().serialized() : results.table())
            return
        }
        if fleet {
            let results = try Benchmarks.runFleet(
                options: FleetBenchOptions(roundTrips: roundTrips, repetitions: repetitions ?? 5))
            print(json ? results.json().serialized() : results.table())
            return
        }
        if agent {
            var options = AgentBenchOptions(
                modelPath: model, agents: agents, repetitions: repetitions ?? 3, conversationPath: conversation)
            if let threads { options.threads = threads }
            let results = try Benchmarks.runAgent(options: options)
            print(json ? results.json().serialized() : results.table())
            return
        }
        if llm {
            var options = LLMBenchOptions(
                modelPath: model, promptTokens: promptTokens, generatedTokens: generatedTokens,
                repetitions: repetitions ?? 5, agents: agents)
            if let threads { options.threads = threads }
            let results = try Benchmarks.runLLM(options: options)
            print(json ? results.json().serialized() : results.table())
            return
        }
        let results = try Benchmarks.run(
            options: BenchOptions(
                bootRuns: bootRuns, syscallRuns: syscallRuns, readsPerSample: readsPerSample, jsBootRuns: jsBootRuns,
                jsAgents: jsAgents, mcpCalls: mcpCalls))
        if json {
            print(results.json().serialized())
        } else {
            print(results.table())
        }
    }
}
