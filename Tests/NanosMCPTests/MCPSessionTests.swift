import Foundation
import NanosJSON
import NanosMCP
import NanosManifest
import Testing

/// The MCP service on its own: sharing, starting and stopping real servers.
///
/// In this process Swift's thread pool is shared with every synchronous test, which can
/// hold it for seconds, and the MCP SDK's own tasks need it: the timeouts here are
/// generous so that a busy pool makes a test slower, never wrong. Timing is tested
/// through `nanos run` (MCPAgentTests), in processes of their own.
@Suite(.serialized) struct MCPSessionTests {
    static let patient = Duration.seconds(120)

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/mcp_test_server.py").path

    static func testServer(timeout: Duration = patient) -> MCPServerSpec {
        MCPServerSpec(name: "test", command: ServerCommand.python(), args: [script], timeout: timeout)
    }

    static func json(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func agentsNamingTheSameServerShareOneProcessUntilTheLastOneEnds() async throws {
        try await Blocking.onOwnThread {
            let registry = MCPServerRegistry()
            let first = MCPSession(servers: [Self.testServer()], registry: registry)
            // The timeout is per request, so it does not make another process.
            let second = MCPSession(servers: [Self.testServer(timeout: .seconds(150))], registry: registry)
            #expect(registry.runningServers == [], "naming a server starts nothing")

            _ = try first.callTool(
                server: "test", tool: "echo", arguments: Self.json(#"{"text":"one"}"#), deadline: nil)
            #expect(first.lastNotes.started)
            let output = first.lastNotes.serverOutput
            #expect(
                output.contains { $0.hasSuffix("started") } && output.contains { $0.hasSuffix("echo 'one' x1 plain") })
            let started = try #require(output.first { $0.hasSuffix("started") })
            let pid = try #require(Int32(started.split(separator: "[")[1].split(separator: "]")[0]))

            // The second agent reaches the same process: it sees the first one's call.
            let seen = try second.callTool(server: "test", tool: "history", arguments: [], deadline: nil)
            #expect(seen.structuredContent == .object([("result", .array([.string("echo")]))]))
            #expect(!second.lastNotes.started && second.lastNotes.serverOutput.isEmpty)

            first.close()
            #expect(registry.runningServers == ["test"])
            #expect(kill(pid, 0) == 0, "the server lives while an agent names it")
            second.close()
            #expect(registry.runningServers == [])
            #expect(kill(pid, 0) == -1 && errno == ESRCH, "the last agent out stopped the server")
        }
    }

    @Test func aServerThatCannotStartSaysWhyWithItsStderr() async throws {
        try await Blocking.onOwnThread {
            let missingScript = MCPServerSpec(
                name: "broken", command: ServerCommand.python(), args: ["/nonexistent/server.py"], timeout: Self.patient
            )
            let session = MCPSession(servers: [missingScript], registry: MCPServerRegistry())
            defer { session.close() }
            do {
                _ = try session.listTools(server: "broken", deadline: nil)
                Issue.record("listing the tools of a server that cannot start succeeded")
            } catch {
                guard case .serverFailed(let message)? = error as? MCPServiceError else {
                    Issue.record("expected serverFailed, got \(error)")
                    return
                }
                #expect(message.hasPrefix("MCP server broken exited with code 2 during the MCP handshake (initialize)"))
                // The why is the server's stderr, kept for the trace; the guest's message
                // only points there (a traceback names host folders).
                #expect(message.hasSuffix("its stderr is in the step's service log"))
                #expect(!message.contains("/nonexistent"))
                #expect(session.lastNotes.serverOutput.contains { $0.contains("can't open file") })
            }

            let unknown = MCPServerSpec(name: "absent", command: "no-such-mcp-server-anywhere")
            let other = MCPSession(servers: [unknown], registry: MCPServerRegistry())
            defer { other.close() }
            #expect(throws: MCPServiceError.self) { try other.listTools(server: "absent", deadline: nil) }
            do {
                _ = try other.listTools(server: "absent", deadline: nil)
            } catch {
                #expect("\(error)".contains("command no-such-mcp-server-anywhere was not found in PATH or in"))
            }
        }
    }

    @Test func theTimeServerFromPyPIAnswersThroughItsBareCommandName() async throws {
        try await Blocking.onOwnThread {
            let spec = MCPServerSpec(
                name: "time", command: "mcp-server-time", args: ["--local-timezone", "UTC"], timeout: Self.patient)
            let session = MCPSession(servers: [spec], registry: MCPServerRegistry())
            defer { session.close() }
            let tools = try session.listTools(server: "time", deadline: nil)
            #expect(tools.arrayValue?.compactMap { $0["name"]?.stringValue } == ["get_current_time", "convert_time"])
            let now = try session.callTool(
                server: "time", tool: "get_current_time", arguments: Self.json(#"{"timezone":"Europe/Paris"}"#),
                deadline: nil)
            #expect(now.structuredContent?["timezone"]?.stringValue == "Europe/Paris")
            #expect(now.structuredContent?["datetime"]?.stringValue?.hasPrefix("20") == true)
            #expect(now.json["isError"] == .bool(false))
            // The text form the original ABI hands back is the server's text item.
            #expect(now.text.contains("\"timezone\": \"Europe/Paris\""))

            #expect(
                throws: MCPServiceError.invalidArguments(
                    "mcp.call time/convert_time: the arguments do not match the tool's inputSchema: "
                        + "/source_timezone: required, but missing; /target_timezone: required, but missing; "
                        + "/time: expected string, got integer")
            ) {
                try session.callTool(
                    server: "time", tool: "convert_time", arguments: Self.json(#"{"time":930}"#), deadline: nil)
            }
            // The server has no prompts or resources: listing them is empty, not an error.
            #expect(try session.listPrompts(server: "time", deadline: nil) == .array([]))
            #expect(try session.listResources(server: "time", deadline: nil) == .array([]))
        }
    }
}
