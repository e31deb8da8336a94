import Foundation
import NanosBundle
import NanosKernel
import NanosLLM
import NanosManifest

public struct AgentBenchOptions: Sendable {
    static let installedConversation = "share/nanos/benchmarks/agent-conversation.json"
    static let repositoryConversation = "benchmarks/agent-conversation.json"
    /// The window both sides give each agent (the default agent's `context_window`).
    static let contextWindow = 2048

    /// nil: the embedded default model.
    public var modelPath: String?
    public var threads: Int
    /// Agents at once for the second figure (the first is always one agent).
    public var agents: Int
    public var repetitions: Int
    /// nil: the recorded conversation that ships with nanos.
    public var conversationPath: String?

    public init(
        modelPath: String? = nil, threads: Int = LocalLanguageModel.defaultThreads, agents: Int = 4,
        repetitions: Int = 3,
        conversationPath: String? = nil
    ) {
        self.modelPath = modelPath
        self.threads = threads
        self.agents = agents
        self.repetitions = repetitions
        self.conversationPath = conversationPath
    }
}

/// Where one side's time went, summed over every call of every agent in one replay.
public struct ReplayProfile: Sendable {
    public var calls = 0
    public var total = InferenceUsage()

    mutating func add(_ usage: InferenceUsage) {
        calls += 1
        total += usage
    }

    mutating func add(_ other: ReplayProfile) {
        calls += other.calls
        total += other.total
    }

    func json() -> JSONValue {
        .object([
            ("calls", .int(Int64(calls))), ("prompt_tokens", .int(Int64(total.promptTokens))),
            ("cached_prompt_tokens", .int(Int64(total.cachedPromptTokens))),
            ("generated_tokens", .int(Int64(total.generatedTokens))),
            ("forced_tokens", .int(Int64(total.forcedTokens))),
            ("prompt_ms", .double(total.promptMilliseconds.rounded2)),
            ("generation_ms", .double(total.generationMilliseconds.rounded2)),
        ])
    }
}

/// One agent count: the whole replay's wall time on each side.
public struct AgentFigure: Sendable {
    public var agents: Int
    public var inProcessSeconds: [Double]
    public var serverSeconds: [Double]
    /// Answers that were the same text on both sides, over all repetitions.
    public var identicalAnswers: Int
    public var answers: Int
    /// The last repetition's in-process and llama-server counts.
    public var inProcessProfile: ReplayProfile
    public var serverProfile: ReplayProfile

    /// How many times faster in-process is (llama-server's median over ours).
    public var speedup: Double { Benchmarks.median(serverSeconds) / Benchmarks.median(inProcessSeconds) }

    func json() -> JSONValue {
        .object([
            ("agents", .int(Int64(agents))),
            ("in_process_s", .double(Benchmarks.median(inProcessSeconds).rounded2)),
            ("llama_server_s", .double(Benchmarks.median(serverSeconds).rounded2)),
            ("speedup", .double(speedup.rounded2)),
            ("in_process_runs_s", .array(inProcessSeconds.map { .double($0.rounded2) })),
            ("llama_server_runs_s", .array(serverSeconds.map { .double($0.rounded2) })),
            ("identical_answers", .int(Int64(identicalAnswers))), ("answers", .int(Int64(answers))),
            ("in_process_profile", inProcessProfile.json()), ("llama_server_profile", serverProfile.json()),
        ])
    }
}

public struct AgentBenchResults: Sendable {
    public var modelPath: String
    public var threads: Int
    public var calls: Int
    public var repetitions: Int
    public var figures: [AgentFigure]

    public func json() -> JSONValue {
        .object([
            ("model", .string(modelPath)), ("threads", .int(Int64(threads))), ("calls_per_agent", .int(Int64(calls))),
            ("repetitions", .int(Int64(repetitions))), ("context_window", .int(Int64(AgentBenchOptions.contextWindow))),
            ("figures", .array(figures.map { $0.json() })),
        ])
    }

