import Foundation
import NanosJSON

/// One inference request, the same for every provider.
///
/// Guests send it as JSON through `llm.infer` / `llm.stream_open`:
/// `{"prompt": …}` or `{"messages": [{role, content}…]}`, plus optional
/// `system`, `max_tokens`, `temperature`, `top_k`, `top_p`, `seed`, `stop`
/// (a string or a list), and at most one of `schema` (a JSON Schema object) or
/// `grammar` (GBNF text). A request that does not start with `{` is a plain
/// prompt; a plain prompt written in ChatML (`<|im_start|>role …<|im_end|>`) is
/// split into its messages, as the original project did.
public struct InferenceRequest: Sendable, Equatable {
    public struct Message: Sendable, Equatable {
        public var role: String
        public var content: String
        public init(role: String, content: String) {
            self.role = role
            self.content = content
        }
    }

    public var messages: [Message]
    public var maxTokens: Int?
    /// 0 (or absent) is greedy decoding: deterministic for a given prompt.
    public var temperature: Double?
    public var topK: Int?
    public var topP: Double?
    public var seed: UInt32?
    public var stop: [String]
    /// A JSON Schema the answer must satisfy.
    public var schema: JSONValue?
    /// A GBNF grammar (root rule `root`) the answer must match.
    public var grammar: String?
    /// Generate exactly `maxTokens` tokens (benchmarks). Not part of the wire format.
    public var ignoreEndOfGeneration = false
    /// Start from the longest prefix a KV session holds (off: read the whole prompt, for
    /// raw prompt benchmarks). Not part of the wire format.
    public var reuseSession = true
    /// Prompt plus generated tokens this request may use: the rest of the run's
    /// `resources.tokens`, set by the kernel. Not part of the wire format.
    public var tokenBudget: Int?

    public init(
        messages: [Message], maxTokens: Int? = nil, temperature: Double? = nil, topK: Int? = nil, topP: Double? = nil,
        seed: UInt32? = nil, stop: [String] = [], schema: JSONValue? = nil, grammar: String? = nil
    ) {
        self.messages = messages
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.seed = seed
        self.stop = stop
        self.schema = schema
        self.grammar = grammar
    }

    public static let knownKeys = [
        "prompt", "system", "messages", "max_tokens", "temperature", "top_k", "top_p", "seed", "stop", "schema",
        "grammar",
    ]
    /// Caps on what a request may ask for.
    public static let maxStopStrings = 8
    public static let maxStopLength = 256
    public static let knownRoles: Set<String> = ["system", "user", "assistant", "tool"]

