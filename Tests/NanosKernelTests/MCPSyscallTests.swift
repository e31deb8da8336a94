import Foundation
import NanosCompiler
import NanosKernel
import NanosMCP
import NanosManifest
import Testing

/// The `mcp_call` syscalls, driven by a C guest through the real kernel, against the real
/// MCP test server (Tests/Fixtures/mcp_test_server.py on the `mcp` package from PyPI).
@Suite struct MCPSyscallTests {
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

    struct SetupFailure: Error, Sendable, CustomStringConvertible {
        let description: String
    }

    /// The driver compiled once per test process.
    static let driver: Result<AgentImage, SetupFailure> = Result { () throws(SetupFailure) -> AgentImage in
        do {
            let folder = try TemporaryFolder()
            try folder.write("driver.c", driverSource)
            try GuestCompiler().compile(CompileRequest(input: folder.path + "/driver.c", output: folder.path + "/driver.wasm"))
            return try Kernel.loadImage(path: folder.path + "/driver.wasm")
        } catch {
            throw SetupFailure(description: "cannot build the MCP driver guest: \(error)")
        }
    }

    /// A manifest entry for the test server; `extra` adds a key such as `timeout: 1s`.
    /// Each entry gets its own process: agents naming the same entry share one, and tests
    /// run in parallel, so a variable that only this entry sets tells them apart.
    static func testServer(name: String = "test", extra: String = "") -> String {
        """
          - name: \(name)
            command: \(MCPTestServer.python)
            args: [\(MCPTestServer.script)]
            env: {NANOS_TEST_CASE: \(UUID().uuidString)}
        \(extra.isEmpty ? "" : "    " + extra)
        """
    }

    struct Outcome: Sendable {
        let report: RunReport
        let log: [String]

        func step(_ index: Int) -> Step { report.steps[index] }
        var mcpSteps: [Step] { report.steps.filter { $0.name.hasPrefix("mcp.") } }
    }

    /// Runs the driver on a thread of its own: requests block their agent's thread, and a
    /// test's own thread belongs to Swift's cooperative pool, which the MCP SDK needs.
    static func drive(
        _ requests: [String], servers: String, in folder: TemporaryFolder, tools: String = "[agent, mcp_call]",
        timeout: String = "20s"
    ) async throws -> Outcome {
        let image = try driver.get()
        let goal = JSONValue.string(requests.joined(separator: "\n")).serialized()
        let manifest = try Manifest.parse(
            yaml: """
                name: mcp-driver
                goal: \(goal)
                resources: {memory: 16MB, max_steps: 64, timeout: \(timeout)}
                permissions: {}
                tools: \(tools)
                mcp_servers:
                \(servers)
                """, directory: folder.path, sourcePath: nil)
        return try await Blocking.onOwnThread {
            let log = LogCollector()
            let report = Kernel.run(
                manifest: manifest, image: image, options: RunOptions(logSink: { _, line in log.append(line) }))
            return Outcome(report: report, log: log.lines)
        }
    }