    public func table() -> String {
        var lines = [
            "model \(modelPath), \(threads) threads, \(calls) recorded calls per agent, median of \(repetitions)",
            "agents   nanos in-process   llama-server (HTTP)   speedup   identical answers",
        ]
        for figure in figures {
            let cells = [
                "\(figure.agents)".padding(toLength: 9, withPad: " ", startingAt: 0),
                String(format: "%.2f s", Benchmarks.median(figure.inProcessSeconds)).padding(
                    toLength: 19, withPad: " ", startingAt: 0),
                String(format: "%.2f s", Benchmarks.median(figure.serverSeconds)).padding(
                    toLength: 22, withPad: " ", startingAt: 0),
                String(format: "%.2f×", figure.speedup).padding(toLength: 10, withPad: " ", startingAt: 0),
                "\(figure.identicalAnswers) of \(figure.answers)",
            ]
            lines.append(cells.joined())
        }
        lines.append("")
        for figure in figures {
            let mine = figure.inProcessProfile.total
            let theirs = figure.serverProfile.total
            lines.append(
                "\(figure.agents) agent(s), in-process: prompt \(mine.promptTokens) tokens (\(mine.cachedPromptTokens) from "
                    + "KV sessions), \(String(format: "%.1f", mine.promptMilliseconds / 1000)) s; generated "
                    + "\(mine.generatedTokens) (\(mine.forcedTokens) forced), "
                    + "\(String(format: "%.1f", mine.generationMilliseconds / 1000)) s")
            lines.append(
                "\(figure.agents) agent(s), llama-server: prompt \(theirs.promptTokens) tokens, "
                    + "\(String(format: "%.1f", theirs.promptMilliseconds / 1000)) s to first token; generated "
                    + "\(theirs.generatedTokens), \(String(format: "%.1f", theirs.generationMilliseconds / 1000)) s")
        }
        return lines.joined(separator: "\n")
    }
}

extension Benchmarks {
    /// Replays a recorded agent conversation in this process and against llama-server
    /// (same build, model, threads, window and schemas; `cache_prompt` is llama-server's
    /// default), for one agent and for `agents` agents at once. Repetitions alternate the
    /// two sides; each repetition starts with a new first line of the system prompt, so
    /// neither side finds the previous repetition's conversation in its cache.
    public static func runAgent(options: AgentBenchOptions) throws -> AgentBenchResults {
        let modelPath: String
        switch DefaultModel.resolve(options.modelPath) {
        case .success(let path): modelPath = path
        case .failure(let error): throw BenchError.setup(error.description)
        }
        let requests = try loadConversation(options.conversationPath)
        let local = LocalLanguageModel(
            modelPath: modelPath, contextWindow: AgentBenchOptions.contextWindow, threads: options.threads)
        do {
            _ = try local.infer(
                InferenceRequest(messages: [.init(role: "user", content: "Hello")], maxTokens: 4), deadline: nil)
        } catch {
            throw BenchError.setup("in-process inference failed: \(error)")
        }
        var figures: [AgentFigure] = []
        for agents in Array(Set([1, max(1, options.agents)])).sorted() {
            let server = try LlamaServerProcess(
                modelPath: modelPath, threads: options.threads, contextSize: AgentBenchOptions.contextWindow * agents,
                slots: agents)
            defer { server.stop() }
            let remote: OpenAICompatibleModel
            do {
                var config = ModelConfig(provider: "openai")
                config.apiURL = server.baseURL
                config.modelName = "default"
                remote = try OpenAICompatibleModel(config: config)
                _ = try remote.infer(
                    InferenceRequest(messages: [.init(role: "user", content: "Hello")], maxTokens: 4), deadline: nil)
            } catch {
                throw BenchError.setup("llama-server did not answer: \(error)")
            }
            var figure = AgentFigure(
                agents: agents, inProcessSeconds: [], serverSeconds: [], identicalAnswers: 0, answers: 0,
                inProcessProfile: ReplayProfile(), serverProfile: ReplayProfile())
            for repetition in 0..<max(1, options.repetitions) {
                let conversation = requests.map { marked($0, repetition: repetition) }
                var mine: Replay?
                var theirs: Replay?
                // Alternate which side goes first, so that both see the same machine noise.
                for side in repetition % 2 == 0 ? [0, 1] : [1, 0] {
                    if side == 0 {
                        mine = try replay(conversation, agents: agents, on: local, side: "in-process")
                    } else {
                        theirs = try replay(conversation, agents: agents, on: remote, side: "llama-server")
                    }
                }
                guard let mine, let theirs else { continue }
                figure.inProcessSeconds.append(mine.seconds)
                figure.serverSeconds.append(theirs.seconds)
                figure.inProcessProfile = mine.profile
                figure.serverProfile = theirs.profile
                for (ours, servers) in zip(mine.answers, theirs.answers) {
                    figure.answers += ours.count
                    figure.identicalAnswers += zip(ours, servers).filter { $0 == $1 }.count
                }
            }
            figures.append(figure)
        }
        return AgentBenchResults(
            modelPath: modelPath, threads: options.threads, calls: requests.count,
            repetitions: max(1, options.repetitions),
            figures: figures)
    }

