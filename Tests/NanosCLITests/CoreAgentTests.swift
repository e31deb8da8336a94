import Foundation
import Testing

/// The default agent (guest/agents/core/core.swift), compiled with `nanos compile` and
/// run without a model: it must ask the model with a well-formed request that offers
/// only the granted actions, then end cleanly when the model is unavailable.
// Serialized: each test blocks a thread of the shared pool while the binary runs, and
// servers other suites start (llama-server, MCP) need that pool to see they are up.
@Suite(.serialized) struct CoreAgentTests {
    static let source = CLI.repositoryRoot + "/guest/agents/core/core.swift"

    /// A manifest for the compiled agent in the same folder.
    static func manifest(
        tools: String, goal: String?, read: String = "data/*.txt", write: String = "out/*.txt"
    ) -> String {
        var lines = ["name: core", "binary: core.wasm"]
        if let goal { lines.append("goal: \(goal)") }
        lines += [
            "resources: {memory: 16MB, max_steps: 12, timeout: 20s}",
            "tools: \(tools)",
            "permissions:",
            "  fs_read: [\"\(read)\"]",
            "  fs_write: [\"\(write)\"]",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// The core agent, compiled once for the suite: a compile takes seconds of CPU, and the
    /// tests run side by side with servers that must start in time.
    static let compiled: Result<String, CompileFailure> = {
        let folder = CLI.repositoryRoot + "/.build/test-core-agent"
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let wasm = folder + "/core.wasm"
        do {
            let result = try CLI.run(["compile", source, "-o", wasm])
            return result.exitCode == 0 ? .success(wasm) : .failure(CompileFailure(message: result.stderr))
        } catch {
            return .failure(CompileFailure(message: "\(error)"))
        }
    }()

    struct CompileFailure: Error {
        let message: String
    }

    /// A fresh folder holding the compiled core agent.
    func compiledAgent() throws -> TempFolder {
        let wasm = try Self.compiled.get()
        let folder = try TempFolder()
        try FileManager.default.copyItem(atPath: wasm, toPath: folder.path + "/core.wasm")
        return folder
    }

    /// Runs `core.nano` in `folder` with a trace; returns the result and the traced steps.
    func run(_ folder: TempFolder) throws -> (CLI.Result, [[String: Any]]) {
        let trace = folder.path + "/trace.jsonl"
        let result = try CLI.run(["run", folder.path + "/core.nano", "--json", "--trace", trace])
        let lines = try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n")
        let steps = try lines.map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        return (result, steps)
    }

    /// The tool names the request's schema allows, in order.
    func offeredActions(_ request: [String: Any]) throws -> [String] {
        let schema = try #require(request["schema"] as? [String: Any])
        let choices = try #require(schema["oneOf"] as? [[String: Any]])
        return try choices.map { choice in
            let properties = try #require(choice["properties"] as? [String: Any])
            let tool = try #require(properties["tool"] as? [String: Any])
            return try #require(tool["const"] as? String)
        }
    }

    @Test func asksTheModelForOneGrantedActionAndFailsCleanlyWithoutAModel() throws {
        let folder = try compiledAgent()
        try folder.write("core.nano", Self.manifest(tools: "[agent, fs_read, fs_write, llm]", goal: "Read data/a.txt."))
        let (result, steps) = try run(folder)

        #expect(result.exitCode == 1, "stderr: \(result.stderr)")
        let report = try result.json()
        #expect(report["status"] as? String == "failed")
        #expect(report["guest_exit_code"] as? Int == 1)
        #expect(
            steps.map { $0["name"] as? String } == [
                "agent.goal", "agent.tools", "agent.grants", "agent.peers", "llm.infer", "agent.log",
            ])

        let infer = steps[4]
        #expect(infer["errno"] as? String == "EIO")
        let requestText = try #require((infer["args"] as? [Any])?.first as? String)
        let request = try #require(try JSONSerialization.jsonObject(with: Data(requestText.utf8)) as? [String: Any])
        #expect(request["temperature"] as? Int == 0)
        #expect((request["max_tokens"] as? Int ?? 0) > 0)
        let messages = try #require(request["messages"] as? [[String: String]])
        #expect(messages.map { $0["role"] } == ["system", "user"])
        // The goal, and the paths it names listed on their own for a small model to copy.
        #expect(messages[1]["content"] == "Goal: Read data/a.txt.\nPaths in the goal: data/a.txt (you may read it)")
        // The prompt and the schema offer the granted actions only: no web_fetch.
        #expect(try offeredActions(request) == ["fs_read", "fs_list", "fs_write", "done"])
        let system = try #require(messages[0]["content"])
        #expect(system.contains("- fs_write {\"path\": \"<file path>\", \"content\": \"<exactly the text to write>\"}"))
        #expect(!system.contains("web_fetch"))

        // The failure is logged with the host's reason, for a human reading the run.
        #expect(result.stderr.contains("error: step 1: the model failed: EIO: no model configured"))
    }

    @Test func offersOnlyDoneWhenNoFileGroupIsGranted() throws {
        let folder = try compiledAgent()
        try folder.write("core.nano", Self.manifest(tools: "[agent, llm]", goal: "Say hello."))
        let (result, steps) = try run(folder)
        #expect(try result.json()["status"] as? String == "failed")
        let requestText = try #require((steps[4]["args"] as? [Any])?.first as? String)
        let request = try #require(try JSONSerialization.jsonObject(with: Data(requestText.utf8)) as? [String: Any])
        #expect(try offeredActions(request) == ["done"])
    }

    @Test func grantsOfSingleFilesBecomeTheOnlyPathsOffered() throws {
        let folder = try compiledAgent()
        try folder.write(
            "core.nano",
            Self.manifest(
                tools: "[agent, fs_read, fs_write, llm]", goal: "Copy it.", read: "data/a.txt", write: "out/b.txt"))
        let (_, steps) = try run(folder)
        let requestText = try #require((steps[4]["args"] as? [Any])?.first as? String)
        let request = try #require(try JSONSerialization.jsonObject(with: Data(requestText.utf8)) as? [String: Any])
        // No folder is granted: listing one could only fail, so it is not offered.
        #expect(try offeredActions(request) == ["fs_read", "fs_write", "done"])
        let schema = try #require(request["schema"] as? [String: Any])
        let choices = try #require(schema["oneOf"] as? [[String: Any]])
        func pathEnum(_ index: Int) -> [String]? {
            let properties = choices[index]["properties"] as? [String: Any]
            let arguments = (properties?["args"] as? [String: Any])?["properties"] as? [String: Any]
            return (arguments?["path"] as? [String: Any])?["enum"] as? [String]
        }
        #expect(pathEnum(0) == ["data/a.txt"], "a read may name only the readable file")
        #expect(pathEnum(1) == ["out/b.txt"], "a write may name only the writable file")
    }

    /// The first request of a run of `manifest` with the compiled agent.
    func firstRequest(_ manifest: String) throws -> [String: Any] {
        let folder = try compiledAgent()
        try folder.write("core.nano", manifest)
        let (_, steps) = try run(folder)
        let requestText = try #require((steps[4]["args"] as? [Any])?.first as? String)
        return try #require(try JSONSerialization.jsonObject(with: Data(requestText.utf8)) as? [String: Any])
    }

    @Test func globGrantsBecomePatternsAndListableFolders() throws {
        let request = try firstRequest(
            Self.manifest(
                tools: "[agent, fs_read, fs_write, llm]", goal: #"Copy data/inbox/a.txt to out/b.txt, "as is"."#,
                read: "./data/inbox/*", write: "out/**"))
        #expect(try offeredActions(request) == ["fs_read", "fs_list", "fs_write", "done"])
        let schema = try #require(request["schema"] as? [String: Any])
        let choices = try #require(schema["oneOf"] as? [[String: Any]])
        func argument(_ index: Int, _ name: String) -> [String: Any]? {
            let properties = choices[index]["properties"] as? [String: Any]
            let arguments = (properties?["args"] as? [String: Any])?["properties"] as? [String: Any]
            return arguments?[name] as? [String: Any]
        }
        #expect(argument(0, "path")?["pattern"] as? String == "data/inbox/[^/]{1,60}")
        #expect(argument(1, "path")?["enum"] as? [String] == ["data/inbox"], "only the granted folder may be listed")
        #expect(argument(2, "path")?["pattern"] as? String == "out/[^/]{1,60}(?:/[^/]{1,60}){0,3}")
        let messages = try #require(request["messages"] as? [[String: String]])
        let system = try #require(messages.first?["content"])
        #expect(system.contains("Files you may read: data/inbox/*\nFiles you may write: out/**"))
        #expect(
            messages[1]["content"]
                == #"Goal: Copy data/inbox/a.txt to out/b.txt, "as is"."# + "\n"
                + "Paths in the goal: data/inbox/a.txt (you may read it), out/b.txt (you may write it)\n"
                + #"Text quoted in the goal: "as is""#)
    }

    @Test func aGoalNeedingAnUngrantedPathIsOfferedOnlyDone() throws {
        let request = try firstRequest(
            Self.manifest(
                tools: "[agent, fs_read, fs_write, llm]", goal: "Copy /etc/passwd to out/b.txt.", read: "data/*.txt"))
        #expect(try offeredActions(request) == ["done"])
        let messages = try #require(request["messages"] as? [[String: String]])
        #expect(
            messages[1]["content"]
                == "Goal: Copy /etc/passwd to out/b.txt.\n"
                + "Paths in the goal: /etc/passwd (not granted: you may not use it), out/b.txt (you may write it)\n"
                + "The goal needs /etc/passwd, which you may not use: do nothing, finish with done and say so.")
    }

    @Test func refusesToStartWithoutAGoal() throws {
        let folder = try compiledAgent()
        try folder.write("core.nano", Self.manifest(tools: "[agent, llm]", goal: nil))
        let (result, steps) = try run(folder)
        let report = try result.json()
        #expect(report["status"] as? String == "failed")
        #expect(report["guest_exit_code"] as? Int == 2)
        #expect(!steps.contains { $0["name"] as? String == "llm.infer" })
        #expect(result.stderr.contains("core agent: no goal"))
    }
}