    @Test func listsToolsResourcesAndPromptsAndCallsWithStructuredContent() async throws {
        let folder = try TemporaryFolder()
        let outcome = try await Self.drive(
            [
                "tools test", "resources test", "read test note://readme", "prompts test",
                #"prompt test review {"code":"x = 1"}"#, #"call test echo {"text":"hi","times":2,"style":"shout"}"#,
            ], servers: Self.testServer(), in: folder)
        #expect(outcome.report.status == .ok, "\(outcome.report.message ?? "") \(outcome.log)")
        let log = outcome.log
        try #require(log.count == 6, "\(log)")
        #expect(log[0].hasPrefix("OK [{") && log[0].contains(#""name":"echo""#) && log[0].contains(#""inputSchema":{"#))
        #expect(log[0].contains(#""maximum":5"#))
        #expect(log[1].contains(#""uri":"note://readme""#) && log[1].contains(#""mimeType":"text/plain""#))
        #expect(log[2] == #"OK {"contents":[{"mimeType":"text/plain","text":"nanos test server: tools echo, fail, history, crash, hang","uri":"note://readme"}]}"#)
        #expect(log[3].contains(#""name":"review""#) && log[3].contains(#""name":"code","required":true"#))
        #expect(log[4].contains(#""messages":[{"content":{"text":"Please review this python code:\nx = 1","type":"text"},"role":"user"}]"#))
        #expect(log[5].hasPrefix(#"OK {"content":[{"text":"#))
        #expect(log[5].hasSuffix(#""structuredContent":{"shout":true,"text":"HI HI","times":2},"isError":false}"#))

        // The trace: every request is a step with its latency; the first started the
        // server, and each carries the stderr the server wrote meanwhile.
        let steps = outcome.mcpSteps
        #expect(steps.map(\.name) == [
            "mcp.list_tools", "mcp.list_resources", "mcp.read_resource", "mcp.list_prompts", "mcp.get_prompt", "mcp.call",
        ])
        #expect(steps.allSatisfy { $0.latencyNanoseconds > 0 && $0.outcome.isSuccess })
        #expect(steps[0].counters["server_started"] == 1)
        #expect(steps[1].counters.isEmpty)
        #expect(steps[0].serviceLog.contains { $0.hasSuffix("started") })
        #expect(steps[2].serviceLog.contains { $0.hasSuffix("read note://readme") })
        #expect(steps[5].serviceLog.contains { $0.hasSuffix("echo 'hi' x2 shout") })
        #expect(steps[5].args == [.bytes(Array("test".utf8)), .bytes(Array("echo".utf8)),
                                  .bytes(Array(#"{"text":"hi","times":2,"style":"shout"}"#.utf8))])
        let json = steps[5].jsonObject().serialized()
        #expect(json.contains(#""service_log":["test-server["#) && json.contains(#""latency_ns":"#))
    }

    @Test func argumentsThatBreakTheSchemaAreRefusedWithEveryPathAndNeverSent() async throws {
        let folder = try TemporaryFolder()
        let outcome = try await Self.drive(
            [
                #"call test echo {"times":9,"style":"loud"}"#, #"call test echo [1,2]"#, #"call test echo {"text":"#,
                #"prompt test review {"lang":"go"}"#, #"call test history {}"#,
            ], servers: Self.testServer(), in: folder)
        #expect(outcome.report.status == .ok, "\(outcome.report.message ?? "")")
        let log = outcome.log
        try #require(log.count == 5, "\(log)")
        #expect(log[0].hasPrefix("ERR EINVAL mcp.call test/echo: the arguments do not match the tool's inputSchema: "))
        #expect(log[0].contains("/text: required, but missing"))
        #expect(log[0].contains("/times: 9 is more than the maximum 5"))
        #expect(log[0].contains(#"/style: "loud" is not one of ["plain", "shout"]"#))
        #expect(log[1] == "ERR EINVAL mcp.call test/echo: the arguments must be a JSON object, got array")
        #expect(log[2].hasPrefix("ERR EINVAL mcp.call test/echo: the arguments are not JSON"))
        #expect(log[3].contains("ERR EINVAL mcp.get_prompt test/review: the arguments do not match the prompt's arguments"))
        #expect(log[3].contains("/code: required, but missing") && log[3].contains("/lang: unknown argument (allowed: code, language)"))
        // The server saw none of the refused calls.
        #expect(log[4].contains(#""structuredContent":{"result":[]}"#), "\(log[4])")
    }

    @Test func isErrorAndUnknownToolsReachTheGuestAsErrors() async throws {
        let folder = try TemporaryFolder()
        let outcome = try await Self.drive(
            [#"call test fail {"message":"disk full"}"#, "call test nosuch {}", "prompt test nosuch"],
            servers: Self.testServer(), in: folder)
        let log = outcome.log
        try #require(log.count == 3, "\(log)")
        // isError: EIO, and the message is the server's own text.
        #expect(log[0] == "ERR EIO Error executing tool fail: disk full")
        #expect(log[1] == #"ERR ENOENT mcp.call test/nosuch: server test has no tool named "nosuch"; its tools: echo, fail, history, crash, hang"#)
        #expect(log[2].hasPrefix(#"ERR ENOENT mcp.get_prompt test/nosuch: server test has no prompt named "nosuch""#))
        #expect(outcome.mcpSteps.map { $0.outcome.failure?.errno } == [.EIO, .ENOENT, .ENOENT])
    }

    @Test func aCrashedServerIsRestartedForTheNextCall() async throws {
        let folder = try TemporaryFolder()
        let outcome = try await Self.drive(
            [#"call test echo {"text":"before"}"#, #"call test crash {"code":3}"#, #"call test echo {"text":"after"}"#,
             "call test history"],
            servers: Self.testServer(), in: folder)
        let log = outcome.log
        try #require(log.count == 4, "\(log)")
        #expect(log[0].contains(#""text":"before""#))
        #expect(log[1].hasPrefix("ERR EIO MCP server test exited with code 3 during tools/call crash"), "\(log[1])")
        #expect(log[1].contains("its last stderr line: test-server[") && log[1].hasSuffix("crashing with exit code 3"))
        #expect(log[2].contains(#""text":"after""#))
        // A new process: its history starts after the restart.
        #expect(log[3].contains(#""structuredContent":{"result":["echo"]}"#), "\(log[3])")
        let steps = outcome.mcpSteps
        #expect(steps[1].serviceLog.contains { $0.hasSuffix("crashing with exit code 3") })
        #expect(steps[2].counters["server_restarted"] == 1)
        #expect(steps[2].serviceLog.contains { $0.hasSuffix("started") })
    }

    @Test func aHungServerTimesOutAndStaysUsable() async throws {
        let folder = try TemporaryFolder()
        let outcome = try await Self.drive(
            ["tools test", #"call test hang {"seconds":60}"#, #"call test echo {"text":"still here"}"#],
            servers: Self.testServer(extra: "timeout: 1s"), in: folder)
        let log = outcome.log
        try #require(log.count == 3, "\(log)")
        #expect(log[1] == "ERR ETIMEDOUT MCP server test did not answer tools/call hang within its timeout of 1s (mcp_servers test timeout)")
        let hung = outcome.mcpSteps[1]
        #expect(hung.latencyNanoseconds >= 900_000_000 && hung.latencyNanoseconds < 5_000_000_000)
        // The request was cancelled on the server, which answers the next one.
        #expect(log[2].contains(#""text":"still here""#))
    }

    @Test func theRunsDeadlineEndsAWaitForAServer() async throws {
        let folder = try TemporaryFolder()
        let outcome = try await Self.drive(
            [#"call test hang {"seconds":60}"#, "call test history"], servers: Self.testServer(), in: folder,
            timeout: "6s")
        #expect(outcome.report.status == .timeout)
        let hung = try #require(outcome.mcpSteps.first)
        #expect(hung.outcome.failure?.errno == .ETIMEDOUT)
        #expect(hung.outcome.failure?.message.contains("before the agent's deadline (resources.timeout)") == true)
        #expect(outcome.mcpSteps.count == 1)
    }

    @Test func aServerTheManifestDoesNotListIsNeverStarted() async throws {
        let folder = try TemporaryFolder()
        // The listed server leaves a marker whenever it is started.
        try folder.write(
            "server.sh", "#!/bin/sh\necho started >> \"$(dirname \"$0\")/started.marker\"\nexec '\(MCPTestServer.python)' '\(MCPTestServer.script)'\n")
        chmod(folder.path + "/server.sh", 0o755)
        let listed = """
              - name: listed
                command: ./server.sh
            """
        let outcome = try await Self.drive(
            ["call rogue echo {}", "tools mcp-server-time", "call python3 run {}"], servers: listed, in: folder)
        #expect(outcome.report.status == .ok)
        #expect(outcome.log.allSatisfy { $0.hasPrefix("ERR ENOENT") }, "\(outcome.log)")
        #expect(outcome.log[0] == #"ERR ENOENT mcp.call rogue/echo: no MCP server named "rogue" in the manifest; mcp_servers lists listed"#)
        // Nothing was started: not the names asked for, and not the listed server either,
        // since no request named it.
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/started.marker"))

        // Listed but not granted: EPERM, and still nothing starts.
        let denied = try await Self.drive(["call listed echo {}"], servers: listed, in: folder, tools: "[agent]")
        #expect(denied.log == [#"ERR EPERM mcp.call denied: the manifest does not grant mcp_call"#])
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/started.marker"))

        // Granted and named: it starts, once.
        let used = try await Self.drive(["call listed history", "call listed history"], servers: listed, in: folder)
        #expect(used.log.allSatisfy { $0.hasPrefix("OK") }, "\(used.log)")
        #expect(try folder.read("started.marker") == "started\n")
    }

    @Test func theOriginalABIsMCPCallMapsOntoTheBridge() async throws {
        let folder = try TemporaryFolder()
        let args = #"{\"text\":\"hi\",\"times\":2}"#
        let wat = """
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
            """
        let image = try Kernel.loadImage(bytes: Array(wat.utf8), source: "original.wat")
        let manifest = try Manifest.parse(
            yaml: """
                resources: {memory: 1MB, max_steps: 8, timeout: 20s}
                permissions: {}
                mcp_servers:
                \(Self.testServer())
                """, directory: folder.path, sourcePath: nil)
        let report = try await Blocking.onOwnThread { Kernel.run(manifest: manifest, image: image) }
        #expect(report.status == .ok, "\(report.message ?? "")")
        try #require(report.steps.count == 2)
        #expect(report.steps.map(\.name) == ["env.mcp_call", "env.mcp_call"])
        // The text of the answer, as the original returned it.
        guard case .data(let bytes) = report.steps[0].outcome else {
            Issue.record("env.mcp_call failed: \(report.steps[0].outcome)")
            return
        }
        #expect(String(decoding: bytes, as: UTF8.self).contains(#""text": "hi hi""#))
        #expect(report.steps[1].outcome.failure?.message == "Error executing tool fail: no")
    }
}

/// The test server, run by the Python of scripts/mcp-deps.sh's venv.
enum MCPTestServer {
    static let python = ServerCommand.python()
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/mcp_test_server.py").path
}

/// A temporary folder that is removed with the value; Sendable so a test can hand it to an agent thread.
final class TemporaryFolder: Sendable {
    let path: String

    init() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("nanos-mcp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        path = url.resolvingSymlinksInPath().path
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func write(_ name: String, _ text: String) throws {
        try text.write(toFile: path + "/" + name, atomically: true, encoding: .utf8)
    }

    func read(_ name: String) throws -> String {
        try String(contentsOfFile: path + "/" + name, encoding: .utf8)
    }
}

