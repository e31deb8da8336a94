import CLlama

/// Picks each next token for one answer.
///
/// Sample, then check: the request's sampling (greedy, or top-k/top-p/temperature/seed)
/// runs on the raw logits, and the grammar checks only the token it chose. The grammar
/// filters the whole vocabulary only when it refuses that token, as llama.cpp's common
/// sampler does; filtering ~49,000 candidates at every token halved constrained speed.
///
/// Jump-forward: after each token, ``continuation(limit:)`` asks the grammar whether it
/// admits exactly one next byte, then the next, and so on; that text is appended as
/// tokens without sampling. Owned by one engine thread at a time.
final class TokenSampler {
    /// What may follow the last accepted token.
    enum Continuation: Equatable {
        /// The model chooses.
        case free
        /// These tokens are the only text the grammar admits next; `complete`: and then nothing.
        case forced([llama_token], complete: Bool)
        /// The grammar admits nothing more: the answer is complete.
        case complete
    }

    /// The longest forced text gathered at once (one JSON key with its punctuation fits).
    static let maxForcedBytes = 96

    private let model: LlamaModel
    /// Top-k/top-p/temperature/seed for temperature > 0; nil is greedy.
    private let chain: UnsafeMutablePointer<llama_sampler>?
    private let grammar: UnsafeMutablePointer<llama_sampler>?
    /// Tokens never chosen (end of generation, when a benchmark asks for exactly max_tokens).
    private let banned: Set<llama_token>
    private let vocabularySize: Int
    /// One llama_token_data per vocabulary entry, allocated on first use and reused: a fresh
    /// ~600 KB array per token (what `llama_sampler_sample` does) shows in generation speed.
    private var candidates: UnsafeMutableBufferPointer<llama_token_data>?
    /// The probe for jump-forward: one candidate per single-byte token plus the end tokens.
    private var probe: UnsafeMutableBufferPointer<llama_token_data>?

    init(model: LlamaModel, request: InferenceRequest, grammar grammarText: String?) throws(LLMError) {
        self.model = model
        vocabularySize = Int(llama_vocab_n_tokens(model.vocab))
        banned = request.ignoreEndOfGeneration ? Set(model.endOfGenerationTokens) : []
        grammar = try grammarText.map { (text) throws(LLMError) in try model.grammarSampler(text) }
        let temperature = request.temperature ?? 0
        guard temperature > 0 else {
            chain = nil
            return
        }
        var params = llama_sampler_chain_default_params()
        params.no_perf = true
        guard let made = llama_sampler_chain_init(params) else {
            grammar.map { llama_sampler_free($0) }
            throw .unavailable("llama.cpp could not create a sampler")
        }
        if !banned.isEmpty {
            let bans = banned.map { llama_logit_bias(token: $0, bias: -Float.infinity) }
            llama_sampler_chain_add(made, llama_sampler_init_logit_bias(Int32(vocabularySize), Int32(bans.count), bans))
        }
        if let topK = request.topK, topK > 0 { llama_sampler_chain_add(made, llama_sampler_init_top_k(Int32(topK))) }
        if let topP = request.topP, topP < 1 { llama_sampler_chain_add(made, llama_sampler_init_top_p(Float(topP), 1)) }
        llama_sampler_chain_add(made, llama_sampler_init_temp(Float(temperature)))
        llama_sampler_chain_add(made, llama_sampler_init_dist(request.seed ?? LLAMA_DEFAULT_SEED))
        chain = made
    }

    deinit {
        chain.map { llama_sampler_free($0) }
        grammar.map { llama_sampler_free($0) }
        candidates?.deallocate()
        probe?.deallocate()
    }

    /// The next token from one position's logits, recorded in the grammar and the chain.
    func sample(_ logits: UnsafeMutablePointer<Float>) -> llama_token? {
        guard var token = pick(logits, grammarFirst: false) else { return nil }
        if let grammar, !admits(grammar, token, logit: logits[Int(token)]) {
            guard let allowed = pick(logits, grammarFirst: true) else { return nil }
            token = allowed
        }
        accept(token)
        return token
    }

    /// Records a token chosen elsewhere (a forced one) in the grammar and the chain.
    private func accept(_ token: llama_token) {
        grammar.map { llama_sampler_accept($0, token) }
        chain.map { llama_sampler_accept($0, token) }
    }

