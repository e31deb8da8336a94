import Foundation
import Testing

/// The examples that use the real default model, run through the real binary.
@Suite(.serialized) struct InferenceExampleTests {
    @Test func streamExampleShowsEveryPieceAsAStepWithItsTokens() throws {
        let storyFile = CLI.repositoryRoot + "/examples/out/story.txt"
        try? FileManager.default.removeItem(atPath: storyFile)
        let result = try CLI.run(["run", "examples/stream.nano", "--json"])
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        let report = try result.json()
        #expect(report["status"] as? String == "ok")
        let steps = try #require(report["steps"] as? [[String: Any]])
        let open = try #require(steps.first { $0["name"] as? String == "llm.stream_open" })
        let openCounters = try #require(open["counters"] as? [String: Any])
        #expect((openCounters["prompt_tokens"] as? Int ?? 0) > 5)
        let pieces = steps.filter { $0["name"] as? String == "llm.stream_next" }
        #expect(pieces.count > 5)
        #expect(pieces.allSatisfy { $0["ok"] as? Bool == true })
        let perStep = pieces.compactMap { ($0["counters"] as? [String: Any])?["generated_tokens"] as? Int }
        let total = (pieces.last?["counters"] as? [String: Any])?["total_generated_tokens"] as? Int
        #expect(perStep.reduce(0, +) == total)
        #expect(total == 48)
        let story = try String(contentsOfFile: storyFile, encoding: .utf8)
        #expect(story.count > 40)
    }

    @Test func defaultAgentRunsTheAgentExampleWithEveryModelStepTraced() throws {
        let trace = FileManager.default.temporaryDirectory.appendingPathComponent("agent-\(UUID().uuidString).jsonl")
            .path
        defer { try? FileManager.default.removeItem(atPath: trace) }
        let result = try CLI.run(["run", "examples/agent.nano", "--json", "--trace", trace])
        let report = try result.json()
        // Whatever the 135M model decides, the run ends by the agent's choice or its step limit.
        let status = report["status"] as? String ?? ""
        #expect(["ok", "max_steps"].contains(status), "stderr: \(result.stderr)")
        let lines = try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n")
        let steps = try lines.map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        let inferences = steps.filter { $0["name"] as? String == "llm.infer" }
        #expect(!inferences.isEmpty)
        // The human step list on stderr shows each model step's token counts too.
        let shownInferences = result.stderr.split(separator: "\n").filter { $0.contains(" llm.infer ") }
        #expect(shownInferences.count == inferences.count)
        #expect(shownInferences.allSatisfy { $0.contains(" token") && $0.contains("→") })
        // From the second call on, the agent's KV session holds the conversation so far: a
        // call evaluates only what was added since the previous prompt (plus the last token,
        // decoded again for its logits), and the step records both counts.
        var previousPrompt: Int?
        for step in inferences {
            let counters = try #require(step["counters"] as? [String: Any])
            let prompt = counters["prompt_tokens"] as? Int ?? 0
            let cached = counters["prompt_tokens_cached"] as? Int ?? -1
            let evaluated = counters["prompt_tokens_evaluated"] as? Int ?? -1
            #expect(cached + evaluated == prompt, "counters: \(counters)")
            if let previousPrompt {
                #expect(cached >= previousPrompt / 2, "counters: \(counters)")
                #expect(evaluated <= prompt - previousPrompt + 1, "counters: \(counters)")
            }
            previousPrompt = prompt
            #expect((counters["prompt_tokens"] as? Int ?? 0) > 0)
            #expect((counters["generated_tokens"] as? Int ?? 0) > 0)
            // Every action the model produced is valid JSON naming a tool.
            let text = try #require(step["result"] as? String)
            let action = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
            #expect(action?["tool"] is String, "action: \(text)")
        }
    }
}

