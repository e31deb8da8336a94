import Foundation
import Synchronization
import NanosCompiler
import NanosBundle
import NanosKernel
import NanosLLM
import NanosManifest

public struct LLMBenchOptions: Sendable {
    /// In-process and llama-bench measurements alternate this many times. Six rounds of
    /// five: with three, single runs on a busy 2-core machine scattered by ±10 %.
    public static let rounds = 6

    /// nil: the embedded default model.
    public var modelPath: String?
    public var threads: Int
    public var promptTokens: Int
    public var generatedTokens: Int
    public var repetitions: Int
    /// Agents run at once for the shared-weights figure.
    public var agents: Int

    public init(
        modelPath: String? = nil, threads: Int = LocalLanguageModel.defaultThreads, promptTokens: Int = 128,
        generatedTokens: Int = 64, repetitions: Int = 5, agents: Int = 4
    ) {
        self.modelPath = modelPath
        self.threads = threads
        self.promptTokens = promptTokens
        self.generatedTokens = generatedTokens
        self.repetitions = repetitions
        self.agents = agents
    }
}

/// Per-repetition tok/s samples, pooled over interleaved rounds.
struct ThroughputSamples {
    var prompt: [Double] = []
    var generation: [Double] = []
    mutating func add(_ other: ThroughputSamples) {
        prompt += other.prompt
        generation += other.generation
    }
    var medians: Throughput {
        Throughput(prompt: Benchmarks.median(prompt), generation: Benchmarks.median(generation))
    }
}

/// Tokens per second, as medians over repetitions.
public struct Throughput: Sendable {
    public var prompt: Double
    public var generation: Double

    func json() -> JSONValue {
        .object([("prompt_tok_s", .double(prompt.rounded2)), ("generation_tok_s", .double(generation.rounded2))])
    }
}

public struct LLMBenchResults: Sendable {
    public var modelPath: String
    public var modelBytes: UInt64
    public var threads: Int
    public var promptTokens: Int
    public var generatedTokens: Int
    public var repetitions: Int
    public var inProcess: Throughput
    public var llamaBench: Throughput
    public var rssOneAgentBytes: Int
    public var agents: Int
    public var rssAgentsOneProcessBytes: Int
    public var rssAgentsSeparateProcessesBytes: Int
    public var modelLoads: Int

    public func json() -> JSONValue {
        .object([
            ("model", .string(modelPath)), ("model_bytes", .int(Int64(modelBytes))), ("threads", .int(Int64(threads))),
            ("prompt_tokens", .int(Int64(promptTokens))), ("generated_tokens", .int(Int64(generatedTokens))),
            ("repetitions", .int(Int64(repetitions))),
            ("in_process", inProcess.json()), ("llama_bench", llamaBench.json()),
            ("ratio_prompt", .double((inProcess.prompt / llamaBench.prompt).rounded2)),
            ("ratio_generation", .double((inProcess.generation / llamaBench.generation).rounded2)),
            ("rss_one_agent_bytes", .int(Int64(rssOneAgentBytes))),
            (
                "shared_weights",
                .object([
                    ("agents", .int(Int64(agents))), ("model_loads_in_one_process", .int(Int64(modelLoads))),
                    ("rss_one_process_bytes", .int(Int64(rssAgentsOneProcessBytes))),
                    ("rss_separate_processes_total_bytes", .int(Int64(rssAgentsSeparateProcessesBytes))),
                ])
            ),
        ])
    }

    public func table() -> String {
        func mib(_ bytes: Int) -> String { String(format: "%.1f MiB", Double(bytes) / 1_048_576) }
        return [
            "model \(modelPath) (\(mib(Int(modelBytes)))), \(threads) threads, "
                + "prompt \(promptTokens) tokens, generation \(generatedTokens) tokens, median of \(repetitions)",
            "measurement".padding(toLength: 36, withPad: " ", startingAt: 0) + "prompt tok/s   generation tok/s",
            row("nanos, in-process", inProcess),
            row("llama-bench, same model and threads", llamaBench),
            String(
                format: "ratio nanos / llama-bench:          %.2f×          %.2f×",
                inProcess.prompt / llamaBench.prompt,
                inProcess.generation / llamaBench.generation),
            "",
            "RSS, one agent with the model loaded:        \(mib(rssOneAgentBytes))",
            "RSS, \(agents) agents in one process (\(modelLoads) load):     \(mib(rssAgentsOneProcessBytes))",
            "RSS, \(agents) agents in \(agents) processes (sum):       \(mib(rssAgentsSeparateProcessesBytes))",
        ].joined(separator: "\n")
    }

    private func row(_ name: String, _ throughput: Throughput) -> String {
        name.padding(toLength: 36, withPad: " ", startingAt: 0)
            + String(format: "%.1f", throughput.prompt).padding(toLength: 15, withPad: " ", startingAt: 0)
            + String(format: "%.1f", throughput.generation)
    }
}

