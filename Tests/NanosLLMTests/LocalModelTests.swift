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

func ask(_ prompt: String, maxTokens: Int = 24, _ configure: (inout InferenceRequest) -> Void = { _ in }) -> InferenceRequest {
    var request = InferenceRequest(messages: [.init(role: "user", content: prompt)], maxTokens: maxTokens, temperature: 0)
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
            try model.infer(ask("Write a word about the sea.", maxTokens: 12) {
                $0.temperature = 0.9
                $0.seed = seed
            }, deadline: nil).text
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
        let result = try localModel().infer(ask("Is the sky green? Answer yes or no.") {
            $0.grammar = #"root ::= "yes" | "no""#
        }, deadline: nil)
        #expect(["yes", "no"].contains(result.text))
    }

    @Test func schemaConstrainedAnswersParseOnEveryCall() throws {
        let model = try localModel()
        let schema = try JSONValue.parse(
            #"{"type":"object","properties":{"tool":{"enum":["fs_read","fs_write","done"]},"#
                + #""args":{"type":"object","properties":{"path":{"type":"string","maxLength":40}},"required":["path"]}},"#
                + #""required":["tool","args"]}"#)
        let goals = ["read notes.txt", "write a summary", "finish the task", "look at data/a.csv", "save the result"]
        for call in 0..<50 {
            let result = try model.infer(
                ask("Choose the next action to \(goals[call % goals.count]). Answer with JSON.", maxTokens: 128) {
                    $0.schema = schema
                    $0.temperature = call < 10 ? 0 : 0.9
                    $0.seed = UInt32(call)
                }, deadline: nil)
            let action = try JSONValue.parse(result.text)
            #expect(["fs_read", "fs_write", "done"].contains(action["tool"]?.stringValue ?? ""), "call \(call): \(result.text)")
            #expect((action["args"]?["path"]?.stringValue?.count ?? 99) <= 40, "call \(call): \(result.text)")
            #expect(result.usage.finishReason == .stop)
        }
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
