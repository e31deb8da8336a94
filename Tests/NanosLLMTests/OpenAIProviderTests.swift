import Foundation
import NanosJSON
import NanosLLM
import NanosManifest
import Testing

/// Provider `openai` against a real llama-server running the default model.
@Suite(.serialized, .llamaServer) struct OpenAIProviderTests {
    let server: LlamaServer
    let model: any LanguageModel

    init() throws {
        server = try LlamaServer.shared()
        model = LanguageModels.make(
            for: ModelConfig(provider: "openai", apiURL: server.baseURL, apiKey: .literal(server.apiKey)))
    }

    static let question = [InferenceRequest.Message(role: "user", content: "What is the capital of France?")]

    func greedy(_ messages: [InferenceRequest.Message] = question, maxTokens: Int = 40) -> InferenceRequest {
        InferenceRequest(messages: messages, maxTokens: maxTokens, temperature: 0, seed: 42)
    }

    @Test func makeChoosesTheOpenAIProvider() {
        #expect(model is OpenAICompatibleModel)
    }

    @Test func greedyAnswerIsRepeatableAndCounted() throws {
        let first = try model.infer(greedy(), deadline: nil)
        let second = try model.infer(greedy(), deadline: nil)
        #expect(!first.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
        #expect(first.text == second.text)
        #expect(first.usage.promptTokens > 0)
        #expect(first.usage.generatedTokens > 0)
        #expect(first.usage.finishReason == .stop || first.usage.finishReason == .length)
        #expect(first.usage.generationMilliseconds > 0)
    }

    @Test func streamedPiecesMakeTheWholeAnswer() throws {
        let whole = try model.infer(greedy(), deadline: nil)
        let stream = try model.open(greedy(), deadline: nil)
        defer { stream.close() }
        var pieces: [String] = []
        while let piece = try stream.next() { pieces.append(piece) }
        #expect(pieces.count >= 3)
        #expect(pieces.joined() == whole.text)
        #expect(stream.usage.generatedTokens == whole.usage.generatedTokens)
        #expect(try stream.next() == nil)
    }

    @Test func maxTokensEndsWithLength() throws {
        let request = greedy([.init(role: "user", content: "Write a long poem about the sea.")], maxTokens: 5)
        let result = try model.infer(request, deadline: nil)
        #expect(result.usage.generatedTokens > 0 && result.usage.generatedTokens <= 5)
        #expect(result.usage.finishReason == .length)
    }

    @Test func stopStringsCutTheAnswer() throws {
        let prompt = [InferenceRequest.Message(role: "user", content: "Describe Paris in two sentences.")]
        let full = try model.infer(greedy(prompt, maxTokens: 60), deadline: nil).text
        // A stop string from the middle of the greedy answer, so both runs generate the same text.
        let middle = full.index(full.startIndex, offsetBy: full.count / 2)
        let stop = String(full[middle...].prefix(4))
        try #require(stop.count == 4)
        let expected = String(full[..<(full.range(of: stop)?.lowerBound ?? full.endIndex)])

        var request = greedy(prompt, maxTokens: 60)
        request.stop = [stop]
        let cutByServer = try model.infer(request, deadline: nil)
        #expect(cutByServer.text == expected)
        #expect(cutByServer.usage.finishReason == .stop)

        // Only the first four stop strings go to the server; a fifth is applied here.
        request.stop = ["<none-1>", "<none-2>", "<none-3>", "<none-4>", stop]
        let cutHere = try model.infer(request, deadline: nil)
        #expect(cutHere.text == expected)
        #expect(cutHere.usage.finishReason == .stop)
    }

    @Test func schemaConstrainsTheAnswerToJSON() throws {
        let schema = try JSONValue.parse(
            #"{"type":"object","properties":{"city":{"type":"string"},"country":{"type":"string"}},"required":["city","country"],"additionalProperties":false}"#
        )
        var request = greedy(
            [.init(role: "user", content: "Name a famous city and its country as JSON.")], maxTokens: 80)
        request.schema = schema
        let result = try model.infer(request, deadline: nil)
        let answer = try JSONValue.parse(result.text)
        #expect(answer["city"]?.stringValue != nil, "\(result.text)")
        #expect(answer["country"]?.stringValue != nil, "\(result.text)")
    }