    /// The request's choice over all logits; with `grammarFirst`, over what the grammar admits.
    private func pick(_ logits: UnsafeMutablePointer<Float>, grammarFirst: Bool) -> llama_token? {
        if chain == nil && !grammarFirst {
            // Greedy without a grammar pass: the largest logit, read straight from the logits.
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
        if grammarFirst, let grammar { llama_sampler_apply(grammar, &array) }
        if let chain {
            llama_sampler_apply(chain, &array)
            guard array.selected >= 0, array.selected < array.size, let data = array.data else { return nil }
            return data[Int(array.selected)].id
        }
        var best: llama_token?
        var bestLogit = -Float.infinity
        for index in 0..<array.size where base[index].logit > bestLogit && !banned.contains(base[index].id) {
            best = base[index].id
            bestLogit = base[index].logit
        }
        return best
    }

    /// Whether the grammar, in its current state, admits `token` next.
    private func admits(_ grammar: UnsafeMutablePointer<llama_sampler>, _ token: llama_token, logit: Float) -> Bool {
        var one = llama_token_data(id: token, logit: logit, p: 0)
        return withUnsafeMutablePointer(to: &one) { pointer in
            var array = llama_token_data_array(data: pointer, size: 1, selected: -1, sorted: false)
            llama_sampler_apply(grammar, &array)
            return pointer.pointee.logit != -Float.infinity
        }
    }

    // MARK: jump-forward

    /// What the grammar forces after the last accepted token, as at most `limit` tokens
    /// that are then accepted as if sampled. The forced text is tokenized as the model's
    /// tokenizer would write it; its last token is left to the model (unless the grammar
    /// ends there), because the model may prefer a token that runs on past the forced
    /// text, and committing the shorter one would make the rest of the answer unnatural.
    func continuation(limit: Int) -> Continuation {
        guard let grammar, let byteTokens = model.byteTokens, limit > 0 else { return .free }
        var walker: UnsafeMutablePointer<llama_sampler>?
        defer { walker.map { llama_sampler_free($0) } }
        var forced: [UInt8] = []
        var complete = false
        while forced.count < Self.maxForcedBytes {
            let next = admittedNext(walker ?? grammar, byteTokens: byteTokens)
            if next == .end { complete = true }
            guard case .byte(let byte, let token) = next else { break }
            if walker == nil {
                guard let copy = llama_sampler_clone(grammar) else { break }
                walker = copy
            }
            walker.map { llama_sampler_accept($0, token) }
            forced.append(byte)
        }
        if forced.isEmpty { return complete ? .complete : .free }
        let tokens = model.tokenizeText(forced)
        var committed = complete ? tokens : Array(tokens.dropLast())
        if committed.count > limit { committed = Array(committed.prefix(limit)) }
        guard !committed.isEmpty else { return .free }
        committed.forEach(accept)
        return .forced(committed, complete: complete && committed.count == tokens.count)
    }

    private enum Admitted: Equatable {
        /// Exactly one ASCII byte (and its token), and not the end.
        case byte(UInt8, llama_token)
        /// Only the end of the answer.
        case end
        /// Several bytes, or a byte and the end, or something outside ASCII.
        case choice
    }

    /// Probes the grammar with every single-byte token and the end tokens. A token of
    /// several bytes is admitted only if its first byte is, so single bytes see every way
    /// the answer can go on (``ByteTokens`` leaves out only bytes no token starts with);
    /// bytes from 0x80 take part as incomplete UTF-8, which the grammar matches partially.
    private func admittedNext(_ state: UnsafeMutablePointer<llama_sampler>, byteTokens: ByteTokens) -> Admitted {
        let ends = model.endOfGenerationTokens
        let size = byteTokens.tokens.count + ends.count
        let buffer = probe ?? UnsafeMutableBufferPointer<llama_token_data>.allocate(capacity: size)
        probe = buffer
        guard let base = buffer.baseAddress else { return .choice }
        for (index, token) in (byteTokens.tokens + ends).enumerated() {
            base[index] = llama_token_data(id: token, logit: 0, p: 0)
        }
        var array = llama_token_data_array(data: base, size: size, selected: -1, sorted: false)
        llama_sampler_apply(state, &array)
        var admittedByte: Int?
        var admittedEnd = false
        for index in 0..<size where base[index].logit != -Float.infinity {
            if index >= byteTokens.tokens.count {
                admittedEnd = true
            } else if admittedByte == nil {
                admittedByte = index
            } else {
                return .choice
            }
        }
        switch (admittedByte, admittedEnd) {
        case (nil, true): return .end
        case (let index?, false) where byteTokens.bytes[index] < 0x80:
            return .byte(byteTokens.bytes[index], byteTokens.tokens[index])
        default: return .choice
        }
    }
}
