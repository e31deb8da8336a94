import Foundation
import NanosManifest

/// One inference request, as a guest sends it through `llm.infer`.
///
/// The wire form is JSON (`{"prompt": …}` or `{"messages": […]}` plus parameters);
/// a request that does not start with `{` is a plain prompt.
public struct InferenceRequest: Sendable, Equatable {
    public struct Message: Sendable, Equatable, Codable {
        public var role: String
        public var content: String
        public init(role: String, content: String) {
            self.role = role
            self.content = content
        }
    }

    public var messages: [Message]
    public var maxTokens: Int?
    public var temperature: Double?
    public var seed: UInt32?

    public init(messages: [Message], maxTokens: Int? = nil, temperature: Double? = nil, seed: UInt32? = nil) {
        self.messages = messages
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.seed = seed
    }

    private struct Wire: Decodable {
        var prompt: String?
        var messages: [Message]?
        var max_tokens: Int?
        var temperature: Double?
        var seed: UInt32?
    }

    /// Parses the guest's request bytes; the error text is what the guest reads from `last_error`.
    public static func parse(_ bytes: [UInt8]) throws(LLMError) -> InferenceRequest {
        guard bytes.first == UInt8(ascii: "{") else {
            return InferenceRequest(messages: [Message(role: "user", content: String(decoding: bytes, as: UTF8.self))])
        }
        let wire: Wire
        do {
            wire = try JSONDecoder().decode(Wire.self, from: Data(bytes))
        } catch {
            throw LLMError.invalidRequest("request is not valid JSON for llm.infer: \(error)")
        }
        var messages = wire.messages ?? []
        if let prompt = wire.prompt { messages.append(Message(role: "user", content: prompt)) }
        guard !messages.isEmpty else {
            throw LLMError.invalidRequest("request needs \"prompt\" or a non-empty \"messages\" array")
        }
        return InferenceRequest(messages: messages, maxTokens: wire.max_tokens, temperature: wire.temperature, seed: wire.seed)
    }
}

public struct InferenceResult: Sendable, Equatable {
    public var text: String
    public var promptTokens: Int
    public var generatedTokens: Int
    public var milliseconds: Double

    public init(text: String, promptTokens: Int, generatedTokens: Int, milliseconds: Double) {
        self.text = text
        self.promptTokens = promptTokens
        self.generatedTokens = generatedTokens
        self.milliseconds = milliseconds
    }
}

public enum LLMError: Error, Sendable, CustomStringConvertible {
    /// The request itself is malformed (EINVAL for the guest).
    case invalidRequest(String)
    /// The provider failed or is missing (EIO for the guest).
    case unavailable(String)
    /// The agent's deadline passed while inferring (ETIMEDOUT).
    case deadlineExceeded

    public var description: String {
        switch self {
        case .invalidRequest(let message): return message
        case .unavailable(let message): return message
        case .deadlineExceeded: return "the agent's deadline passed during inference"
        }
    }
}

/// A source of completions. The kernel calls it from the agent's thread.
public protocol LanguageModel: Sendable {
    func infer(_ request: InferenceRequest, deadline: ContinuousClock.Instant?) throws(LLMError) -> InferenceResult
}

/// The model used when a manifest configures none: every call fails with a clear reason.
public struct NoLanguageModel: LanguageModel {
    public init() {}
    public func infer(_ request: InferenceRequest, deadline: ContinuousClock.Instant?) throws(LLMError) -> InferenceResult {
        throw LLMError.unavailable("no model configured: add a `model:` section to the manifest")
    }
}

/// Chooses the provider for a manifest's `model:` section.
public enum LanguageModels {
    public static func make(for config: ModelConfig?) -> any LanguageModel {
        guard let config else { return NoLanguageModel() }
        return UnavailableLanguageModel(reason: "model provider \"\(config.provider)\" is not available in this build yet")
    }
}

/// A configured provider that cannot serve requests in this build.
public struct UnavailableLanguageModel: LanguageModel {
    public let reason: String
    public init(reason: String) { self.reason = reason }
    public func infer(_ request: InferenceRequest, deadline: ContinuousClock.Instant?) throws(LLMError) -> InferenceResult {
        throw LLMError.unavailable(reason)
    }
}
