import Foundation
import NanosJSON
import NanosLLM
import NanosManifest
import Testing

/// Provider `ollama` against a loopback server replaying Ollama's documented responses
/// (Recordings/README.md); the server keeps each request so its body can be checked.
@Suite struct OllamaProviderTests {
    let replay: ReplayServer

    init() throws { replay = try ReplayServer() }

    func model(apiURL: String? = nil, contextWindow: Int? = 4096) -> any LanguageModel {
        LanguageModels.make(
            for: ModelConfig(
                provider: "ollama", modelName: "llama3.2", contextWindow: contextWindow,
                apiURL: apiURL ?? replay.baseURL))
    }

    func sentBody() throws -> JSONValue {
        let request = try #require(replay.requests.last)
        #expect(request.method == "POST" && request.path == "/api/chat")
        return try JSONValue.parse(request.body)
    }

    static let question = [InferenceRequest.Message(role: "user", content: "why is the sky blue?")]

    @Test func streamsTheAnswerAndReportsOllamasCounts() throws {
        try replay.reply(to: "/api/chat", recording: "chat-stream.ndjson")
        let stream = try model().open(InferenceRequest(messages: Self.question), deadline: nil)
        var pieces: [String] = []
        while let piece = try stream.next() { pieces.append(piece) }
        #expect(pieces.count == 9)
        #expect(pieces.joined() == "The sky is blue because of Rayleigh scattering.")
        let usage = stream.usage
        #expect(usage.promptTokens == 26 && usage.generatedTokens == 282)
        #expect(usage.promptMilliseconds == 342.546 && usage.generationMilliseconds == 4535.599)
        #expect(usage.finishReason == .stop)
    }

    @Test func sendsMessagesStreamAndEveryOption() throws {
        try replay.reply(to: "/api/chat", recording: "chat-stream.ndjson")
        let request = InferenceRequest(
            messages: [.init(role: "system", content: "Be brief."), .init(role: "user", content: "Hi")], maxTokens: 64,
            temperature: 0.5, topK: 40, topP: 0.9, seed: 7, stop: ["\n\n"])
        _ = try model().infer(request, deadline: nil)
        let body = try sentBody()
        #expect(body["model"]?.stringValue == "llama3.2")
        #expect(body["stream"]?.boolValue == true)
        #expect(
            body["messages"]?.serialized()
                == #"[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}]"#)
        #expect(body["format"] == nil)
        let options = try #require(body["options"])
        #expect(options["num_predict"]?.intValue == 64)
        #expect(options["temperature"]?.doubleValue == 0.5)
        #expect(options["top_k"]?.intValue == 40 && options["top_p"]?.doubleValue == 0.9)
        #expect(options["seed"]?.intValue == 7)
        #expect(options["stop"]?.serialized() == #"["\n\n"]"#)
        #expect(options["num_ctx"]?.intValue == 4096)
        #expect(replay.requests.last?.headers["authorization"] == nil)
    }

    @Test func absentTemperatureIsSentAsGreedy() throws {
        try replay.reply(to: "/api/chat", recording: "chat-stream.ndjson")
        _ = try model(contextWindow: nil).infer(InferenceRequest(messages: Self.question), deadline: nil)
        let options = try #require(try sentBody()["options"])
        #expect(options.serialized() == #"{"temperature":0.0}"#)
    }

    @Test func schemaIsSentAsFormat() throws {
        try replay.reply(to: "/api/chat", recording: "chat-structured.ndjson")
        let schema = try JSONValue.parse(
            #"{"type":"object","properties":{"age":{"type":"integer"},"available":{"type":"boolean"}},"required":["age","available"]}"#
        )
        let result = try model().infer(
            InferenceRequest(messages: [.init(role: "user", content: "Ollama is 22 years old.")], schema: schema),
            deadline: nil)
        #expect(try sentBody()["format"] == schema)
        let answer = try JSONValue.parse(result.text)
        #expect(answer["age"]?.intValue == 22 && answer["available"]?.boolValue == false)
        #expect(result.usage.promptTokens == 34 && result.usage.generatedTokens == 12)
    }

