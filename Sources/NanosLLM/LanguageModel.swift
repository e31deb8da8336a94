import NanosManifest

/// What a finished (or abandoned) inference cost.
public struct InferenceUsage: Sendable, Equatable {
    public enum FinishReason: String, Sendable {
        /// End of generation token or a stop string.
        case stop
        /// `max_tokens` reached.
        case length
        /// Not finished yet, or closed early.
        case open
    }

    public var promptTokens = 0
    /// Prompt tokens found in a KV session rather than evaluated (local provider).
    public var cachedPromptTokens = 0
    /// Of those, tokens copied from another agent's session (a shared system prompt).
    public var sharedPromptTokens = 0
    public var generatedTokens = 0
    /// Generated tokens the grammar forced and that were appended without sampling
    /// (jump-forward; local provider).
    public var forcedTokens = 0
    /// Time to read the prompt (first token for remote providers).
    public var promptMilliseconds = 0.0
    /// Time spent generating after the prompt.
    public var generationMilliseconds = 0.0
    public var finishReason = FinishReason.open

    public init() {}

    public var milliseconds: Double { promptMilliseconds + generationMilliseconds }
    /// Sums the counts of several answers (the finish reason is left as it is).
    public static func += (total: inout InferenceUsage, usage: InferenceUsage) {
        total.promptTokens += usage.promptTokens
        total.cachedPromptTokens += usage.cachedPromptTokens
        total.sharedPromptTokens += usage.sharedPromptTokens
        total.generatedTokens += usage.generatedTokens
        total.forcedTokens += usage.forcedTokens
        total.promptMilliseconds += usage.promptMilliseconds
        total.generationMilliseconds += usage.generationMilliseconds
    }

    /// Prompt tokens the model evaluated for this answer.
    public var evaluatedPromptTokens: Int { promptTokens - cachedPromptTokens }
}

/// The whole answer of a non-streaming call.
public struct InferenceResult: Sendable, Equatable {
    public var text: String
    public var usage: InferenceUsage

    public init(text: String, usage: InferenceUsage) {
        self.text = text
        self.usage = usage
    }
}

public enum LLMError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The request itself is malformed (EINVAL for the guest).
    case invalidRequest(String)
    /// The prompt does not fit the model's context window (E2BIG).
    case contextOverflow(String)
    /// The provider failed or is missing (EIO for the guest).
    case unavailable(String)
    /// The agent's deadline passed while inferring (ETIMEDOUT).
    case deadlineExceeded
    /// The run's token budget (`resources.tokens`) does not cover the request (EQUOTA).
    case quotaExceeded(String)

    public var description: String {
        switch self {
        case .invalidRequest(let message), .contextOverflow(let message), .unavailable(let message),
            .quotaExceeded(let message):
            return message
        case .deadlineExceeded: return "the agent's deadline passed during inference"
        }
    }
}

/// An answer being generated. Pull-based, so that a guest's `llm.stream_next`, a
/// whole `llm.infer` and a server-sent stream all read it the same way.
/// A stream belongs to one thread at a time.
public protocol InferenceStream: AnyObject {
    /// The next piece of text (whole UTF-8 characters), or nil when the answer is complete.
    func next() throws(LLMError) -> String?
    /// Counts so far; final once `next()` returned nil.
    var usage: InferenceUsage { get }
    /// Releases what the stream holds (a context, a connection). Also done on deinit.
    func close()
}

/// A source of completions. The kernel calls it from the agent's thread.
public protocol LanguageModel: Sendable {
    /// Starts answering. `deadline` cancels generation when it passes.
    func open(_ request: InferenceRequest, deadline: ContinuousClock.Instant?) throws(LLMError) -> any InferenceStream
}

extension LanguageModel {
    /// Generates the whole answer.
    public func infer(_ request: InferenceRequest, deadline: ContinuousClock.Instant?) throws(LLMError)
        -> InferenceResult
    {
        let stream = try open(request, deadline: deadline)
        defer { stream.close() }
        var text = ""
        while let piece = try stream.next() { text += piece }
        return InferenceResult(text: text, usage: stream.usage)
    }
}

/// The model used when a manifest configures none: every call fails with a clear reason.
public struct NoLanguageModel: LanguageModel {
    public init() {}
    public func open(_ request: InferenceRequest, deadline: ContinuousClock.Instant?) throws(LLMError)
        -> any InferenceStream
    {
        throw LLMError.unavailable("no model configured: add a `model:` section to the manifest")
    }
}

/// A configured provider that cannot serve requests in this build or on this machine.
public struct UnavailableLanguageModel: LanguageModel {
    public let reason: String
    public init(reason: String) { self.reason = reason }
    public func open(_ request: InferenceRequest, deadline: ContinuousClock.Instant?) throws(LLMError)
        -> any InferenceStream
    {
        throw LLMError.unavailable(reason)
    }
}

/// Chooses the provider for a manifest's `model:` section.
public enum LanguageModels {
    /// Providers that run llama.cpp in this process. `local-cpu` and `local-hybrid` are the
    /// original project's names for 0 and 12 GPU layers; `model.gpu_layers` overrides both.
    public static let localProviders: [String: Int?] = ["local": nil, "local-cpu": 0, "local-hybrid": 12]

    public static func make(for config: ModelConfig?) -> any LanguageModel {
        guard let config else { return NoLanguageModel() }
        if let providerLayers = localProviders[config.provider] {
            let path: String
            switch DefaultModel.resolve(config.path) {
            case .success(let found): path = found
            case .failure(let error): return UnavailableLanguageModel(reason: error.description)
            }
            return LocalLanguageModel(
                modelPath: path, gpuLayers: config.gpuLayers ?? providerLayers, contextWindow: config.contextWindow,
                threads: config.threads)
        }
        do throws(LLMError) {
            switch config.provider {
            case "openai": return try OpenAICompatibleModel(config: config)
            case "ollama": return try OllamaModel(config: config)
            default: break
            }
        } catch {
            return UnavailableLanguageModel(reason: error.description)
        }
        return UnavailableLanguageModel(
            reason: "model.provider: \"\(config.provider)\" is not a known provider; use local, openai or ollama")
    }
}
