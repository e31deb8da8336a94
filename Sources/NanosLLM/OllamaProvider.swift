import Foundation
import NanosJSON
import NanosManifest

/// Provider `ollama`: Ollama's native chat API (`POST /api/chat`), streamed as one JSON
/// object per line.
public struct OllamaModel: LanguageModel {
    public static let defaultURL = "http://127.0.0.1:11434"
    public static let defaultModelName = "qwen2.5-coder:latest"

    public let endpoint: URL
    public let modelName: String
    public let contextWindow: Int?
    public let apiKey: Secret?
    public let limits: RemoteLimits

    /// Fails with a message naming `model.api_url` when the URL is unusable.
    public init(config: ModelConfig, limits: RemoteLimits = RemoteLimits()) throws(LLMError) {
        var base = try RemoteEndpoint.baseURL(config.apiURL ?? Self.defaultURL)
        // Manifests written for Ollama's OpenAI-compatible path end in /v1; the native API is beside it.
        if base.lastPathComponent == "v1" { base.deleteLastPathComponent() }
        endpoint = base.appendingPathComponent("api/chat")
        modelName = config.modelName ?? Self.defaultModelName
        contextWindow = config.contextWindow
        apiKey = config.apiKey
        self.limits = limits
    }

    public func open(_ request: InferenceRequest, deadline: ContinuousClock.Instant?) throws(LLMError)
        -> any InferenceStream
    {
        guard request.grammar == nil else {
            throw .invalidRequest("llm request: the ollama provider does not support \"grammar\"; use \"schema\"")
        }
        let started = ContinuousClock.now
        let key = try RemoteEndpoint.resolve(apiKey)
        // Ollama itself needs no key; one in front of it (a proxy, ollama.com) may.
        var headers = [("Content-Type", "application/json"), ("Accept", "application/x-ndjson")]
        if let key { headers.append(("Authorization", "Bearer \(key)")) }
        let secrets = key.map { [$0] } ?? []
        let response = try StreamingHTTPResponse.open(
            url: endpoint, headers: headers, body: Array(body(for: request).serialized().utf8), limits: limits,
            deadline: deadline, secretsToHide: secrets)
        return RemoteInferenceStream(
            response: response, format: OllamaChatLines(secretsToHide: secrets), stops: request.stop, started: started)
    }

    /// The request body. Sampling goes under `options`; `temperature` is always sent, since an
    /// absent one means greedy decoding in nanos and Ollama's default is not greedy.
    func body(for request: InferenceRequest) -> JSONValue {
        var options: [(String, JSONValue)] = [("temperature", .double(request.temperature ?? 0))]
        if let topK = request.topK { options.append(("top_k", .int(Int64(topK)))) }
        if let topP = request.topP { options.append(("top_p", .double(topP))) }
        if let seed = request.seed { options.append(("seed", .int(Int64(seed)))) }
        if let maxTokens = request.maxTokens { options.append(("num_predict", .int(Int64(maxTokens)))) }
        if !request.stop.isEmpty { options.append(("stop", .array(request.stop.map(JSONValue.string)))) }
        if let contextWindow { options.append(("num_ctx", .int(Int64(contextWindow)))) }
        var members: [(String, JSONValue)] = [
            ("model", .string(modelName)),
            ("messages", RemoteEndpoint.messages(request.messages)),
            ("stream", .bool(true)),
        ]
        if let schema = request.schema { members.append(("format", schema)) }
        members.append(("options", .object(options)))
        return .object(members)
    }
}

/// Ollama's streamed chat: `{"message": {"content": …}, "done": false}` per piece, then a
/// `"done": true` object with the counts and durations (nanoseconds).
struct OllamaChatLines: RemoteStreamFormat {
    let secretsToHide: [String]

    func event(fromLine line: [UInt8], url: String) throws(LLMError) -> RemoteStreamEvent? {
        guard line.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }) else { return nil }
        let chunk = try json(line, url: url)
        if let failure = failure(in: chunk, url: url, secretsToHide: secretsToHide) { throw failure }
        var event = RemoteStreamEvent()
        event.text = chunk["message"]?["content"]?.stringValue ?? ""
        guard chunk["done"]?.boolValue == true else { return event }
        event.isEnd = true
        event.finishReason = chunk["done_reason"]?.stringValue == "length" ? .length : .stop
        event.promptTokens = chunk["prompt_eval_count"]?.intValue.map { Int($0) }
        event.generatedTokens = chunk["eval_count"]?.intValue.map { Int($0) }
        if let prompt = chunk["prompt_eval_duration"]?.doubleValue, let generation = chunk["eval_duration"]?.doubleValue
        {
            event.promptMilliseconds = prompt / 1e6
            event.generationMilliseconds = generation / 1e6
        }
        return event
    }
}
