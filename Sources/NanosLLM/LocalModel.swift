import CLlama
import Foundation
import NanosManifest

/// `provider: local`: llama.cpp in this process. The weights are shared per file
/// (`LlamaModel.shared`); each open stream holds one context from the model's pool.
public struct LocalLanguageModel: LanguageModel {
    /// `max_tokens` when a request gives none (the original project's limit).
    public static let defaultMaxTokens = 256
    public static let defaultContextWindow = 2048

    public let modelPath: String
    public let gpuLayers: Int?
    public let contextWindow: Int
    public let threads: Int

    public init(modelPath: String, gpuLayers: Int? = nil, contextWindow: Int? = nil, threads: Int? = nil) {
        self.modelPath = modelPath
        self.gpuLayers = gpuLayers
        self.contextWindow = contextWindow ?? Self.defaultContextWindow
        self.threads = threads ?? Self.defaultThreads
    }

    /// `NANOS_THREADS`, else one per core, at most 8 (more rarely helps a small model).
    public static var defaultThreads: Int {
        if let text = ProcessInfo.processInfo.environment["NANOS_THREADS"], let value = Int(text), value > 0 { return value }
        return max(1, min(8, ProcessInfo.processInfo.activeProcessorCount))
    }

    /// Loads the weights now rather than on the first request.
    public func load() throws(LLMError) -> LlamaModel {
        try LlamaModel.shared(path: modelPath, gpuLayers: gpuLayers)
    }

    public func open(_ request: InferenceRequest, deadline: ContinuousClock.Instant?) throws(LLMError) -> any InferenceStream {
        if let deadline, ContinuousClock.now >= deadline { throw .deadlineExceeded }
        let model = try load()
        let grammar: String?
        if let schema = request.schema {
            grammar = try SchemaGrammar.gbnf(for: schema)
        } else {
            grammar = request.grammar
        }
        let prompt = try model.tokenize(try model.renderChat(request.messages))
        guard prompt.count < contextWindow else {
            throw .contextOverflow(
                "the prompt is \(prompt.count) tokens but the context window is \(contextWindow) "
                    + "(model.context_window): shorten the conversation or raise context_window")
        }
        let sampler = try SamplerChain(model: model, request: request, grammar: grammar)
        let pool = model.pool(contextSize: contextWindow)
        let context = try pool.acquire(threads: threads, deadline: deadline)
        let stream = LocalStream(
            model: model, pool: pool, context: context, sampler: sampler, deadline: deadline,
            maxTokens: min(request.maxTokens ?? Self.defaultMaxTokens, contextWindow - prompt.count), stop: request.stop)
        try stream.readPrompt(prompt)
        return stream
    }
}

/// A llama sampler chain built from a request's parameters.
final class SamplerChain {
    let pointer: UnsafeMutablePointer<llama_sampler>

    init(model: LlamaModel, request: InferenceRequest, grammar: String?) throws(LLMError) {
        // The last gate before llama.cpp's recursive grammar parser, whatever built the request.
        if let grammar { try GrammarBounds.check(grammar) }
        var params = llama_sampler_chain_default_params()
        params.no_perf = true
        guard let chain = llama_sampler_chain_init(params) else { throw .unavailable("llama.cpp could not create a sampler") }
        pointer = chain
        vocabularySize = Int(llama_vocab_n_tokens(model.vocab))
        if let grammar {
            guard let constraint = llama_sampler_init_grammar(model.vocab, grammar, "root") else {
                throw .invalidRequest("llm request: llama.cpp refused the grammar (GBNF with a `root` rule is expected)")
            }
            llama_sampler_chain_add(chain, constraint)
        }
        if request.ignoreEndOfGeneration {
            banned = Set(model.endOfGenerationTokens)
            let bans = model.endOfGenerationTokens.map { llama_logit_bias(token: $0, bias: -Float.infinity) }
            llama_sampler_chain_add(chain, llama_sampler_init_logit_bias(llama_vocab_n_tokens(model.vocab), Int32(bans.count), bans))
        }
        let temperature = request.temperature ?? 0
        if temperature <= 0 {
            plainGreedy = grammar == nil
            llama_sampler_chain_add(chain, llama_sampler_init_greedy())
        } else {
            if let topK = request.topK, topK > 0 { llama_sampler_chain_add(chain, llama_sampler_init_top_k(Int32(topK))) }
            if let topP = request.topP, topP < 1 { llama_sampler_chain_add(chain, llama_sampler_init_top_p(Float(topP), 1)) }
            llama_sampler_chain_add(chain, llama_sampler_init_temp(Float(temperature)))
            llama_sampler_chain_add(chain, llama_sampler_init_dist(request.seed ?? LLAMA_DEFAULT_SEED))
        }
    }

