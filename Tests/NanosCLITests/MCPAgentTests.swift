import Foundation
import Testing

/// The `mcp_call` syscalls, driven by a C guest through `nanos run`, against the real MCP
/// test server (Tests/Fixtures/mcp_test_server.py on the `mcp` package from PyPI).
///
/// Each run is a `nanos` process of its own, as a user's would be: the MCP SDK's tasks
/// then have Swift's thread pool to themselves, while in this test process the pool is
/// shared with every synchronous test that blocks it.
@Suite struct MCPAgentTests {
    /// The guest: each line of its goal is one request, `<op> <server> [<name>] [<json>]`
    /// with op one of tools, resources, read, prompts, prompt, call; it logs `OK <result>`
    /// or `ERR <errno> <message>` for each, then calls done.
    static let driverSource = #"""
        #include <stdio.h>
        #include "nanos.h"

        static void report(int err, nanos_buf * out) {
            char line[8192];
            if (err) {
                nanos_buf why = nanos_last_error();
                snprintf(line, sizeof line, "ERR %s %s", nanos_errno_name(err), why.data ? why.data : "");
                nanos_buf_free(&why);
            } else {
                snprintf(line, sizeof line, "OK %s", out->data ? out->data : "");
                nanos_buf_free(out);
            }
            nanos_log(NANOS_LOG_INFO, line);
        }