    @Test func numPredictRunningOutIsLength() throws {
        try replay.reply(to: "/api/chat", recording: "chat-length.ndjson")
        let result = try model().infer(InferenceRequest(messages: Self.question, maxTokens: 3), deadline: nil)
        #expect(result.text == "Hello! How")
        #expect(result.usage.finishReason == .length && result.usage.generatedTokens == 3)
    }

    @Test func stopStringsAreAppliedOnThisSideToo() throws {
        // The recording ignores the stop string, as a server that does not know it would.
        try replay.reply(to: "/api/chat", recording: "chat-stream.ndjson")
        let result = try model().infer(InferenceRequest(messages: Self.question, stop: [" because"]), deadline: nil)
        #expect(result.text == "The sky is blue")
        #expect(result.usage.finishReason == .stop)
    }

    @Test func missingModelQuotesOllamasReason() throws {
        try replay.reply(
            to: "/api/chat", status: 404, contentType: "application/json", recording: "error-model-not-found.json")
        do {
            _ = try model().infer(InferenceRequest(messages: Self.question), deadline: nil)
            Issue.record("a 404 was taken for an answer")
        } catch {
            guard case .unavailable(let message) = error else {
                Issue.record("expected unavailable, got \(error)")
                return
            }
            #expect(message.contains("\(replay.baseURL)/api/chat") && message.contains("HTTP 404"), "\(message)")
            #expect(message.contains(#"model "llama3.2" not found, try pulling it first"#), "\(message)")
        }
    }

    @Test func errorInTheMiddleOfTheStreamEndsIt() throws {
        try replay.reply(to: "/api/chat", recording: "chat-midstream-error.ndjson")
        let stream = try model().open(InferenceRequest(messages: Self.question), deadline: nil)
        #expect(try stream.next() == " Yes")
        #expect(try stream.next() == ".")
        do {
            _ = try stream.next()
            Issue.record("the error line was not reported")
        } catch {
            #expect(error.description.contains("an error was encountered while running the model"))
        }
    }

    @Test func grammarIsRefusedBeforeSending() throws {
        let request = InferenceRequest(messages: Self.question, grammar: #"root ::= "yes""#)
        #expect(
            throws: LLMError.invalidRequest(
                "llm request: the ollama provider does not support \"grammar\"; use \"schema\"")
        ) {
            _ = try model().open(request, deadline: nil)
        }
        #expect(replay.requests.isEmpty)
    }

    @Test func openAIStyleURLReachesTheNativeAPI() throws {
        try replay.reply(to: "/api/chat", recording: "chat-length.ndjson")
        let result = try model(apiURL: replay.baseURL + "/v1/").infer(
            InferenceRequest(messages: Self.question), deadline: nil)
        #expect(result.text == "Hello! How")
        #expect(replay.requests.last?.path == "/api/chat")
    }
}

/// What both remote providers make of the manifest's `model:` fields.
@Suite struct OpenAIAndOllamaConfigTests {
    @Test(arguments: ["openai", "ollama"])
    func unusableURLNamesTheField(provider: String) {
        let model = LanguageModels.make(for: ModelConfig(provider: provider, apiURL: "ftp://example.com"))
        #expect(
            throws: LLMError.unavailable(
                #"model.api_url "ftp://example.com" is not an http:// or https:// URL with a host"#)
        ) {
            _ = try model.infer(InferenceRequest(messages: [.init(role: "user", content: "hi")]), deadline: nil)
        }
    }

    @Test func defaultsAreOpenAIsAndOllamasOwn() throws {
        let openAI = try #require(LanguageModels.make(for: ModelConfig(provider: "openai")) as? OpenAICompatibleModel)
        #expect(openAI.endpoint.absoluteString == "https://api.openai.com/v1/chat/completions")
        #expect(openAI.modelName == "gpt-4o-mini")
        let ollama = try #require(LanguageModels.make(for: ModelConfig(provider: "ollama")) as? OllamaModel)
        #expect(ollama.endpoint.absoluteString == "http://127.0.0.1:11434/api/chat")
    }
}