    @Test func grammarConstrainsTheAnswer() throws {
        var request = greedy([.init(role: "user", content: "Is the sky blue?")], maxTokens: 8)
        request.grammar = #"root ::= "yes" | "no""#
        let result = try model.infer(request, deadline: nil)
        #expect(["yes", "no"].contains(result.text))
    }

    @Test func promptLargerThanTheContextIsAContextOverflow() throws {
        let long = String(repeating: "hello ", count: 3000)
        do {
            _ = try model.infer(greedy([.init(role: "user", content: long)]), deadline: nil)
            Issue.record("a 3000-word prompt fit a 2048-token context")
        } catch {
            guard case .contextOverflow(let message) = error else {
                Issue.record("expected contextOverflow, got \(error)")
                return
            }
            #expect(message.contains("HTTP 400") && message.contains(server.baseURL))
        }
    }

    @Test func deadlineStopsALongAnswer() throws {
        let request = greedy(
            [.init(role: "user", content: "Count from 1 to 1000, separated by commas.")], maxTokens: 1800)
        let start = ContinuousClock.now
        let stream = try model.open(request, deadline: start + .seconds(2))
        var received = ""
        do {
            while let piece = try stream.next() { received += piece }
            Issue.record("the answer finished before the deadline: \(received)")
        } catch {
            #expect(error == .deadlineExceeded)
        }
        // Whether pieces arrived first depends on the machine's load; the cut must come in time.
        #expect(ContinuousClock.now - start < .seconds(4))
        stream.close()
    }

    @Test func unreachableServerIsNamedQuickly() throws {
        let port = try unusedLoopbackPort()
        let closed = LanguageModels.make(for: ModelConfig(provider: "openai", apiURL: "http://127.0.0.1:\(port)/v1"))
        let start = ContinuousClock.now
        do {
            _ = try closed.infer(greedy(), deadline: nil)
            Issue.record("a closed port answered")
        } catch {
            guard case .unavailable(let message) = error else {
                Issue.record("expected unavailable, got \(error)")
                return
            }
            #expect(message.contains("http://127.0.0.1:\(port)/v1/chat/completions"), "\(message)")
            #expect(message.contains("not reachable") && message.contains("3 attempts"), "\(message)")
        }
        #expect(ContinuousClock.now - start < .seconds(3))
    }

    @Test func wrongKeyIsRefusedWithTheServersReason() throws {
        let wrongKey = "wrong-key-\(UUID().uuidString)"
        let refused = LanguageModels.make(
            for: ModelConfig(provider: "openai", apiURL: server.baseURL, apiKey: .literal(wrongKey)))
        do {
            _ = try refused.infer(greedy(), deadline: nil)
            Issue.record("the server accepted a wrong key")
        } catch {
            guard case .unavailable(let message) = error else {
                Issue.record("expected unavailable, got \(error)")
                return
            }
            #expect(message.contains("HTTP 401") && message.contains("Invalid API Key"), "\(message)")
            #expect(message.contains(server.baseURL))
            #expect(!message.contains(wrongKey))
        }
    }

    @Test func keyFromAnUnsetVariableNamesTheField() throws {
        let variable = "NANOS_TEST_UNSET_\(UUID().uuidString.prefix(8))".replacingOccurrences(of: "-", with: "_")
        let unset = LanguageModels.make(
            for: ModelConfig(provider: "openai", apiURL: server.baseURL, apiKey: .environment(variable)))
        do {
            _ = try unset.infer(greedy(), deadline: nil)
            Issue.record("a key from an unset variable was accepted")
        } catch {
            #expect(error.description.contains("model.api_key") && error.description.contains(variable))
        }
    }
}
