import Foundation
import Testing

/// MCP from the command line: `nanos mcp ls`, and the time-server example through `nanos run`.
@Suite struct MCPCommandTests {
    static let example = "examples/mcp_server_caller.nano"

    @Test func lsListsEachWhitelistedServersToolsWithTheirSchemas() throws {
        let result = try CLI.run(["mcp", "ls", Self.example])
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        let text = result.stdout
        #expect(
            text.hasPrefix(
                "time  (mcp-server-time --local-timezone UTC)\n  tools (2):\n    get_current_time — Get current time"))
        #expect(text.contains("    convert_time — Convert time between timezones"))
        #expect(text.contains("      input schema:\n        {\n"))
        #expect(text.contains(#""required": ["timezone"],"#))
        #expect(text.contains(#""required": ["source_timezone","time","target_timezone"],"#))
        #expect(text.contains("      output schema:"))
        #expect(text.hasSuffix("  resources (0):\n  prompts (0):\n"))
    }

    @Test func lsJSONCoversToolsResourcesAndPrompts() throws {
        let folder = try TempFolder()
        let script = MCPFixture.testServer
        let python = try MCPFixture.python()
        try folder.write(
            "servers.nano",
            """
            resources: {memory: 1MB, max_steps: 1}
            permissions: {}
            mcp_servers:
              - {name: test, command: "\(python)", args: ["\(script)"]}
              - {name: time, command: mcp-server-time}
            """)
        let result = try CLI.run(["mcp", "ls", folder.path + "/servers.nano", "test", "--json"])
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        let report = try result.json()
        #expect(Array(report.keys) == ["test"], "only the server asked for")
        let test = try #require(report["test"] as? [String: Any])
        let tools = try #require(test["tools"] as? [[String: Any]])
        #expect(tools.compactMap { $0["name"] as? String } == ["echo", "fail", "history", "crash", "hang"])
        let schema = try #require(tools.first?["inputSchema"] as? [String: Any])
        #expect(schema["required"] as? [String] == ["text"])
        let resources = try #require(test["resources"] as? [[String: Any]])
        #expect(resources.first?["uri"] as? String == "note://readme")
        let prompts = try #require(test["prompts"] as? [[String: Any]])
        #expect(prompts.first?["name"] as? String == "review")

        let unknown = try CLI.run(["mcp", "ls", folder.path + "/servers.nano", "rogue"])
        #expect(unknown.exitCode == 2)
        #expect(unknown.stderr.contains(#"no MCP server named "rogue" in mcp_servers; it lists test, time"#))
    }

    @Test func theTimeServerExampleCallsTheRealServerFromTheSandbox() throws {
        let folder = try TempFolder()
        let trace = folder.path + "/mcp.jsonl"
        let result = try CLI.run(["run", Self.example, "--json", "--trace", trace])
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        let report = try result.json()
        #expect((report["summary"] as? String)?.hasPrefix("Tokyo time 20") == true, "\(report)")
        #expect(
            result.stderr.contains(
                "[mcp-server-caller] info: the time server offers get_current_time and convert_time tools"))
        #expect(
            result.stderr.contains("[mcp-server-caller] info: Tokyo is +14.0h ahead of New York at 09:30 there")
                || result.stderr.contains("[mcp-server-caller] info: Tokyo is +13.0h ahead of New York at 09:30 there"))
        #expect(
            result.stderr.contains(
                "EINVAL: mcp.call time/get_current_time: the arguments do not match the tool's inputSchema: /timezone: required, but missing"
            ))

        // The trace has each MCP call, with its arguments and latency.
        let steps = try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        let calls = steps.filter { ($0["name"] as? String)?.hasPrefix("mcp.") == true }
        #expect(calls.compactMap { $0["name"] as? String } == ["mcp.list_tools", "mcp.call", "mcp.call", "mcp.call"])
        #expect(calls.allSatisfy { ($0["latency_ns"] as? Int ?? 0) > 0 })
        #expect((calls[1]["args"] as? [String]) == ["time", "get_current_time", #"{"timezone":"Asia/Tokyo"}"#])
        #expect((calls[0]["counters"] as? [String: Int])?["server_started"] == 1)
        #expect(calls[3]["errno"] as? String == "EINVAL")
    }

    @Test func theEmbeddedSwiftSDKReachesMCPServersToo() throws {
        let folder = try TempFolder()
        let source = try folder.write(
            "agent.swift",
            #"""
            @_expose(wasm, "run")
            @_cdecl("run")
            func run() -> Int32 {
                var report = ""
                do {
                    report += try Nanos.mcp.listTools("time").hasPrefix("[{") ? "tools" : "no tools"
                    let now = try Nanos.mcp.call("time", "get_current_time", arguments: "{\"timezone\":\"UTC\"}")
                    report += now.hasPrefix("{\"content\":[") ? "|call" : "|odd call"
                    report += "|prompts " + (try Nanos.mcp.listPrompts("time"))
                } catch {
                    report += "|error \(error)"
                }
                do {
                    _ = try Nanos.mcp.call("time", "get_current_time")
                } catch {
                    report += "|refused \(error.code)"
                }
                Nanos.done(report)
            }
            """#)
        try folder.write(
            "agent.nano",
            """
            binary: agent.wasm
            resources: {memory: 16MB, max_steps: 20, timeout: 30s}
            permissions: {}
            tools: [agent, mcp_call]
            mcp_servers:
              - {name: time, command: mcp-server-time}
            """)
        let compiled = try CLI.run(["compile", source, "-o", folder.path + "/agent.wasm"])
        #expect(compiled.exitCode == 0, "compile failed: \(compiled.stderr)")
        let result = try CLI.run(["run", folder.path + "/agent.nano", "--json"])
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        #expect(try result.json()["summary"] as? String == "tools|call|prompts []|refused 3")
    }
}
