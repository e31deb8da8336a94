import NanosCore
import NanosLLM

/// The llm service: whole answers (`llm_infer`, `llm_chat`) and token streams, from the
/// run's model, within the run's token budget (`resources.tokens`).
final class LLMService: Service {
    private let model: any LanguageModel
    private let deadline: ContinuousClock.Instant?
    private var tokens: TokenBudget
    /// Open `llm.stream_open` answers by handle.
    private var streams: [Int32: any InferenceStream] = [:]
    private var nextStreamHandle: Int32 = 0

    init(model: any LanguageModel, context: RunContext) {
        self.model = model
        deadline = context.deadline
        tokens = TokenBudget(limit: context.limits.tokens)
    }

    var handlers: [String: SyscallHandler] {
        [
            "llm_infer": { arguments in
                let result = self.infer(arguments.bytes(0), call: "llm.infer")
                return result.map { .data(Array($0.text.utf8), counters: $0.usage.counters) }
            },
            "llm_chat": { arguments in
                self.infer(arguments.bytes(0), call: "llm.chat").map { result in
                    let answer = JSONValue.object([
                        ("role", .string("assistant")), ("content", .string(result.text)),
                        ("finish_reason", .string(result.usage.finishReason.rawValue)),
                        ("usage", result.usage.json),
                    ])
                    return .data(Array(answer.serialized().utf8), counters: result.usage.counters)
                }
            },
            "llm_stream_open": { arguments in self.openStream(arguments.bytes(0)) },
            "llm_stream_next": { arguments in self.nextPiece(handle: Int32(clamping: arguments.int(0))) },
            "llm_stream_close": { arguments in self.closeStream(handle: Int32(clamping: arguments.int(0))) },
        ]
    }

    func contribute(to report: inout RunReport) {
        report.tokensUsed = tokens.used
    }

    /// Tokens a recorded answer used count against the budget again, and handles stay
    /// unique. (A stream opened before a resume is not open after it: its next piece is EINVAL.)
    func replayed(_ step: Step) {
        let prompt = Int(step.counters["prompt_tokens"] ?? 0)
        let generated = Int(step.counters["generated_tokens"] ?? 0)
        switch step.name {
        case "llm.infer", "llm.chat": tokens.chargeRecorded(prompt + generated)
        case "llm.stream_open":
            tokens.chargeRecorded(prompt)
            if case .value(let handle) = step.outcome {
                nextStreamHandle = max(nextStreamHandle, Int32(clamping: handle))
            }
        case "llm.stream_next": tokens.chargeRecorded(generated)
        default: break
        }
    }

    /// Streams left open when the run ends give their sequences back.
    func close() {
        for handle in Array(streams.keys) { endStream(handle) }
    }

    /// The guest's request, capped to the run's token budget.
    private func request(_ bytes: [UInt8], call: String) throws(SyscallFailure) -> InferenceRequest {
        var request: InferenceRequest
        do {
            request = try InferenceRequest.parse(bytes)
        } catch {
            throw SyscallFailure(error)
        }
        try tokens.cap(&request, call: call)
        return request
    }

    /// One whole answer, charged to the budget; a failure carries no counters.
    private func infer(_ requestBytes: [UInt8], call: String) -> Answer {
        do throws(SyscallFailure) {
            let request = try request(requestBytes, call: call)
            do {
                let result = try model.infer(request, deadline: deadline)
                tokens.charge(result.usage)
                return .success(result)
            } catch {
                throw SyscallFailure(error)
            }
        } catch {
            return .failure(error)
        }
    }

    private enum Answer {
        case success(InferenceResult)
        case failure(SyscallFailure)

        func map(_ body: (InferenceResult) -> SyscallOutcome) -> SyscallOutcome {
            switch self {
            case .success(let result): return body(result)
            case .failure(let failure): return .failure(failure)
            }
        }
    }

    private func openStream(_ requestBytes: [UInt8]) -> SyscallOutcome {
        guard streams.count < SyscallLimits.openStreams else {
            return .failure(
                SyscallFailure(
                    .E2BIG, "llm.stream_open: \(SyscallLimits.openStreams) streams are already open; close one first"))
        }
        do throws(SyscallFailure) {
            let request = try request(requestBytes, call: "llm.stream_open")
            do {
                let stream = try model.open(request, deadline: deadline)
                nextStreamHandle += 1
                streams[nextStreamHandle] = stream
                tokens.open(nextStreamHandle, usage: stream.usage, request: request)
                return .value(Int64(nextStreamHandle), counters: stream.usage.counters)
            } catch {
                throw SyscallFailure(error)
            }
        } catch {
            return .failure(error)
        }
    }