extension InferenceExampleTests {
    /// The default agent with `resources.tokens`: the call that would pass the budget fails
    /// with EQUOTA, the agent stops on it, and the report shows what was used.
    @Test func theTokenBudgetStopsTheAgentWithEQUOTA() throws {
        let folder = try TempFolder()
        let manifest = try String(contentsOfFile: CLI.repositoryRoot + "/examples/agent.nano", encoding: .utf8)
            .replacingOccurrences(of: "  tokens: 20000", with: "  tokens: 700")
        try folder.write("agent.nano", manifest)
        try folder.write(
            "data/instruction.txt",
            try String(contentsOfFile: CLI.repositoryRoot + "/examples/data/instruction.txt", encoding: .utf8))
        let trace = folder.path + "/trace.jsonl"
        let result = try CLI.run(["run", folder.path + "/agent.nano", "--json", "--trace", trace])
        let report = try result.json()
        let used = try #require(report["tokens_used"] as? Int)
        #expect(used > 0 && used <= 700, "report: \(report)")
        #expect((report["limits"] as? [String: Any])?["tokens"] as? Int == 700)
        let lines = try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n")
        let steps = try lines.map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        let refused = try #require(steps.first { $0["name"] as? String == "llm.infer" && $0["ok"] as? Bool == false })
        #expect(refused["errno"] as? String == "EQUOTA")
        #expect((refused["error"] as? String ?? "").contains("resources.tokens"), "step: \(refused)")
        #expect((report["summary"] as? String ?? "").contains("resources.tokens"), "report: \(report)")
        #expect(result.stderr.contains("model tokens"))
    }
}

@Suite struct AgentBenchTests {
    /// A two-call conversation, 1 and 2 agents, one repetition: both sides answer every call.
    @Test func agentBenchReplaysTheConversationOnBothSides() throws {
        let folder = try TempFolder()
        let recorded = try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: CLI.repositoryRoot + "/benchmarks/agent-conversation.json")))
        let calls = try #require((recorded as? [String: Any])?["calls"] as? [Any])
        #expect(calls.count == 7)
        let short = try JSONSerialization.data(withJSONObject: ["calls": Array(calls.prefix(2))])
        let conversation = try folder.write("conversation.json", String(decoding: short, as: UTF8.self))
        let result = try CLI.run([
            "bench", "--agent", "--json", "--repetitions", "1", "--agents", "2", "--conversation", conversation,
        ])
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        let report = try result.json()
        #expect(report["calls_per_agent"] as? Int == 2)
        let figures = try #require(report["figures"] as? [[String: Any]])
        #expect(figures.map { $0["agents"] as? Int } == [1, 2])
        for figure in figures {
            #expect((figure["in_process_s"] as? Double ?? 0) > 0)
            #expect((figure["llama_server_s"] as? Double ?? 0) > 0)
            #expect((figure["speedup"] as? Double ?? 0) > 0)
            #expect(figure["answers"] as? Int == 2 * (figure["agents"] as? Int ?? 0))
            let mine = try #require(figure["in_process_profile"] as? [String: Any])
            let theirs = try #require(figure["llama_server_profile"] as? [String: Any])
            // The same requests on both sides: the same prompts, token for token.
            #expect(mine["prompt_tokens"] as? Int == theirs["prompt_tokens"] as? Int)
            #expect((mine["cached_prompt_tokens"] as? Int ?? 0) > 0)
        }
    }
}

@Suite struct LLMBenchTests {
    @Test func llmBenchComparesWithLlamaBenchAndShowsSharedWeights() throws {
        let result = try CLI.run([
            "bench", "--llm", "--json", "--repetitions", "1", "--prompt-tokens", "32", "--generated-tokens", "8",
            "--agents", "2",
        ])
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        let report = try result.json()
        let ours = try #require(report["in_process"] as? [String: Any])
        let theirs = try #require(report["llama_bench"] as? [String: Any])
        for figures in [ours, theirs] {
            #expect((figures["prompt_tok_s"] as? Double ?? 0) > 0)
            #expect((figures["generation_tok_s"] as? Double ?? 0) > 0)
        }
        #expect((report["ratio_generation"] as? Double ?? 0) > 0)
        let shared = try #require(report["shared_weights"] as? [String: Any])
        #expect(shared["model_loads_in_one_process"] as? Int == 1)
        let together = try #require(shared["rss_one_process_bytes"] as? Int)
        let apart = try #require(shared["rss_separate_processes_total_bytes"] as? Int)
        // Two agents sharing one load of the weights take less than two processes each loading them.
        #expect(together < apart)
    }
}
