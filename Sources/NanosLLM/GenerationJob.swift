import CLlama

/// One answer on a ``DecodeEngine``: what its stream asked for and what has been produced.
///
/// The stream's thread and the engine thread share it. Fields under "shared" are read and
/// written only under the engine's condition; fields under "engine thread" belong to the
/// engine alone.
final class GenerationJob: @unchecked Sendable {
    enum Outcome: Equatable {
        case finished(InferenceUsage.FinishReason)
        case failed(LLMError)
    }

    let prompt: [llama_token]
    let sampler: TokenSampler
    let maxTokens: Int
    let deadline: ContinuousClock.Instant?
    /// Start from the longest cached prefix of a session (off for raw prompt benchmarks).
    let reuseSession: Bool
    let submitted = ContinuousClock.now

    // MARK: shared

    /// Tokens generated and not yet taken by the stream.
    var produced: [llama_token] = []
    /// Set once, when the answer ends or fails.
    var outcome: Outcome?
    /// The stream was closed: the engine drops the job at its next step.
    var cancelled = false
    /// The whole prompt is in the KV cache and the first token is sampled.
    var promptRead = false
    var usage = InferenceUsage()

    // MARK: engine thread

    /// The sequence (KV session) holding this answer; -1 while it waits for one.
    var sequence: Int32 = -1
    /// Tokens to decode before the next token is sampled: the unread part of the prompt,
    /// then the last sampled token with any forced after it; `pendingStart` is the next one.
    var pending: [llama_token] = []
    var pendingStart = 0
    var generated = 0
    /// Of those, tokens appended by jump-forward.
    var forced = 0
    /// When the first answer token was sampled; nil while the prompt is being read.
    var firstTokenAt: ContinuousClock.Instant?

    init(
        prompt: [llama_token], sampler: TokenSampler, maxTokens: Int, deadline: ContinuousClock.Instant?,
        reuseSession: Bool
    ) {
        self.prompt = prompt
        self.sampler = sampler
        self.maxTokens = maxTokens
        self.deadline = deadline
        self.reuseSession = reuseSession
        usage.promptTokens = prompt.count
    }

    var pendingCount: Int { pending.count - pendingStart }
}