    deinit {
        llama_sampler_free(pointer)
        candidates?.deallocate()
    }

    /// Greedy with no grammar: the answer is the largest logit, read straight from the
    /// logits without building the candidate array (per-token work between decodes
    /// shows in generation speed on a small model).
    private var plainGreedy = false
    private var banned: Set<llama_token> = []

    /// One llama_token_data per vocabulary entry, allocated on the first non-greedy sample
    /// and reused: llama's own `llama_sampler_sample` allocates this array (~600 KB here)
    /// for every token, and fresh pages are slow enough to show in generation speed.
    private var candidates: UnsafeMutableBufferPointer<llama_token_data>?
    private let vocabularySize: Int

    /// Samples the next token from the last decoded position and records it in the chain
    /// (grammar state, repetition history), as `llama_sampler_sample` does.
    func sample(_ context: OpaquePointer) -> llama_token? {
        guard let logits = llama_get_logits_ith(context, -1) else { return nil }
        if plainGreedy {
            var best: llama_token?
            var bestLogit = -Float.infinity
            for index in 0..<vocabularySize where logits[index] > bestLogit {
                let token = llama_token(index)
                guard !banned.contains(token) else { continue }
                best = token
                bestLogit = logits[index]
            }
            return best
        }
        let buffer = candidates ?? UnsafeMutableBufferPointer<llama_token_data>.allocate(capacity: vocabularySize)
        candidates = buffer
        guard let base = buffer.baseAddress else { return nil }
        for index in 0..<vocabularySize {
            base[index] = llama_token_data(id: llama_token(index), logit: logits[index], p: 0)
        }
        var array = llama_token_data_array(data: base, size: vocabularySize, selected: -1, sorted: false)
        llama_sampler_apply(pointer, &array)
        guard array.selected >= 0, array.selected < array.size, let data = array.data else { return nil }
        let token = data[Int(array.selected)].id
        llama_sampler_accept(pointer, token)
        return token
    }
}

/// The deadline, where llama.cpp's abort callback can read it during a decode.
final class AbortSignal {
    let deadline: ContinuousClock.Instant?
    init(deadline: ContinuousClock.Instant?) { self.deadline = deadline }
    var passed: Bool { deadline.map { ContinuousClock.now >= $0 } ?? false }
}

/// One answer being generated on a pooled context.
final class LocalStream: InferenceStream {
    private let model: LlamaModel
    private let pool: ContextPool
    private var context: OpaquePointer?
    private let sampler: SamplerChain
    private let abort: AbortSignal
    private let maxTokens: Int
    private var stopFilter: StopFilter
    private var pendingBytes: [UInt8] = []
    private var finished = false
    private(set) var usage = InferenceUsage()

    init(
        model: LlamaModel, pool: ContextPool, context: OpaquePointer, sampler: SamplerChain,
        deadline: ContinuousClock.Instant?, maxTokens: Int, stop: [String]
    ) {
        self.model = model
        self.pool = pool
        self.context = context
        self.sampler = sampler
        abort = AbortSignal(deadline: deadline)
        self.maxTokens = maxTokens
        stopFilter = StopFilter(stops: stop)
        if deadline != nil {
            llama_set_abort_callback(context, { data in
                guard let data else { return false }
                return Unmanaged<AbortSignal>.fromOpaque(data).takeUnretainedValue().passed
            }, Unmanaged.passUnretained(abort).toOpaque())
        }
    }

