import NanosLLM

/// A run's model tokens against `resources.tokens`: prompt plus generated, over every
/// `llm.*` call. An open stream reserves what it may still generate, so streams open at
/// once cannot together pass the cap.
struct TokenBudget {
    let limit: Int?
    /// Tokens charged so far.
    private(set) var used = 0
    /// What each open stream may still generate.
    private var reserved: [Int32: Int] = [:]

    init(limit: Int?) { self.limit = limit }

    /// Caps a request to what is left (its `tokenBudget` and `max_tokens`), or refuses it
    /// with EQUOTA when nothing is left.
    func cap(_ request: inout InferenceRequest, call: String) throws(SyscallFailure) {
        guard let limit else { return }
        let left = limit - used - reserved.values.reduce(0, +)
        guard left > 1 else {
            throw SyscallFailure(
                .EQUOTA,
                "\(call): the run's token budget (resources.tokens = \(limit)) is used up: \(used) tokens used"
                    + (reserved.isEmpty ? "" : ", the rest reserved by open streams"))
        }
        request.tokenBudget = left
        // Remote providers learn the prompt's size only from the server: the answer at least stays within it.
        request.maxTokens = min(request.maxTokens ?? LocalLanguageModel.defaultMaxTokens, left - 1)
    }

    /// Charges a finished answer.
    mutating func charge(_ usage: InferenceUsage) {
        used += usage.promptTokens + usage.generatedTokens
    }

    /// Charges an opened stream's prompt and reserves what it may generate.
    mutating func open(_ handle: Int32, usage: InferenceUsage, request: InferenceRequest) {
        used += usage.promptTokens + usage.generatedTokens
        guard let budget = request.tokenBudget else { return }
        reserved[handle] = max(0, min(request.maxTokens ?? LocalLanguageModel.defaultMaxTokens, budget - usage.promptTokens)
            - usage.generatedTokens)
    }

    /// Charges tokens a stream generated since the last charge.
    mutating func stream(_ handle: Int32, generated: Int) {
        used += generated
        if let left = reserved[handle] { reserved[handle] = max(0, left - generated) }
    }

    /// A stream ended or was closed: its reservation is returned.
    mutating func close(_ handle: Int32) {
        reserved[handle] = nil
    }
}
