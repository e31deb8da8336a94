import CLlama
import Foundation
import Synchronization
import Logging

/// llama.cpp's process-wide set-up, done once before the first model loads.
enum LlamaRuntime {
    static let logger = Logger(label: "nanos.llama")

    static let ready: Void = {
        // llama.cpp writes its load chatter to stderr by default; route it through swift-log.
        llama_log_set(
            { level, text, _ in
                guard let text else { return }
                let line = String(cString: text).trimmingCharacters(in: .newlines)
                guard !line.isEmpty else { return }
                switch level {
                case GGML_LOG_LEVEL_ERROR: LlamaRuntime.logger.error("\(line)")
                case GGML_LOG_LEVEL_WARN: LlamaRuntime.logger.warning("\(line)")
                default: LlamaRuntime.logger.trace("\(line)")
                }
            }, nil)
        llama_backend_init()
    }()
}

/// Weights loaded once per file and process, shared by every agent that names the file.
/// Read-only after loading, so any thread may use it; inference runs on its decode engines.
public final class LlamaModel: @unchecked Sendable {
    public let path: String
    let pointer: OpaquePointer
    let vocab: OpaquePointer
    /// The chat template from the GGUF metadata, if it has one.
    let chatTemplate: String?
    public let trainedContext: Int
    public let sizeBytes: UInt64
    /// Every token that ends generation (end of sequence, end of turn…).
    let endOfGenerationTokens: [llama_token]

    /// For jump-forward: the single-byte token of every byte some token can start with.
    /// nil when such a byte has no single-byte token (then jump-forward is off for this model).
    let byteTokens: ByteTokens?

    /// The engines and parsed grammars, shared by every agent of the model.
    private struct Caches {
        var engines: [EngineKey: DecodeEngine] = [:]
        /// Parsed grammars, cloned for each request: a schema's grammar is parsed once per process.
        var grammarPrototypes: [String: ParsedGrammar] = [:]
        var grammarOrder: [String] = []
    }

    private let caches = Mutex(Caches())

    /// A parsed grammar sampler the cache owns; only cloned, and freed when dropped from it.
    private struct ParsedGrammar: @unchecked Sendable {
        let sampler: UnsafeMutablePointer<llama_sampler>
    }
    /// The most parsed grammars kept; older ones are parsed again when next asked for.
    static let maxCachedGrammars = 32

    private struct EngineKey: Hashable {
        var window: Int
        var threads: Int
    }

    private init(path: String, pointer: OpaquePointer, vocab: OpaquePointer) {
        self.path = path
        self.pointer = pointer
        self.vocab = vocab
        chatTemplate = llama_model_chat_template(pointer, nil).map { String(cString: $0) }
        trainedContext = Int(llama_model_n_ctx_train(pointer))
        sizeBytes = llama_model_size(pointer)
        endOfGenerationTokens = (0..<llama_vocab_n_tokens(vocab)).filter { llama_vocab_is_eog(vocab, $0) }
        byteTokens = Self.singleByteTokens(vocab)
    }

    private static func singleByteTokens(_ vocab: OpaquePointer) -> ByteTokens? {
        var single = [llama_token?](repeating: nil, count: 256)
        var starts = [Bool](repeating: false, count: 256)
        var buffer = [CChar](repeating: 0, count: 256)
        for token in 0..<llama_vocab_n_tokens(vocab) where !llama_vocab_is_eog(vocab, token) {
            let count = llama_token_to_piece(vocab, token, &buffer, Int32(buffer.count), 0, false)
            guard count > 0 else { continue }
            let byte = Int(UInt8(bitPattern: buffer[0]))
            starts[byte] = true
            if count == 1 && single[byte] == nil { single[byte] = token }
        }
        var bytes: [UInt8] = []
        var tokens: [llama_token] = []
        for byte in 1..<256 where starts[byte] {
            guard let token = single[byte] else { return nil }
            bytes.append(UInt8(byte))
            tokens.append(token)
        }
        return ByteTokens(bytes: bytes, tokens: tokens)
    }

    /// The decode engine for one context window and thread count; created on first use.
    func engine(window: Int, threads: Int) -> DecodeEngine {
        caches.withLock { caches in
            let key = EngineKey(window: window, threads: threads)
            if let engine = caches.engines[key] { return engine }
            let engine = DecodeEngine(
                model: self, window: window, threads: threads, maxSequences: DecodeEngine.defaultMaxSequences)
            caches.engines[key] = engine
            return engine
        }
    }

    /// Sequences (KV sessions) that exist for this window, busy or idle; never more than the engine's limit.
    public func sequenceCount(window: Int) -> Int {
        let found = caches.withLock { $0.engines.filter { $0.key.window == window }.map(\.value) }
        return found.reduce(0) { $0 + $1.sequenceCount }
    }