extension Double {
    var rounded2: Double { (self * 100).rounded() / 100 }
}

extension Benchmarks {
    /// Prompt and generation speed in this process next to llama-bench (same build, model,
    /// threads and token counts, run by this command), then the memory of several agents
    /// sharing one model against the same agents in separate processes.
    public static func runLLM(options: LLMBenchOptions) throws -> LLMBenchResults {
        let modelPath: String
        switch DefaultModel.resolve(options.modelPath) {
        case .success(let path): modelPath = path
        case .failure(let error): throw BenchError.setup(error.description)
        }
        let model = LocalLanguageModel(
            modelPath: modelPath, contextWindow: max(512, options.promptTokens + options.generatedTokens + 64),
            threads: options.threads)
        let weights: LlamaModel
        do {
            weights = try model.load()
        } catch {
            throw BenchError.setup(error.description)
        }
        // Alternate the two in rounds so that both see the same machine noise; the
        // medians pool every repetition of every round.
        var ours = ThroughputSamples()
        var theirs = ThroughputSamples()
        var rssOne = 0
        var promptTokens = 0
        for _ in 0..<LLMBenchOptions.rounds {
            let (samples, tokens) = try measureInProcess(model, weights: weights, options: options)
            promptTokens = tokens
            ours.add(samples)
            rssOne = max(rssOne, RSSProbe.current())
            theirs.add(try measureLlamaBench(modelPath: modelPath, options: options, depth: promptTokens))
        }
        let inProcess = ours.medians
        let reference = theirs.medians

        let workspace = try Workspace()
        defer { workspace.remove() }
        let binary = try workspace.compile(GuestCompiler(), name: "ask.c", source: askC)
        let manifestPath = workspace.path + "/ask.nano"
        try askManifest(binary: binary, modelPath: modelPath, threads: 1).write(
            toFile: manifestPath, atomically: true, encoding: .utf8)
        let (rssShared, loads) = try agentsInOneProcess(manifestPath: manifestPath, count: options.agents)
        let rssSeparate = try agentsInSeparateProcesses(manifestPath: manifestPath, count: options.agents)

        return LLMBenchResults(
            modelPath: modelPath, modelBytes: weights.sizeBytes, threads: options.threads,
            promptTokens: promptTokens, generatedTokens: options.generatedTokens, repetitions: options.repetitions,
            inProcess: inProcess, llamaBench: reference, rssOneAgentBytes: rssOne, agents: options.agents,
            rssAgentsOneProcessBytes: rssShared, rssAgentsSeparateProcessesBytes: rssSeparate, modelLoads: loads)
    }

    /// Through the engine every agent uses: chat template, tokenizer, pooled context,
    /// sampler chain and detokenizer. The prompt is padded to the asked token count; the
    /// answer runs to `generatedTokens` (end-of-generation is not allowed to cut it short).
    static func measureInProcess(_ model: LocalLanguageModel, weights: LlamaModel, options: LLMBenchOptions) throws
        -> (ThroughputSamples, promptTokens: Int)
    {
        let filler = try promptText(weights: weights, tokens: options.promptTokens)
        var request = InferenceRequest(
            messages: [.init(role: "user", content: filler)], maxTokens: options.generatedTokens, temperature: 0)
        request.ignoreEndOfGeneration = true
        request.reuseSession = false
        var prompt: [Double] = []
        var generation: [Double] = []
        var promptTokens = 0
        for round in 0...options.repetitions {
            let result: InferenceResult
            do {
                result = try model.infer(request, deadline: nil)
            } catch {
                throw BenchError.setup("in-process inference failed: \(error)")
            }
            promptTokens = result.usage.promptTokens
            guard round > 0 else { continue }  // the first round warms caches, as llama-bench does
            prompt.append(Double(result.usage.promptTokens) / result.usage.promptMilliseconds * 1000)
            generation.append(Double(result.usage.generatedTokens) / result.usage.generationMilliseconds * 1000)
        }
        return (ThroughputSamples(prompt: prompt, generation: generation), promptTokens)
    }

