import Foundation
import NanosJSON
import NanosLLM
import Testing

/// The default model, as `make test` provides it; a missing model is a failure, not a skip.
func defaultModelPath() throws -> String {
    guard let path = ProcessInfo.processInfo.environment["NANOS_DEFAULT_MODEL"], !path.isEmpty else {
        Issue.record("NANOS_DEFAULT_MODEL is not set: run the tests through `make test`")
        throw LLMError.unavailable("no model")
    }
    return path
}

func localModel(contextWindow: Int = 1024) throws -> LocalLanguageModel {
    LocalLanguageModel(modelPath: try defaultModelPath(), contextWindow: contextWindow, threads: 2)
}

func ask(_ prompt: String, maxTokens: Int = 24, _ configure: (inout InferenceRequest) -> Void = { _ in })
    -> InferenceRequest
{
    var request = InferenceRequest(
        messages: [.init(role: "user", content: prompt)], maxTokens: maxTokens, temperature: 0)
    configure(&request)
    return request
}

@Suite(.serialized) struct LocalModelTests {
    @Test func greedyAnswersAreDeterministicAndSensible() throws {
        let model = try localModel()
        let first = try model.infer(ask("What is the capital of France?"), deadline: nil)
        let second = try model.infer(ask("What is the capital of France?"), deadline: nil)
        #expect(first.text == second.text)
        #expect(first.usage.generatedTokens == second.usage.generatedTokens)
        #expect(first.text.contains("Paris"), "answer: \(first.text)")
        #expect(first.usage.promptTokens > 5)
        #expect(first.usage.finishReason == .stop || first.usage.finishReason == .length)
    }

    @Test func aSeededSampleRepeatsWithTheSameSeed() throws {
        let model = try localModel()
        func sample(seed: UInt32) throws -> String {
            try model.infer(
                ask("Write a word about the sea.", maxTokens: 12) {
                    $0.temperature = 0.9
                    $0.seed = seed
                }, deadline: nil
            ).text
        }
        #expect(try sample(seed: 42) == sample(seed: 42))
    }

    @Test func streamedPiecesAddUpToTheWholeAnswer() throws {
        let model = try localModel()
        let whole = try model.infer(ask("Name three colours.", maxTokens: 30), deadline: nil)
        let stream = try model.open(ask("Name three colours.", maxTokens: 30), deadline: nil)
        var pieces: [String] = []
        while let piece = try stream.next() { pieces.append(piece) }
        #expect(pieces.count > 3)
        #expect(pieces.joined() == whole.text)
        #expect(stream.usage.generatedTokens == whole.usage.generatedTokens)
    }

    @Test func maxTokensEndsWithLength() throws {
        let result = try localModel().infer(ask("Tell me a long story about a dragon.", maxTokens: 5), deadline: nil)
        #expect(result.usage.generatedTokens == 5)
        #expect(result.usage.finishReason == .length)
    }

    @Test func stopStringsCutTheAnswer() throws {
        let model = try localModel()
        let question = "Describe the sea in two sentences."
        let plain = try model.infer(ask(question, maxTokens: 40), deadline: nil).text
        let words = plain.split(separator: " ")
        try #require(words.count > 6, "answer: \(plain)")
        // A stop string from the middle of the greedy answer: the same answer must end just before it.
        let stop = " " + words[5]
        guard let cutPoint = plain.range(of: stop)?.lowerBound else { throw LLMError.unavailable("no stop") }
        let cut = try model.infer(ask(question, maxTokens: 40) { $0.stop = [stop] }, deadline: nil)
        #expect(cut.text == String(plain[..<cutPoint]))
        #expect(cut.usage.finishReason == .stop)
    }

