import NanosJSON
import NanosLLM
import Testing

@Suite struct InferenceRequestTests {
    @Test func plainPromptIsOneUserMessage() throws {
        let request = try InferenceRequest.parse(Array("What is 2+2?".utf8))
        #expect(request.messages == [.init(role: "user", content: "What is 2+2?")])
    }

    @Test func chatMLPromptSplitsIntoMessagesAndDropsTheOpenAssistantTurn() throws {
        let prompt = "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
        let request = try InferenceRequest.parse(Array(prompt.utf8))
        #expect(request.messages == [.init(role: "system", content: "Be brief."), .init(role: "user", content: "Hi")])
    }

    /// The prompt is the guest's: NUL bytes and non-ASCII text next to the markup are
    /// split as bytes (Foundation's string search has read out of bounds on such text).
    @Test func chatMLWithNULAndNonASCIITextSplitsAsBytes() throws {
        let prompt = "<|im_start|>user\né\u{0}\u{0}<|im_end|><|im_start|>\u{0}<|im_start|>system\n日本\u{0}"
        let request = try InferenceRequest.parse(Array(prompt.utf8))
        #expect(
            request.messages == [
                .init(role: "user", content: "é\u{0}\u{0}"), .init(role: "\u{0}", content: ""),
                .init(role: "system", content: "日本\u{0}"),
            ])
    }

    @Test func jsonRequestCarriesEveryParameter() throws {
        let text =
            #"{"system":"S","messages":[{"role":"user","content":"a"}],"prompt":"b","max_tokens":5,"temperature":0.5,"top_k":40,"top_p":0.9,"seed":7,"stop":["\n","END"],"schema":{"type":"object"}}"#
        let request = try InferenceRequest.parse(Array(text.utf8))
        #expect(request.messages.map(\.role) == ["system", "user", "user"])
        #expect(request.maxTokens == 5 && request.temperature == 0.5 && request.topK == 40 && request.topP == 0.9)
        #expect(request.seed == 7 && request.stop == ["\n", "END"])
        #expect(request.schema?["type"]?.stringValue == "object")
    }

    @Test(arguments: [
        (#"{"promt":"x"}"#, "unknown field \"promt\""),
        (#"{"system":"only"}"#, "non-system message"),
        (#"{"prompt":"x","max_tokens":0}"#, "\"max_tokens\" must be an integer"),
        (#"{"prompt":"x","temperature":"hot"}"#, "\"temperature\" must be a number"),
        (#"{"prompt":"x","messages":[{"role":"robot","content":"y"}]}"#, "messages[0].role"),
        (#"{"prompt":"x","schema":{},"grammar":"root ::= \"a\""}"#, "not both"),
        (#"{"prompt":"x","stop":[1]}"#, "\"stop\" entries must be strings"),
        (#"{"prompt":"x""#, "invalid JSON"),
    ])
    func badRequestsNameTheField(text: String, expected: String) {
        do {
            _ = try InferenceRequest.parse(Array(text.utf8))
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.description.contains(expected), "\(error.description)")
        }
    }
}

@Suite struct StopFilterTests {
    @Test func cutsAtTheStopStringEvenAcrossPieces() {
        var filter = StopFilter(stops: ["<END>"])
        var shown = ""
        for piece in ["Hello <", "E", "ND> ignored"] { shown += filter.feed(piece) }
        shown += filter.finish()
        #expect(shown == "Hello ")
        #expect(filter.stopped)
    }

    @Test func releasesAHeldBackPrefixThatDidNotStop() {
        var filter = StopFilter(stops: ["<END>"])
        var shown = filter.feed("a <E")
        #expect(shown == "a ")
        shown += filter.feed("x")
        shown += filter.finish()
        #expect(shown == "a <Ex")
        #expect(!filter.stopped)
    }
}
