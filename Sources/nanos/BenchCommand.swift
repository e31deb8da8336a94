import ArgumentParser
import Foundation
import NanosBench

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure boot time, syscall round trips and memory, next to real alternatives.",
        discussion: """
            Every figure is a median (p50) or p99 over many runs, measured in this process, \
            with anchors measured in the same run: spawning /bin/true and `python3 -c pass` \
            for boot, and the same file read done directly by the host for syscalls. An \
            `mcp.call` round trip to the time MCP server (mcp-server-time, installed by \
            scripts/mcp-deps.sh) is set against the in-process `clock.now` round trip, as the \
            cost of an MCP hop over a syscall.
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

    @Flag(name: .long, help: "Measure inference instead: prompt and generation tok/s in-process next to llama-bench (same model, threads and token counts), and the RSS of agents sharing one model against separate processes.")
    var llm = false

    @Option(name: .long, help: "With --llm: the GGUF model (default: the embedded default model).")
    var model: String?

    @Option(name: .long, help: "With --llm: CPU threads for both nanos and llama-bench (default: NANOS_THREADS or one per core).")
    var threads: Int?

    @Option(name: .long, help: "With --llm: prompt tokens.")
    var promptTokens = 128

    @Option(name: .long, help: "With --llm: generated tokens.")
    var generatedTokens = 64

    @Option(name: .long, help: "With --llm: repetitions (medians are reported).")
    var repetitions = 5

    @Option(name: .long, help: "With --llm: agents sharing the model for the memory figure.")
    var agents = 4

    @OptionGroup var global: GlobalOptions

    func run() throws {
        global.bootstrapLogging()
        if llm {
            var options = LLMBenchOptions(
                modelPath: model, promptTokens: promptTokens, generatedTokens: generatedTokens, repetitions: repetitions,
                agents: agents)
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