    /// A fresh grammar sampler for GBNF text (already within ``GrammarBounds``), cloned from
    /// the parsed copy this model keeps.
    func grammarSampler(_ text: String) throws(LLMError) -> UnsafeMutablePointer<llama_sampler> {
        try GrammarBounds.check(text)
        let cached: UnsafeMutablePointer<llama_sampler>? = caches.withLock { caches in
            guard let prototype = caches.grammarPrototypes[text]?.sampler else { return nil }
            caches.grammarOrder.removeAll { $0 == text }
            caches.grammarOrder.append(text)
            return llama_sampler_clone(prototype)
        }
        if let cached { return cached }
        guard let prototype = llama_sampler_init_grammar(vocab, text, "root") else {
            throw .invalidRequest("llm request: llama.cpp refused the grammar (GBNF with a `root` rule is expected)")
        }
        guard let copy = llama_sampler_clone(prototype) else {
            llama_sampler_free(prototype)
            throw .unavailable("llama.cpp could not copy a grammar sampler")
        }
        let parsed = ParsedGrammar(sampler: prototype)
        caches.withLock { caches in
            if let existing = caches.grammarPrototypes.updateValue(parsed, forKey: text) {
                llama_sampler_free(existing.sampler)
                caches.grammarOrder.removeAll { $0 == text }
            }
            caches.grammarOrder.append(text)
            while caches.grammarOrder.count > Self.maxCachedGrammars {
                let oldest = caches.grammarOrder.removeFirst()
                caches.grammarPrototypes.removeValue(forKey: oldest).map { llama_sampler_free($0.sampler) }
            }
        }
        return copy
    }

    // MARK: the process-wide registry

    private struct Key: Hashable {
        var path: String
        var gpuLayers: Int?
    }

    private struct Registry {
        var loaded: [Key: LlamaModel] = [:]
        var loadCount = 0
    }

    private static let registry = Mutex(Registry())

    /// How many times weights were read from disk in this process (one per distinct file).
    public static var loads: Int { registry.withLock { $0.loadCount } }

    /// Answers waiting or being decoded, over every model this process has loaded (the
    /// server's `nanos_model_queue_length`).
    public static var queueLength: Int {
        let models = registry.withLock { Array($0.loaded.values) }
        return models.reduce(0) { total, model in
            total + model.caches.withLock { Array($0.engines.values) }.reduce(0) { $0 + $1.queueLength }
        }
    }

    /// The model at `path`, loading it on first use. Loads hold the registry lock, so two
    /// agents asking for the same file at once still load it once.
    public static func shared(path: String, gpuLayers: Int?) throws(LLMError) -> LlamaModel {
        let canonical = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let key = Key(path: canonical, gpuLayers: gpuLayers)
        return try registry.withLock { registry throws(LLMError) in
            if let model = registry.loaded[key] { return model }
            let model = try load(canonical: canonical, path: path, gpuLayers: gpuLayers)
            registry.loaded[key] = model
            registry.loadCount += 1
            return model
        }
    }

    private static func load(canonical: String, path: String, gpuLayers: Int?) throws(LLMError) -> LlamaModel {
        // Messages reach the guest (last_error), so they name the file, not the host's folders.
        let file = URL(fileURLWithPath: path).lastPathComponent
        guard FileManager.default.isReadableFile(atPath: canonical) else {
            throw .unavailable("model.path: cannot read the model file \(file)")
        }
        _ = LlamaRuntime.ready
        var params = llama_model_default_params()
        if let gpuLayers { params.n_gpu_layers = Int32(clamping: gpuLayers) }
        guard let pointer = llama_model_load_from_file(canonical, params) else {
            throw .unavailable("model.path: llama.cpp could not load \(file) (is it a GGUF model file?)")
        }
        guard let vocab = llama_model_get_vocab(pointer) else {
            llama_model_free(pointer)
            throw .unavailable("model.path: \(file) has no vocabulary")
        }
        let model = LlamaModel(path: canonical, pointer: pointer, vocab: vocab)
        LlamaRuntime.logger.info("loaded model \(canonical) (\(model.sizeBytes) bytes)")
        return model
    }

    // MARK: text and tokens