    @Test func anOverlongPromptIsAnErrorThatSaysSo() throws {
        let model = try localModel(contextWindow: 64)
        let long = String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 20)
        do {
            _ = try model.infer(ask(long), deadline: nil)
            Issue.record("an overlong prompt was accepted")
        } catch {
            guard case .contextOverflow(let message) = error else { throw error }
            #expect(message.contains("context window is 64"))
            #expect(message.contains("context_window"))
        }
    }

    @Test func theDeadlineCancelsGeneration() throws {
        let model = try localModel()
        _ = try model.load()
        let start = ContinuousClock.now
        do {
            _ = try model.infer(ask("Count from 1 to 1000.", maxTokens: 900), deadline: .now + .milliseconds(300))
            Issue.record("generation outlived its deadline")
        } catch {
            #expect(error == .deadlineExceeded)
        }
        #expect(start.duration(to: .now) < .seconds(5))
    }

    @Test func aGrammarConstrainsTheAnswer() throws {
        let result = try localModel().infer(
            ask("Is the sky green? Answer yes or no.") {
                $0.grammar = #"root ::= "yes" | "no""#
            }, deadline: nil)
        #expect(["yes", "no"].contains(result.text))
    }

    /// 200 answers, greedy and sampled, each checked against its schema by the JSON Schema checker.
    @Test func schemaConstrainedAnswersParseOnEveryCall() throws {
        let model = try localModel()
        let action: String =
            #"{"type":"object","properties":{"tool":{"enum":["fs_read","fs_write","done"]},"#
            + #""args":{"type":"object","properties":{"path":{"type":"string","maxLength":40}},"required":["path"]}},"#
            + #""required":["tool","args"]}"#
        let person: String =
            #"{"type":"object","properties":{"name":{"type":"string","maxLength":20},"age":{"type":"integer"},"#
            + #""tags":{"type":"array","items":{"type":"string","maxLength":12},"maxItems":3}},"required":["name","age"]}"#
        let verdict: String =
            #"{"oneOf":[{"type":"object","properties":{"answer":{"const":"yes"}},"required":["answer"]},"#
            + #"{"type":"object","properties":{"answer":{"const":"no"},"why":{"type":"string","maxLength":30}},"#
            + #""required":["answer","why"]}]}"#
        let schemas: [JSONValue] = try [action, person, verdict].map { try JSONValue.parse($0) }
        let goals = ["read notes.txt", "write a summary", "finish the task", "look at data/a.csv", "save the result"]
        var forced = 0
        for call in 0..<200 {
            let schema = schemas[call % schemas.count]
            let result = try model.infer(
                ask("Answer with JSON about how to \(goals[call % goals.count]).", maxTokens: 256) {
                    $0.schema = schema
                    $0.temperature = call < 30 ? 0 : 0.9
                    $0.seed = UInt32(call)
                }, deadline: nil)
            forced += result.usage.forcedTokens
            guard result.usage.finishReason == .stop else {
                // Cut off by max_tokens: a prefix of valid JSON, which the grammar cannot finish.
                Issue.record("call \(call) ran out of tokens: \(result.text)")
                continue
            }
            let answer = try JSONValue.parse(result.text)
            let violations = JSONSchema(schema).violations(of: answer)
            #expect(violations.isEmpty, "call \(call): \(result.text): \(violations)")
        }
        // Keys, quotes and braces the grammar forces are appended without sampling.
        #expect(forced > 200)
    }

    @Test func jumpForwardAppendsTheTextTheGrammarForces() throws {
        let result = try localModel().infer(
            ask("Say a colour.", maxTokens: 40) {
                $0.grammar = #"root ::= "{\"colour\": \"" [a-z]+ "\", \"certain\": true}""#
            }, deadline: nil)
        let answer = try JSONValue.parse(result.text)
        #expect(answer["certain"]?.boolValue == true, "answer: \(result.text)")
        let colour = answer["colour"]?.stringValue ?? ""
        #expect(colour.count > 0, "answer: \(result.text)")
        // `{"colour": "` after the first token and `", "certain": true}` at the end are forced.
        #expect(result.usage.forcedTokens >= 6, "usage: \(result.usage)")
        #expect(result.usage.finishReason == .stop)
    }

    @Test func aSecondCallOfTheConversationEvaluatesOnlyTheNewTokens() throws {
        let model = try localModel(contextWindow: 1024)
        let system = InferenceRequest.Message(role: "system", content: "You are a terse assistant. Session \(UUID()).")
        var first = ask("Name a fruit.", maxTokens: 12)
        first.messages.insert(system, at: 0)
        let one = try model.infer(first, deadline: nil)
        // Only the template's opening can match an earlier session: the system prompt is new.
        #expect(one.usage.cachedPromptTokens < 8, "usage: \(one.usage)")
        var second = first
        second.messages += [
            .init(role: "assistant", content: one.text), .init(role: "user", content: "And a vegetable?"),
        ]
        let two = try model.infer(second, deadline: nil)
        let newTokens = two.usage.promptTokens - one.usage.promptTokens
        #expect(two.usage.cachedPromptTokens >= one.usage.promptTokens, "usage: \(two.usage)")
        #expect(two.usage.evaluatedPromptTokens <= newTokens, "usage: \(two.usage)")
        // The same request again reads only its last token (whose logits start the answer).
        let three = try model.infer(second, deadline: nil)
        #expect(three.usage.evaluatedPromptTokens == 1)
        #expect(three.text == two.text)
        // Turning reuse off reads the whole prompt.
        var fresh = second
        fresh.reuseSession = false
        let four = try model.infer(fresh, deadline: nil)
        #expect(four.usage.cachedPromptTokens == 0)
        #expect(four.text == two.text)
    }

    @Test func agentsWithTheSameSystemPromptShareItsKVCache() throws {
        let model = try localModel(contextWindow: 768)  // a window no other test uses: a fresh engine
        func busy(_ prompt: String, system: String? = nil) throws -> any InferenceStream {
            var request = ask(prompt, maxTokens: 300)
            request.ignoreEndOfGeneration = true
            if let system { request.messages.insert(.init(role: "system", content: system), at: 0) }
            return try model.open(request, deadline: nil)
        }
        // Two answers at once give the engine a second sequence.
        let first = try busy("Count to fifty.")
        let second = try busy("Name the planets.")
        first.close()
        second.close()
        #expect(try model.load().sequenceCount(window: 768) == 2)
        let system =
            "You are a careful assistant. You answer in one short sentence, politely and precisely. "
            + "Session \(UUID()). Never repeat the question, and never add a greeting."
        let talking = try busy("Name a colour.", system: system)
        defer { talking.close() }
        // While that agent is busy, a second one with the same system prompt copies its KV cache.
        var request = ask("Name a fruit.", maxTokens: 16)
        request.messages.insert(.init(role: "system", content: system), at: 0)
        let stream = try model.open(request, deadline: nil)
        var text = ""
        while let piece = try stream.next() { text += piece }
        #expect(stream.usage.sharedPromptTokens >= 32, "usage: \(stream.usage)")
        #expect(stream.usage.cachedPromptTokens == stream.usage.sharedPromptTokens)
        // The copied prefix gives the answer reading the whole prompt gives. Not to the last
        // token: the two prompts were evaluated in batches of other shapes (one beside a
        // busy agent), and float sums in another order can tip a late greedy choice.
        request.reuseSession = false
        let fresh = try model.infer(request, deadline: nil).text
        #expect(!text.isEmpty && fresh.prefix(6) == text.prefix(6), "shared: \(text); fresh: \(fresh)")
    }

    @Test func theTokenBudgetCapsPromptAndAnswer() throws {
        let model = try localModel()
        var request = ask("Tell me a long story about a dragon.", maxTokens: 200)
        request.tokenBudget = 5
        #expect(throws: LLMError.self) { try model.infer(request, deadline: nil) }
        do {
            _ = try model.infer(request, deadline: nil)
        } catch {
            guard case .quotaExceeded(let message) = error else {
                Issue.record("expected quotaExceeded, got \(error)")
                return
            }
            #expect(message.contains("resources.tokens"))
        }
        let prompt = try model.load().promptTokenCount(request.messages)
        request.tokenBudget = prompt + 7
        let result = try model.infer(request, deadline: nil)
        #expect(result.usage.promptTokens + result.usage.generatedTokens <= prompt + 7)
        #expect(result.usage.finishReason == .length)
    }

    @Test func answersKeepComingWhileAnotherAgentReadsALongPrompt() throws {
        let model = try localModel(contextWindow: 2048)
        let long = String(repeating: "The river runs past the stone lamp in the garden. ", count: 130)
        // A generating stream, started first.
        var steady = ask("Count from one to one hundred in words.", maxTokens: 400)
        steady.ignoreEndOfGeneration = true
        let stream = try model.open(steady, deadline: nil)
        _ = try stream.next()
        let longStarted = ContinuousClock.now
        let longRead = LockedArray<ContinuousClock.Instant>()
        let reader = Thread {
            var request = ask(long + "\nSummarise this in one word.", maxTokens: 4)
            request.reuseSession = false
            if let answer = try? model.open(request, deadline: nil) {
                longRead.append(.now)
                answer.close()
            }
        }
        reader.start()
        var pieces: [ContinuousClock.Instant] = []
        while longRead.count == 0, pieces.count < 400, (try stream.next()) != nil { pieces.append(.now) }
        stream.close()
        let readAt = try #require(longRead.all.first, "the long prompt was not read")
        let duringRead = pieces.filter { $0 > longStarted && $0 < readAt }.count
        // The long prompt (~1,500 tokens) is read in chunks between the other answer's tokens.
        #expect(longStarted.duration(to: readAt) > .milliseconds(500))
        #expect(
            duringRead >= 5,
            "\(duringRead) tokens while the long prompt was read in \(longStarted.duration(to: readAt))")
    }
    @Test func anInvalidGrammarIsTheRequestsFault() throws {
        #expect(throws: LLMError.self) {
            try localModel().infer(ask("Hi") { $0.grammar = "root ::= (" }, deadline: nil)
        }
    }

    /// The message reaches the guest (last_error): it names the file, not the host's folders.
    @Test func aMissingModelFileIsAClearErrorWithoutTheHostFolder() {
        let model = LocalLanguageModel(modelPath: "/nonexistent/model.gguf")
        do {
            _ = try model.infer(ask("Hi"), deadline: nil)
            Issue.record("inferred without a model")
        } catch {
            #expect(error.description == "model.path: cannot read the model file model.gguf")
        }
    }

    @Test func fourAgentsShareOneLoadOfTheWeights() throws {
        let path = try defaultModelPath()
        let models = (0..<4).map { _ in LocalLanguageModel(modelPath: path, contextWindow: 512, threads: 1) }
        _ = try models[0].load()
        let loadsBefore = LlamaModel.loads
        let answers = LockedArray<String>()
        DispatchQueue.concurrentPerform(iterations: 4) { index in
            if let result = try? models[index].infer(ask("Say hello number \(index).", maxTokens: 8), deadline: nil) {
                answers.append(result.text)
            }
        }
        #expect(answers.count == 4)
        #expect(LlamaModel.loads == loadsBefore)
        let shared = try models[0].load()
        #expect(shared === (try models[3].load()))
        #expect(shared.sequenceCount(window: 512) <= 4)
    }
}

/// A thread-safe list for collecting results from concurrent work.
final class LockedArray<Element>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Element] = []
    func append(_ item: Element) { lock.withLock { items.append(item) } }
    var count: Int { lock.withLock { items.count } }
    var all: [Element] { lock.withLock { items } }
}