    /// Parses the guest's request bytes; the error text is what the guest reads from `last_error`.
    public static func parse(_ bytes: [UInt8]) throws(LLMError) -> InferenceRequest {
        guard bytes.first == UInt8(ascii: "{") else {
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw .invalidRequest("llm request: the prompt is not valid UTF-8")
            }
            return InferenceRequest(messages: ChatML.messages(in: text))
        }
        let json: JSONValue
        do {
            json = try JSONValue.parse(bytes)
        } catch {
            throw .invalidRequest("llm request: \(error)")
        }
        return try InferenceRequest(json: json)
    }

    /// Builds a request from its JSON form, naming the first field that is wrong.
    public init(json: JSONValue) throws(LLMError) {
        guard let members = json.objectValue else { throw .invalidRequest("llm request: must be a JSON object") }
        for (key, _) in members where !Self.knownKeys.contains(key) {
            throw .invalidRequest(
                "llm request: unknown field \"\(key)\"; known fields: \(Self.knownKeys.joined(separator: ", "))")
        }
        var messages: [Message] = []
        if let system = json["system"] {
            guard let text = system.stringValue else {
                throw .invalidRequest("llm request: \"system\" must be a string")
            }
            messages.append(Message(role: "system", content: text))
        }
        if let list = json["messages"] {
            guard let items = list.arrayValue else {
                throw .invalidRequest("llm request: \"messages\" must be an array")
            }
            for (index, item) in items.enumerated() {
                guard let role = item["role"]?.stringValue, let content = item["content"]?.stringValue else {
                    throw .invalidRequest(
                        "llm request: messages[\(index)] needs string fields \"role\" and \"content\"")
                }
                guard Self.knownRoles.contains(role) else {
                    throw .invalidRequest(
                        "llm request: messages[\(index)].role \"\(role)\" is not one of system, user, assistant, tool")
                }
                messages.append(Message(role: role, content: content))
            }
        }
        if let prompt = json["prompt"] {
            guard let text = prompt.stringValue else {
                throw .invalidRequest("llm request: \"prompt\" must be a string")
            }
            messages.append(Message(role: "user", content: text))
        }
        guard messages.contains(where: { $0.role != "system" }) else {
            throw .invalidRequest("llm request: needs \"prompt\" or a \"messages\" array with a non-system message")
        }
        self.init(messages: messages)
        maxTokens = try Self.integer(json, "max_tokens", in: 1...1_000_000)
        topK = try Self.integer(json, "top_k", in: 0...100_000)
        if let seed = try Self.integer(json, "seed", in: 0...Int(UInt32.max)) { self.seed = UInt32(seed) }
        temperature = try Self.number(json, "temperature", in: 0...10)
        topP = try Self.number(json, "top_p", in: 0...1)
        if let value = json["stop"] {
            let strings: [String]
            if let one = value.stringValue {
                strings = [one]
            } else if let list = value.arrayValue {
                strings = try list.map { (item) throws(LLMError) -> String in
                    guard let text = item.stringValue else {
                        throw .invalidRequest("llm request: \"stop\" entries must be strings")
                    }
                    return text
                }
            } else {
                throw .invalidRequest("llm request: \"stop\" must be a string or a list of strings")
            }
            guard strings.count <= Self.maxStopStrings else {
                throw .invalidRequest(
                    "llm request: \"stop\" has \(strings.count) entries; at most \(Self.maxStopStrings)")
            }
            guard strings.allSatisfy({ !$0.isEmpty && $0.utf8.count <= Self.maxStopLength }) else {
                throw .invalidRequest("llm request: each \"stop\" string must be 1 to \(Self.maxStopLength) bytes")
            }
            stop = strings
        }
        if let schema = json["schema"] {
            guard schema.objectValue != nil || schema.boolValue != nil else {
                throw .invalidRequest("llm request: \"schema\" must be a JSON Schema object")
            }
            self.schema = schema
        }
        if let grammar = json["grammar"] {
            guard let text = grammar.stringValue, !text.isEmpty else {
                throw .invalidRequest("llm request: \"grammar\" must be non-empty GBNF text")
            }
            guard schema == nil else { throw .invalidRequest("llm request: give \"schema\" or \"grammar\", not both") }
            try GrammarBounds.check(text)
            self.grammar = text
        }
    }

    private static func integer(_ json: JSONValue, _ key: String, in range: ClosedRange<Int>) throws(LLMError) -> Int? {
        guard let value = json[key] else { return nil }
        guard let number = value.intValue, let int = Int(exactly: number), range.contains(int) else {
            throw .invalidRequest(
                "llm request: \"\(key)\" must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return int
    }

    private static func number(_ json: JSONValue, _ key: String, in range: ClosedRange<Double>) throws(LLMError)
        -> Double?
    {
        guard let value = json[key] else { return nil }
        guard let number = value.doubleValue, range.contains(number) else {
            throw .invalidRequest(
                "llm request: \"\(key)\" must be a number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }
}

/// ChatML, the prompt format of the original project's core agent.
public enum ChatML {
    static let start = "<|im_start|>"
    static let end = "<|im_end|>"

    /// Splits a ChatML prompt into messages. Text without ChatML markup is one user
    /// message; an unterminated trailing `assistant` turn (the generation prompt) is dropped.
    public static func messages(in prompt: String) -> [InferenceRequest.Message] {
        // Split as bytes: the prompt is the guest's, and Foundation's string search reads out
        // of bounds on some text with NUL bytes.
        let bytes = Array(prompt.utf8)
        let parts = bytes.split(separator: Array(start.utf8), omittingEmptySubsequences: false)
        guard parts.count > 1 else { return [InferenceRequest.Message(role: "user", content: prompt)] }
        var messages: [InferenceRequest.Message] = []
        for part in parts.dropFirst() {
            let endRange = part.firstRange(of: Array(end.utf8))
            let terminated = endRange != nil
            let body = String(decoding: endRange.map { part[..<$0.lowerBound] } ?? part, as: UTF8.self)
            let role: String
            let content: String
            if let newline = body.firstIndex(of: "\n") {
                role = String(body[..<newline]).trimmingCharacters(in: .whitespaces)
                content = String(body[body.index(after: newline)...])
            } else {
                role = body.trimmingCharacters(in: .whitespaces)
                content = ""
            }
            if !terminated && role == "assistant" && content.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                continue
            }
            messages.append(InferenceRequest.Message(role: role.isEmpty ? "user" : role, content: content))
        }
        return messages.isEmpty ? [InferenceRequest.Message(role: "user", content: prompt)] : messages
    }
}
