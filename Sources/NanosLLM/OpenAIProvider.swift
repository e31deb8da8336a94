import Foundation
import NanosJSON
import NanosManifest

/// Provider `openai`: any server with OpenAI's chat completions API (OpenAI, llama-server,
/// vLLM, LM Studio…). Always streams, as server-sent events.
public struct OpenAICompatibleModel: LanguageModel {
    public static let defaultURL = "https://api.openai.com/v1"
    public static let defaultModelName = "gpt-4o-mini"
    /// OpenAI refuses more stop strings than this; further ones are applied on this side only.
    public static let maxServerStops = 4

    public let endpoint: URL
    public let modelName: String
    public let apiKey: Secret?
    public let limits: RemoteLimits

    /// Fails with a message naming `model.api_url` when the URL is unusable.
    public init(config: ModelConfig, limits: RemoteLimits = RemoteLimits()) throws(LLMError) {
        let base = try RemoteEndpoint.baseURL(config.apiURL ?? Self.defaultURL)
        endpoint = base.appendingPathComponent("chat/completions")
        modelName = config.modelName ?? Self.defaultModelName
        apiKey = config.apiKey
        self.limits = limits
    }

    public func open(_ request: InferenceRequest, deadline: ContinuousClock.Instant?) throws(LLMError)
        -> any InferenceStream
    {
        let started = ContinuousClock.now
        let key = try RemoteEndpoint.resolve(apiKey)
        var headers = [("Content-Type", "application/json"), ("Accept", "text/event-stream")]
        if let key { headers.append(("Authorization", "Bearer \(key)")) }
        let response = try StreamingHTTPResponse.open(
            url: endpoint, headers: headers, body: Array(body(for: request).serialized().utf8), limits: limits,
            deadline: deadline, secretsToHide: key.map { [$0] } ?? [])
        return RemoteInferenceStream(
            response: response, format: ServerSentEvents(secretsToHide: key.map { [$0] } ?? []), stops: request.stop,
            started: started)
    }

    /// The request body. Parameters a request leaves out are left out here too, except
    /// `temperature`: an absent one means greedy decoding in nanos, so 0 is sent.
    func body(for request: InferenceRequest) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("model", .string(modelName)),
            ("messages", RemoteEndpoint.messages(request.messages)),
            ("stream", .bool(true)),
            ("stream_options", .object([("include_usage", .bool(true))])),
            ("temperature", .double(request.temperature ?? 0)),
        ]
        if let maxTokens = request.maxTokens { members.append(("max_tokens", .int(Int64(maxTokens)))) }
        if let topP = request.topP { members.append(("top_p", .double(topP))) }
        // Not part of OpenAI's API (which refuses unknown fields); llama-server and vLLM read it.
        if let topK = request.topK { members.append(("top_k", .int(Int64(topK)))) }
        if let seed = request.seed { members.append(("seed", .int(Int64(seed)))) }
        if !request.stop.isEmpty {
            members.append(("stop", .array(request.stop.prefix(Self.maxServerStops).map(JSONValue.string))))
        }
        if let schema = request.schema {
            members.append(
                (
                    "response_format",
                    .object([
                        ("type", .string("json_schema")),
                        (
                            "json_schema",
                            .object([("name", .string("answer")), ("schema", schema), ("strict", .bool(true))])
                        ),
                    ])
                ))
        }
        // llama-server's extension; OpenAI itself refuses the field.
        if let grammar = request.grammar { members.append(("grammar", .string(grammar))) }
        return .object(members)
    }
}

/// OpenAI's streamed chat completion: `data: {chunk}` lines, ending with `data: [DONE]`.
struct ServerSentEvents: RemoteStreamFormat {
    let secretsToHide: [String]

    func event(fromLine line: [UInt8], url: String) throws(LLMError) -> RemoteStreamEvent? {
        // Blank lines separate events; lines starting with ":" are comments (keep-alives).
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > 0 else { return nil }
        let field = String(decoding: line[..<colon], as: UTF8.self)
        var value = line[(colon + 1)...]
        if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
        switch field {
        case "data":
            break
        case "error":
            // llama-server reports a failure after the headers as an `error:` line.
            let json = try json(value, url: url)
            throw failure(in: .object([("error", json)]), url: url, secretsToHide: secretsToHide)
                ?? .unavailable("\(url) reported an error while answering")
        default:
            return nil  // event:, id:, retry:
        }
        if value.elementsEqual("[DONE]".utf8) { return RemoteStreamEvent(isEnd: true) }
        let chunk = try json(value, url: url)
        if let failure = failure(in: chunk, url: url, secretsToHide: secretsToHide) { throw failure }
        var event = RemoteStreamEvent()
        if let choice = chunk["choices"]?.arrayValue?.first {
            event.text = choice["delta"]?["content"]?.stringValue ?? ""
            if let reason = choice["finish_reason"]?.stringValue {
                event.finishReason = reason == "length" ? .length : .stop
            }
        }
        // Only the last chunk has usage, with `stream_options.include_usage`; servers that ignore
        // the option send none, and the counts stay 0.
        if let usage = chunk["usage"], usage.objectValue != nil {
            event.promptTokens = usage["prompt_tokens"]?.intValue.map { Int($0) }
            event.generatedTokens = usage["completion_tokens"]?.intValue.map { Int($0) }
        }
        return event
    }
}

/// What both HTTP providers do with the manifest's `model:` fields.
enum RemoteEndpoint {
    /// Checks `model.api_url` and drops a trailing slash.
    static func baseURL(_ text: String) throws(LLMError) -> URL {
        var trimmed = text.trimmingCharacters(in: .whitespaces)
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let url = URL(string: trimmed), let scheme = url.scheme?.lowercased(),
            scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty
        else {
            throw .unavailable("model.api_url \"\(trimmed)\" is not an http:// or https:// URL with a host")
        }
        return url
    }

    /// The key's value; a missing `env:` variable is reported with the field's name.
    static func resolve(_ secret: Secret?) throws(LLMError) -> String? {
        guard let secret else { return nil }
        do {
            return try secret.resolve(field: "model.api_key")
        } catch {
            throw .unavailable(error.description)
        }
    }

    static func messages(_ messages: [InferenceRequest.Message]) -> JSONValue {
        .array(messages.map { .object([("role", .string($0.role)), ("content", .string($0.content))]) })
    }
}
