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
        let trace = FileManager.default.temporaryDirectory.appendingPathComponent("agent-\(UUID().uuidString).jsonl").path
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
        for step in inferences {
            let counters = try #require(step["counters"] as? [String: Any])
            #expect((counters["prompt_tokens"] as? Int ?? 0) > 0)
            #expect((counters["generated_tokens"] as? Int ?? 0) > 0)
            // Every action the model produced is valid JSON naming a tool.
            let text = try #require(step["result"] as? String)
            let action = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
            #expect(action?["tool"] is String, "action: \(text)")
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