    /// A user message that renders (with the chat template) to about `tokens` tokens.
    static func promptText(weights: LlamaModel, tokens: Int) throws -> String {
        var words: [String] = []
        let vocabulary = ["river", "stone", "lamp", "cloud", "garden", "window", "letter", "engine"]
        while true {
            let text = words.joined(separator: " ")
            let count: Int
            do {
                count = try weights.promptTokenCount([.init(role: "user", content: text)])
            } catch {
                throw BenchError.setup("cannot tokenize the benchmark prompt: \(error)")
            }
            if count >= tokens { return text }
            words.append(vocabulary[words.count % vocabulary.count])
        }
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        return sorted.count % 2 == 1
            ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    /// llama-bench from the same llama.cpp build as the linked library, with the same
    /// work: a prompt of `promptTokens` into an empty context, and `generatedTokens`
    /// generated after `depth` tokens already in the context (`-d`), as in-process
    /// generation follows its prompt. (Attention over a longer context costs this small
    /// model about a third of its generation speed, so depth 0 would not be the same work.)
    static func measureLlamaBench(modelPath: String, options: LLMBenchOptions, depth: Int) throws -> ThroughputSamples {
        guard let tool = LlamaLibrary.tool("llama-bench") else {
            throw BenchError.setup("llama-bench was not found next to the linked libllama; run `make llm-deps`")
        }
        func run(prompt: Int, generate: Int, depth: Int) throws -> [Double] {
            let arguments = [
                tool, "-m", modelPath, "-t", "\(options.threads)", "-p", "\(prompt)", "-n", "\(generate)",
                "-d", "\(depth)", "-r", "\(options.repetitions)", "-o", "json",
            ]
            let output = try capture(arguments)
            guard let entry = try? JSONValue.parse(output).arrayValue?.first else {
                throw BenchError.setup(
                    "llama-bench printed no JSON: \(String(decoding: output.prefix(400), as: UTF8.self))")
            }
            if let samples = entry["samples_ts"]?.arrayValue?.compactMap(\.doubleValue), !samples.isEmpty {
                return samples
            }
            guard let average = entry["avg_ts"]?.doubleValue else {
                throw BenchError.setup("llama-bench's JSON has no tok/s")
            }
            return [average]
        }
        return ThroughputSamples(
            prompt: try run(prompt: options.promptTokens, generate: 0, depth: 0),
            generation: try run(prompt: 0, generate: options.generatedTokens, depth: depth))
    }

    /// `count` agents, each asking the model once, on threads of this process.
    /// Returns the RSS afterwards (weights + one context per agent) and how many times
    /// weights were loaded in this process.
    static func agentsInOneProcess(manifestPath: String, count: Int) throws -> (Int, Int) {
        let manifest: Manifest
        do {
            manifest = try Manifest.load(path: manifestPath)
        } catch {
            throw BenchError.setup("\(error)")
        }
        let failures = LockedList<String>()
        let probe = RSSProbe()
        DispatchQueue.concurrentPerform(iterations: count) { _ in
            let report = Kernel.run(
                manifest: manifest,
                options: RunOptions(logSink: { _, _ in probe.sampleLocked() }, defaultAgent: try? DefaultAgent.locate())
            )
            if report.status != .ok { failures.append(report.message ?? report.status.rawValue) }
        }
        if let failure = failures.items.first { throw BenchError.setup("an agent failed: \(failure)") }
        return (max(probe.lockedPeak, RSSProbe.current()), LlamaModel.loads)
    }

    /// The same agents as separate `nanos run` processes at once; the sum of their peak RSS.
    static func agentsInSeparateProcesses(manifestPath: String, count: Int) throws -> Int {
        let pids = try (0..<count).map { _ in try ChildProcess.start(["run", manifestPath, "--quiet"]) }
        var total = 0
        for pid in pids {
            let (status, peak) = ChildProcess.wait(pid)
            guard status == 0 else {
                throw BenchError.setup("a separate `nanos run` agent exited with status \(status)")
            }
            total += peak
        }
        return total
    }

    /// Runs a command and returns its stdout (stderr is dropped).
    static func capture(_ arguments: [String]) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw BenchError.setup("cannot run \(arguments[0]): \(error)")
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchError.setup("\(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
        }
        return Array(data)
    }

    static func askManifest(binary: String, modelPath: String, threads: Int) -> String {
        """
        name: bench-ask
        binary: \(binary)
        goal: '{"prompt":"Say hello in five words.","max_tokens":16}'
        model:
          provider: local
          path: \(modelPath)
          context_window: 512
          threads: \(threads)
        resources:
          memory: 16MB
          max_steps: 8
          timeout: 120s
        permissions: {}
        """
    }

    static let askC = """
        #include "nanos.h"
        int run(void) {
            nanos_buf goal = nanos_goal();
            nanos_buf answer;
            if (nanos_llm_infer((const char *)goal.data, &answer) != 0) return 1;
            nanos_done("asked");
            return 0;
        }
        """
}

/// A list shared between threads.
final class LockedList<Element>: @unchecked Sendable {
    // @unchecked: `storage` is touched only while `lock` is held.
    private let lock = Mutex(())
    nonisolated(unsafe) private var storage: [Element] = []
    func append(_ item: Element) { lock.withLock { _ in storage.append(item) } }
    var items: [Element] {
        lock.withLock { _ in
            nonisolated(unsafe) let copy = storage
            return copy
        }
    }
}

extension RSSProbe {
    private static let lock = Mutex(())
    /// `sample()` for probes shared by several agents' threads.
    func sampleLocked() { RSSProbe.lock.withLock { _ in sample() } }
    var lockedPeak: Int { RSSProbe.lock.withLock { _ in peak } }
}