    /// The chat rendered with the model's template, ending where the assistant's answer starts.
    func renderChat(_ messages: [InferenceRequest.Message]) throws(LLMError) -> String {
        let template = chatTemplate ?? "chatml"
        let roles = messages.map { strdup($0.role) }
        let contents = messages.map { strdup($0.content) }
        defer {
            for pointer in roles + contents { free(pointer) }
        }
        var chat: [llama_chat_message] = []
        for index in messages.indices {
            guard let role = roles[index], let content = contents[index] else {
                throw .unavailable("out of memory while rendering the chat")
            }
            chat.append(llama_chat_message(role: role, content: content))
        }
        var capacity = max(1024, messages.reduce(0) { $0 + $1.content.utf8.count + $1.role.utf8.count } * 2)
        while true {
            var buffer = [CChar](repeating: 0, count: capacity)
            let written = llama_chat_apply_template(
                template, chat, chat.count, true, &buffer, Int32(clamping: capacity))
            guard written >= 0 else {
                throw .unavailable("the chat template of \(path) is not supported by llama.cpp")
            }
            if Int(written) <= capacity {
                return String(decoding: buffer[..<Int(written)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
            capacity = Int(written)
        }
    }

    /// How many tokens these messages take as a prompt.
    public func promptTokenCount(_ messages: [InferenceRequest.Message]) throws(LLMError) -> Int {
        try tokenize(try renderChat(messages)).count
    }

    /// A rendered prompt as tokens: special tokens in the text (`<|im_start|>`) are parsed,
    /// and the model's start token is added.
    func tokenize(_ text: String) throws(LLMError) -> [llama_token] {
        guard let tokens = tokens(of: Array(text.utf8), special: true) else {
            throw .unavailable("llama.cpp could not tokenize the prompt")
        }
        return tokens
    }

    /// Generated text as the tokenizer writes it: no start token, special names are plain text.
    func tokenizeText(_ bytes: [UInt8]) -> [llama_token] {
        tokens(of: bytes, special: false) ?? []
    }

    private func tokens(of bytes: [UInt8], special: Bool) -> [llama_token]? {
        if bytes.isEmpty && !special { return [] }
        var tokens = [llama_token](repeating: 0, count: bytes.count + 16)
        func run(_ tokens: inout [llama_token]) -> Int32 {
            bytes.withUnsafeBufferPointer { text in
                text.withMemoryRebound(to: CChar.self) { chars in
                    llama_tokenize(
                        vocab, chars.baseAddress, Int32(clamping: bytes.count), &tokens, Int32(clamping: tokens.count),
                        special,
                        special)
                }
            }
        }
        var count = run(&tokens)
        if count < 0 {
            guard count != Int32.min else { return nil }
            tokens = [llama_token](repeating: 0, count: Int(-count))
            count = run(&tokens)
        }
        guard count >= 0 else { return nil }
        return Array(tokens[..<Int(count)])
    }

    /// The bytes of one generated token (not always whole UTF-8 characters).
    func piece(of token: llama_token) -> [UInt8] {
        var buffer = [CChar](repeating: 0, count: 64)
        var count = llama_token_to_piece(vocab, token, &buffer, Int32(buffer.count), 0, false)
        if count < 0 {
            buffer = [CChar](repeating: 0, count: Int(-count))
            count = llama_token_to_piece(vocab, token, &buffer, Int32(buffer.count), 0, false)
        }
        return count > 0 ? buffer[..<Int(count)].map { UInt8(bitPattern: $0) } : []
    }

    func isEndOfGeneration(_ token: llama_token) -> Bool { llama_vocab_is_eog(vocab, token) }
}

/// The single-byte tokens of a vocabulary: `tokens[i]` is the text `bytes[i]`. A byte that no
/// token starts with is left out, since no answer can continue with it.
struct ByteTokens {
    let bytes: [UInt8]
    let tokens: [llama_token]
}

/// Where the linked llama.cpp lives, to find the tools built from the same tree
/// (`LLAMA_BENCH` / `LLAMA_SERVER` override, as `scripts/llm-deps.sh --print` gives them).
public enum LlamaLibrary {
    /// The folder holding libllama, as the dynamic linker mapped it (Linux: /proc/self/maps).
    public static var libraryFolder: String? {
        _ = LlamaRuntime.ready
        // Read to the end: procfs files report size 0, and a size-based read stops at one page.
        guard let handle = FileHandle(forReadingAtPath: "/proc/self/maps"),
            let data = try? handle.readToEnd()
        else { return nil }
        let maps = String(decoding: data, as: UTF8.self)
        for line in maps.split(separator: "\n") {
            guard let slash = line.firstIndex(of: "/") else { continue }
            let path = String(line[slash...])
            if URL(fileURLWithPath: path).lastPathComponent.hasPrefix("libllama.so") {
                return URL(fileURLWithPath: path).resolvingSymlinksInPath().deletingLastPathComponent().path
            }
        }
        return nil
    }

    /// A tool (`llama-bench`, `llama-server`) installed next to the linked library.
    public static func tool(_ name: String) -> String? {
        let variable = name.uppercased().replacingOccurrences(of: "-", with: "_")
        if let path = ProcessInfo.processInfo.environment[variable], !path.isEmpty { return path }
        guard let folder = libraryFolder else { return nil }
        let path = URL(fileURLWithPath: folder).deletingLastPathComponent().appendingPathComponent("bin/\(name)").path
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }
}