    /// The next piece of a stream; an empty result at its end (then the stream is closed).
    /// Each step counts the tokens of its own piece; the last also gives the totals.
    private func nextPiece(handle: Int32) -> SyscallOutcome {
        guard let stream = streams[handle] else {
            return .failure(SyscallFailure(.EINVAL, "llm.stream_next: \(handle) is not an open stream handle"))
        }
        let before = stream.usage.generatedTokens
        do {
            let piece = try stream.next()
            let generated = stream.usage.generatedTokens - before
            tokens.stream(handle, generated: generated)
            var counters = ["generated_tokens": Int64(generated)]
            if piece == nil {
                counters["total_generated_tokens"] = Int64(stream.usage.generatedTokens)
                counters["generation_ms"] = Int64(stream.usage.generationMilliseconds.rounded())
                endStream(handle)
            }
            return .data(Array((piece ?? "").utf8), counters: counters)
        } catch {
            tokens.stream(handle, generated: stream.usage.generatedTokens - before)
            endStream(handle)
            return .failure(SyscallFailure(error))
        }
    }

    private func closeStream(handle: Int32) -> SyscallOutcome {
        guard let stream = streams[handle] else {
            return .failure(SyscallFailure(.EINVAL, "llm.stream_close: \(handle) is not an open stream handle"))
        }
        let counters = stream.usage.counters
        endStream(handle)
        return .value(0, counters: counters)
    }

    private func endStream(_ handle: Int32) {
        streams.removeValue(forKey: handle)?.close()
        tokens.close(handle)
    }
}

extension InferenceUsage {
    var json: JSONValue {
        .object([
            ("prompt_tokens", .int(Int64(promptTokens))), ("cached_prompt_tokens", .int(Int64(cachedPromptTokens))),
            ("generated_tokens", .int(Int64(generatedTokens))),
            ("prompt_ms", .double(promptMilliseconds)), ("generation_ms", .double(generationMilliseconds)),
        ])
    }

    /// The step counters of a call that did this much work: `prompt_tokens` in all, of which
    /// `prompt_tokens_cached` came from a KV session and `prompt_tokens_evaluated` were read.
    var counters: [String: Int64] {
        var counters: [String: Int64] = [
            "prompt_tokens": Int64(promptTokens), "prompt_tokens_cached": Int64(cachedPromptTokens),
            "prompt_tokens_evaluated": Int64(evaluatedPromptTokens), "generated_tokens": Int64(generatedTokens),
            "forced_tokens": Int64(forcedTokens),
            "prompt_ms": Int64(promptMilliseconds.rounded()), "generation_ms": Int64(generationMilliseconds.rounded()),
        ]
        // Copied from another agent's session; only when it happened, to keep steps short.
        if sharedPromptTokens > 0 { counters["prompt_tokens_shared"] = Int64(sharedPromptTokens) }
        return counters
    }
}

extension SyscallFailure {
    init(_ error: LLMError) {
        switch error {
        case .invalidRequest(let message): self.init(.EINVAL, message)
        case .contextOverflow(let message): self.init(.E2BIG, message)
        case .unavailable(let message): self.init(.EIO, message)
        case .quotaExceeded(let message): self.init(.EQUOTA, message)
        case .deadlineExceeded: self.init(.ETIMEDOUT, error.description)
        }
    }
}

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

    /// Charges tokens a recorded step used.
    mutating func chargeRecorded(_ count: Int) {
        used += count
    }

    /// Charges a finished answer.
    mutating func charge(_ usage: InferenceUsage) {
        used += usage.promptTokens + usage.generatedTokens
    }

    /// Charges an opened stream's prompt and reserves what it may generate.
    mutating func open(_ handle: Int32, usage: InferenceUsage, request: InferenceRequest) {
        used += usage.promptTokens + usage.generatedTokens
        guard let budget = request.tokenBudget else { return }
        reserved[handle] = max(
            0,
            min(request.maxTokens ?? LocalLanguageModel.defaultMaxTokens, budget - usage.promptTokens)
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