        NANOS_ENTRY int run(void) {
            nanos_buf goal = nanos_goal();
            char * line = goal.data;
            while (line && *line) {
                char * next = strchr(line, '\n');
                if (next) *next++ = 0;
                char op[16] = "", server[64] = "", name[256] = "";
                int used = 0, more = 0;
                sscanf(line, "%15s %63s %n", op, server, &used);
                const char * rest = line + used;
                nanos_buf out = {0};
                int err = -NANOS_EINVAL;
                if (!strcmp(op, "tools")) err = nanos_mcp_list_tools(server, &out);
                else if (!strcmp(op, "resources")) err = nanos_mcp_list_resources(server, &out);
                else if (!strcmp(op, "prompts")) err = nanos_mcp_list_prompts(server, &out);
                else {
                    sscanf(rest, "%255s %n", name, &more);
                    const char * args = rest + more;
                    if (!strcmp(op, "read")) err = nanos_mcp_read_resource(server, name, &out);
                    else if (!strcmp(op, "prompt")) err = nanos_mcp_get_prompt(server, name, args, &out);
                    else if (!strcmp(op, "call")) err = nanos_mcp_call(server, name, args, &out);
                }
                report(err, &out);
                line = next;
            }
            nanos_done("driven");
            return 0;
        }
        """#

    /// The driver, compiled once per test process by `nanos compile`.
    static let driver: Result<String, SetupFailure> = {
        do {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
                "nanos-mcp-driver-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let source = folder.appendingPathComponent("driver.c").path
            try driverSource.write(toFile: source, atomically: true, encoding: .utf8)
            let output = folder.appendingPathComponent("driver.wasm").path
            let compiled = try CLI.run(["compile", source, "-o", output])
            guard compiled.exitCode == 0 else { return .failure(SetupFailure(description: compiled.stderr)) }
            return .success(output)
        } catch {
            return .failure(SetupFailure(description: "\(error)"))
        }
    }()

    struct SetupFailure: Error, CustomStringConvertible {
        let description: String
    }

    /// A manifest entry for the test server; `extra` adds a key such as `timeout: 1s`.
    static func testServer(name: String = "test", extra: String = "") throws -> String {
        """
          - name: \(name)
            command: \(try MCPFixture.python())
            args: [\(MCPFixture.testServer)]
        \(extra.isEmpty ? "" : "    " + extra)
        """
    }

    struct Outcome {
        let result: CLI.Result
        let report: [String: Any]
        /// Every step, with all its bytes, from the `--trace` file.
        let steps: [[String: Any]]

        var status: String? { report["status"] as? String }
        /// The guest's `OK …` / `ERR …` lines, in order.
        var log: [String] {
            steps.filter { $0["name"] as? String == "agent.log" }.compactMap { ($0["args"] as? [Any])?.last as? String }
        }
        var mcpSteps: [[String: Any]] { steps.filter { ($0["name"] as? String)?.hasPrefix("mcp.") == true } }
    }

    /// Runs the driver under a manifest whitelisting `servers`, one request per line of `requests`.
    static func drive(
        _ requests: [String], servers: String, in folder: TempFolder, tools: String = "[agent, mcp_call]",
        timeout: String = "60s"
    ) throws -> Outcome {
        let driver = try Self.driver.get()
        let goal = try String(
            decoding: JSONSerialization.data(
                withJSONObject: requests.joined(separator: "\n"), options: [.fragmentsAllowed, .withoutEscapingSlashes]),
            as: UTF8.self)
        let manifest = try folder.write(
            "driver.nano",
            """
            name: mcp-driver
            binary: \(driver)
            goal: \(goal)
            resources: {memory: 16MB, max_steps: 64, timeout: \(timeout)}
            permissions: {}
            tools: \(tools)
            mcp_servers:
            \(servers)
            """)
        let trace = folder.path + "/trace.jsonl"
        let result = try CLI.run(["run", manifest, "--json", "--quiet", "--trace", trace])
        let steps = try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        return Outcome(result: result, report: try result.json(), steps: steps)
    }

    @Test func listsToolsResourcesAndPromptsAndCallsWithStructuredContent() throws {
        let outcome = try Self.drive(
            [
                "tools test", "resources test", "read test note://readme", "prompts test",
                #"prompt test review {"code":"x = 1"}"#, #"call test echo {"text":"hi","times":2,"style":"shout"}"#,
            ], servers: try Self.testServer(), in: try TempFolder())
        #expect(outcome.status == "ok", "\(outcome.result.stderr)")
        let log = outcome.log
        try #require(log.count == 6, "\(log)")
        #expect(log[0].hasPrefix("OK [{") && log[0].contains(#""name":"echo""#) && log[0].contains(#""inputSchema":{"#))
        #expect(log[0].contains(#""maximum":5"#))
        #expect(log[1].contains(#""uri":"note://readme""#) && log[1].contains(#""mimeType":"text/plain""#))
        #expect(
            log[2]
                == #"OK {"contents":[{"mimeType":"text/plain","text":"nanos test server: tools echo, fail, history, crash, hang","uri":"note://readme"}]}"#
        )
        #expect(log[3].contains(#""name":"review""#) && log[3].contains(#""name":"code","required":true"#))
        #expect(
            log[4].contains(
                #""messages":[{"content":{"text":"Please review this python code:\nx = 1","type":"text"},"role":"user"}]"#
            ))
        #expect(log[5].hasPrefix(#"OK {"content":[{"text":"#))
        #expect(log[5].hasSuffix(#""structuredContent":{"shout":true,"text":"HI HI","times":2},"isError":false}"#))

        // The trace: every request is a step with its latency; the first started the
        // server, and each carries the stderr the server wrote meanwhile.
        let steps = outcome.mcpSteps
        #expect(
            steps.compactMap { $0["name"] as? String } == [
                "mcp.list_tools", "mcp.list_resources", "mcp.read_resource", "mcp.list_prompts", "mcp.get_prompt",
                "mcp.call",
            ])
        #expect(steps.allSatisfy { ($0["latency_ns"] as? Int ?? 0) > 0 && $0["ok"] as? Bool == true })
        #expect((steps[0]["counters"] as? [String: Int])?["server_started"] == 1)
        #expect(steps[1]["counters"] == nil)
        func serviceLog(_ step: [String: Any]) -> [String] { step["service_log"] as? [String] ?? [] }
        #expect(serviceLog(steps[0]).contains { $0.hasSuffix("started") })
        #expect(serviceLog(steps[2]).contains { $0.hasSuffix("read note://readme") })
        #expect(serviceLog(steps[5]).contains { $0.hasSuffix("echo 'hi' x2 shout") })
        #expect(steps[5]["args"] as? [String] == ["test", "echo", #"{"text":"hi","times":2,"style":"shout"}"#])
    }

    @Test func argumentsThatBreakTheSchemaAreRefusedWithEveryPathAndNeverSent() throws {
        let outcome = try Self.drive(
            [
                #"call test echo {"times":9,"style":"loud"}"#, #"call test echo [1,2]"#, #"call test echo {"text":"#,
                #"prompt test review {"lang":"go"}"#, #"call test history {}"#,
            ], servers: try Self.testServer(), in: try TempFolder())
        #expect(outcome.status == "ok", "\(outcome.result.stderr)")
        let log = outcome.log
        try #require(log.count == 5, "\(log)")
        #expect(log[0].hasPrefix("ERR EINVAL mcp.call test/echo: the arguments do not match the tool's inputSchema: "))
        #expect(log[0].contains("/text: required, but missing"))
        #expect(log[0].contains("/times: 9 is more than the maximum 5"))
        #expect(log[0].contains(#"/style: "loud" is not one of ["plain", "shout"]"#))
        #expect(log[1] == "ERR EINVAL mcp.call test/echo: the arguments must be a JSON object, got array")
        #expect(log[2].hasPrefix("ERR EINVAL mcp.call test/echo: the arguments are not JSON"))
        #expect(
            log[3].contains("ERR EINVAL mcp.get_prompt test/review: the arguments do not match the prompt's arguments"))
        #expect(
            log[3].contains("/code: required, but missing")
                && log[3].contains("/lang: unknown argument (allowed: code, language)"))
        // The server saw none of the refused calls.
        #expect(log[4].contains(#""structuredContent":{"result":[]}"#), "\(log[4])")
    }

    @Test func isErrorAndUnknownToolsReachTheGuestAsErrors() throws {
        let outcome = try Self.drive(
            [#"call test fail {"message":"disk full"}"#, "call test nosuch {}", "prompt test nosuch"],
            servers: try Self.testServer(), in: try TempFolder())
        let log = outcome.log
        try #require(log.count == 3, "\(log)")
        // isError: EIO, and the message is the server's own text.
        #expect(log[0] == "ERR EIO Error executing tool fail: disk full")
        #expect(
            log[1]
                == #"ERR ENOENT mcp.call test/nosuch: server test has no tool named "nosuch"; its tools: echo, fail, history, crash, hang"#
        )
        #expect(log[2].hasPrefix(#"ERR ENOENT mcp.get_prompt test/nosuch: server test has no prompt named "nosuch""#))
        #expect(outcome.mcpSteps.compactMap { $0["errno"] as? String } == ["EIO", "ENOENT", "ENOENT"])
    }

    @Test func aCrashedServerIsRestartedForTheNextCall() throws {
        let outcome = try Self.drive(
            [
                #"call test echo {"text":"before"}"#, #"call test crash {"code":3}"#,
                #"call test echo {"text":"after"}"#,
                "call test history",
            ],
            servers: try Self.testServer(), in: try TempFolder())
        let log = outcome.log
        try #require(log.count == 4, "\(log)")
        #expect(log[0].contains(#""text":"before""#))
        #expect(log[1].hasPrefix("ERR EIO MCP server test exited with code 3 during tools/call crash"), "\(log[1])")
        // The guest is told where stderr went, never what it said: it can name host folders.
        #expect(log[1].hasSuffix("its stderr is in the step's service log") && !log[1].contains("test-server["))
        #expect(log[2].contains(#""text":"after""#))
        // A new process: its history starts after the restart.
        #expect(log[3].contains(#""structuredContent":{"result":["echo"]}"#), "\(log[3])")
        let steps = outcome.mcpSteps
        #expect((steps[1]["service_log"] as? [String] ?? []).contains { $0.hasSuffix("crashing with exit code 3") })
        #expect((steps[2]["counters"] as? [String: Int])?["server_restarted"] == 1)
        #expect((steps[2]["service_log"] as? [String] ?? []).contains { $0.hasSuffix("started") })
    }

    @Test func aHungServerTimesOutAndStaysUsable() throws {
        let outcome = try Self.drive(
            ["tools test", #"call test hang {"seconds":60}"#, #"call test echo {"text":"still here"}"#],
            servers: try Self.testServer(extra: "timeout: 2s"), in: try TempFolder())
        let log = outcome.log
        try #require(log.count == 3, "\(log)")
        #expect(
            log[1]
                == "ERR ETIMEDOUT MCP server test did not answer tools/call hang within its timeout of 2s (mcp_servers test timeout)"
        )
        let hung = outcome.mcpSteps[1]["latency_ns"] as? Int ?? 0
        #expect(hung >= 1_900_000_000 && hung < 10_000_000_000)
        // The request was cancelled on the server, which answers the next one.
        #expect(log[2].contains(#""text":"still here""#))
    }

    @Test func theRunsDeadlineEndsAWaitForAServer() throws {
        let outcome = try Self.drive(
            [#"call test hang {"seconds":60}"#, "call test history"], servers: try Self.testServer(),
            in: try TempFolder(),
            timeout: "8s")
        #expect(outcome.status == "timeout")
        #expect(outcome.result.exitCode == 6)
        let hung = try #require(outcome.mcpSteps.first)
        #expect(hung["errno"] as? String == "ETIMEDOUT")
        #expect((hung["error"] as? String)?.contains("before the agent's deadline (resources.timeout)") == true)
        #expect(outcome.mcpSteps.count == 1)
    }

    @Test func aServerTheManifestDoesNotListIsNeverStarted() throws {
        let folder = try TempFolder()
        // The listed server leaves a marker whenever it is started.
        let script = try folder.write(
            "server.sh",
            "#!/bin/sh\necho started >> \"$(dirname \"$0\")/started.marker\"\nexec '\(try MCPFixture.python())' '\(MCPFixture.testServer)'\n"
        )
        chmod(script, 0o755)
        let listed = """
              - name: listed
                command: ./server.sh
            """
        let outcome = try Self.drive(
            ["call rogue echo {}", "tools mcp-server-time", "call python3 run {}"], servers: listed, in: folder)
        #expect(outcome.status == "ok")
        #expect(outcome.log.allSatisfy { $0.hasPrefix("ERR ENOENT") }, "\(outcome.log)")
        #expect(
            outcome.log.first
                == #"ERR ENOENT mcp.call rogue/echo: no MCP server named "rogue" in the manifest; mcp_servers lists listed"#
        )
        // Nothing was started: not the names asked for, and not the listed server either,
        // since no request named it.
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/started.marker"))

        // Listed but not granted: EPERM, and still nothing starts.
        let denied = try Self.drive(["call listed echo {}"], servers: listed, in: folder, tools: "[agent]")
        #expect(denied.log == [#"ERR EPERM mcp.call denied: the manifest does not grant mcp_call"#])
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/started.marker"))

        // Granted and named: it starts, once.
        let used = try Self.drive(["call listed history", "call listed history"], servers: listed, in: folder)
        #expect(used.log.allSatisfy { $0.hasPrefix("OK") }, "\(used.log)")
        #expect(try folder.read("started.marker") == "started\n")
    }

    @Test func theOriginalABIsMCPCallMapsOntoTheBridge() throws {
        let folder = try TempFolder()
        let args = #"{\"text\":\"hi\",\"times\":2}"#
        let guest = try folder.write(
            "original.wat",
            """
            (module
              (import "env" "mcp_call" (func $mcp (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
              (memory (export "memory") 1)
              (data (i32.const 0) "test")
              (data (i32.const 16) "echo")
              (data (i32.const 32) "fail")
              (data (i32.const 64) "\(args)")
              (data (i32.const 128) "{\\"message\\":\\"no\\"}")
              (func (export "run_agent")
                (drop (call $mcp (i32.const 0) (i32.const 4) (i32.const 16) (i32.const 4) (i32.const 64) (i32.const 23)
                  (i32.const 1024) (i32.const 4096)))
                (drop (call $mcp (i32.const 0) (i32.const 4) (i32.const 32) (i32.const 4) (i32.const 128) (i32.const 16)
                  (i32.const 1024) (i32.const 4096)))))
            """)
        let manifest = try folder.write(
            "original.nano",
            """
            binary: \(guest)
            resources: {memory: 1MB, max_steps: 8, timeout: 60s}
            permissions: {}
            mcp_servers:
            \(try Self.testServer())
            """)
        let trace = folder.path + "/trace.jsonl"
        let result = try CLI.run(["run", manifest, "--json", "--quiet", "--trace", trace])
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        let steps = try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        try #require(steps.count == 2)
        #expect(steps.compactMap { $0["name"] as? String } == ["env.mcp_call", "env.mcp_call"])
        // The text of the answer, as the original returned it; isError is now a failure.
        #expect((steps[0]["result"] as? String)?.contains(#""text": "hi hi""#) == true, "\(steps[0])")
        #expect(steps[1]["error"] as? String == "Error executing tool fail: no")
    }
}

/// The MCP test server and the Python that runs it (the venv of scripts/mcp-deps.sh,
/// named by `NANOS_MCP_PYTHON`, which `make test` exports).
enum MCPFixture {
    static let testServer = CLI.repositoryRoot + "/Tests/Fixtures/mcp_test_server.py"

    static func python() throws -> String {
        try #require(
            ProcessInfo.processInfo.environment["NANOS_MCP_PYTHON"].flatMap { $0.isEmpty ? nil : $0 },
            "NANOS_MCP_PYTHON is not set: run `make test`, or export the variables of `scripts/mcp-deps.sh --print`")
    }
}