    deinit { close() }

    func close() {
        guard let context else { return }
        self.context = nil
        pool.release(context)
    }

    /// Runs the prompt through the model, in batches of at most the context size.
    func readPrompt(_ tokens: [llama_token]) throws(LLMError) {
        let start = ContinuousClock.now
        defer { usage.promptMilliseconds = start.duration(to: .now).milliseconds }
        usage.promptTokens = tokens.count
        var tokens = tokens
        do {
            try decode(&tokens)
        } catch {
            close()
            throw error
        }
    }

    func next() throws(LLMError) -> String? {
        while !finished {
            guard let context else { throw .unavailable("the inference stream is closed") }
            if abort.passed { close(); throw .deadlineExceeded }
            guard usage.generatedTokens < maxTokens else {
                finish(.length)
                break
            }
            let start = ContinuousClock.now
            guard let token = sampler.sample(context) else {
                close()
                throw .unavailable("llama.cpp produced no token (the sampler selected none)")
            }
            if model.isEndOfGeneration(token) {
                usage.generationMilliseconds += start.duration(to: .now).milliseconds
                finish(.stop)
                break
            }
            usage.generatedTokens += 1
            pendingBytes += model.piece(of: token)
            if usage.generatedTokens < maxTokens {
                var one = [token]
                do {
                    try decode(&one)
                } catch {
                    close()
                    throw error
                }
            }
            usage.generationMilliseconds += start.duration(to: .now).milliseconds
            let text = stopFilter.feed(takeWholeCharacters())
            if stopFilter.stopped {
                finish(.stop)
                if !text.isEmpty { return text }
                break
            }
            if !text.isEmpty { return text }
        }
        let rest = stopFilter.finish()
        return rest.isEmpty ? nil : rest
    }

    private func finish(_ reason: InferenceUsage.FinishReason) {
        finished = true
        usage.finishReason = reason
        // Whole characters were taken after every token; what is left is a character cut
        // off by max_tokens, dropped rather than shown broken.
        pendingBytes.removeAll()
        close()
    }

    /// The longest prefix of the generated bytes that is whole UTF-8; the rest waits for more tokens.
    private func takeWholeCharacters() -> String {
        var end = pendingBytes.count
        // Step back over an unfinished multi-byte sequence at the end (at most 3 bytes).
        var back = 0
        while back < min(3, end), pendingBytes[end - 1 - back] & 0xC0 == 0x80 { back += 1 }
        if back < end {
            let lead = pendingBytes[end - 1 - back]
            let needed = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
            if needed > back + 1 { end -= back + 1 }
        }
        let text = String(decoding: pendingBytes[..<end], as: UTF8.self)
        pendingBytes.removeFirst(end)
        return text
    }

    private func decode(_ tokens: inout [llama_token]) throws(LLMError) {
        guard let context else { throw .unavailable("the inference stream is closed") }
        let batchSize = max(1, Int(llama_n_ctx(context)))
        var offset = 0
        while offset < tokens.count {
            let count = min(batchSize, tokens.count - offset)
            let status = tokens.withUnsafeMutableBufferPointer { buffer -> Int32 in
                guard let base = buffer.baseAddress else { return -1 }
                return llama_decode(context, llama_batch_get_one(base + offset, Int32(count)))
            }
            switch status {
            case 0: break
            case 2: throw .deadlineExceeded
            case 1: throw .contextOverflow("the context window is full (model.context_window)")
            default: throw .unavailable("llama.cpp failed to decode (status \(status))")
            }
            offset += count
        }
    }
}

extension Duration {
    var milliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) * 1e-15
    }
}