    struct Replay {
        var seconds: Double
        /// Per agent, per call.
        var answers: [[String]]
        var profile: ReplayProfile
    }

    /// Every agent sends the conversation's requests in order, all agents at once.
    static func replay(_ requests: [InferenceRequest], agents: Int, on model: any LanguageModel, side: String) throws
        -> Replay
    {
        let outcomes = LockedList<(Int, [String], ReplayProfile, String?)>()
        let start = ContinuousClock.now
        DispatchQueue.concurrentPerform(iterations: agents) { agent in
            var answers: [String] = []
            var profile = ReplayProfile()
            for request in requests {
                do {
                    let result = try model.infer(request, deadline: nil)
                    answers.append(result.text)
                    profile.add(result.usage)
                } catch {
                    outcomes.append((agent, answers, profile, "\(error)"))
                    return
                }
            }
            outcomes.append((agent, answers, profile, nil))
        }
        let seconds = start.duration(to: .now).secondsValue
        let sorted = outcomes.items.sorted { $0.0 < $1.0 }
        if let failure = sorted.compactMap(\.3).first { throw BenchError.setup("\(side) inference failed: \(failure)") }
        var profile = ReplayProfile()
        for outcome in sorted { profile.add(outcome.2) }
        return Replay(seconds: seconds, answers: sorted.map(\.1), profile: profile)
    }

    /// The request with its system prompt opened by a line naming the repetition.
    static func marked(_ request: InferenceRequest, repetition: Int) -> InferenceRequest {
        var request = request
        if let index = request.messages.firstIndex(where: { $0.role == "system" }) {
            request.messages[index].content = "Session \(repetition + 1).\n" + request.messages[index].content
        } else {
            request.messages.insert(.init(role: "system", content: "Session \(repetition + 1)."), at: 0)
        }
        return request
    }

    /// The requests of a recorded conversation: `{"calls": [{"request": {…}, "answer": "…"}, …]}`.
    static func loadConversation(_ path: String?) throws -> [InferenceRequest] {
        let candidates =
            path.map { [$0] }
            ?? BundledFile.candidates(
                installed: AgentBenchOptions.installedConversation, repository: AgentBenchOptions.repositoryConversation
            )
        guard let found = BundledFile.locate(candidates) else {
            throw BenchError.setup(
                "the recorded conversation is missing; looked in \(candidates.joined(separator: ", "))")
        }
        guard let data = FileManager.default.contents(atPath: found), data.count <= 4 << 20 else {
            throw BenchError.setup("\(found): cannot read the conversation (at most 4 MiB)")
        }
        let calls: [JSONValue]
        do {
            guard let list = try JSONValue.parse(Array(data))["calls"]?.arrayValue, !list.isEmpty else {
                throw BenchError.setup("\(found): expected {\"calls\": [{\"request\": {…}}, …]}")
            }
            calls = list
        } catch let error as BenchError {
            throw error
        } catch {
            throw BenchError.setup("\(found): \(error)")
        }
        return try calls.enumerated().map { index, call in
            guard let request = call["request"] else {
                throw BenchError.setup("\(found): calls[\(index)] has no request")
            }
            do {
                return try InferenceRequest(json: request)
            } catch {
                throw BenchError.setup("\(found): calls[\(index)].request: \(error)")
            }
        }
    }
}
