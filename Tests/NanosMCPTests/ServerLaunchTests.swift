import Foundation
import NanosMCP
import NanosManifest
import Testing

/// How a manifest entry becomes a process: command lookup and the environment a server sees.
@Suite struct ServerLaunchTests {
    @Test func serversSeeOnlyHarmlessHostVariablesAndWhatTheManifestLists() throws {
        let host = [
            "PATH": "/usr/bin:/bin", "HOME": "/home/agent", "OPENAI_API_KEY": "sk-secret", "GITHUB_TOKEN": "ghp-secret",
        ]
        let spec = MCPServerSpec(
            name: "tools", command: "/bin/sh", env: ["MODE": .literal("fast"), "TOKEN": .environment("GITHUB_TOKEN")])
        let launch = try ServerLaunch.resolve(spec, hostEnvironment: host)
        #expect(
            launch.environment == [
                "PATH": "/usr/bin:/bin", "HOME": "/home/agent", "MODE": "fast", "TOKEN": "ghp-secret",
            ])
        #expect(launch.environment["OPENAI_API_KEY"] == nil)
    }

    @Test func anUnsetVariableNamesTheServerAndTheField() {
        let spec = MCPServerSpec(
            name: "tools", command: "/bin/sh", env: ["TOKEN": .environment("NANOS_TEST_UNSET_VAR")])
        #expect(throws: MCPServiceError.self) { try ServerLaunch.resolve(spec, hostEnvironment: [:]) }
        do {
            _ = try ServerLaunch.resolve(spec, hostEnvironment: [:])
        } catch {
            #expect(error.message.contains("MCP server tools"))
            #expect(error.message.contains("env.TOKEN"))
            #expect(error.message.contains("NANOS_TEST_UNSET_VAR is not set"))
        }
    }

    @Test func bareCommandsAreFoundInPathThenInTheToolFolder() throws {
        let environment = ["PATH": "/nonexistent:/bin", "NANOS_CACHE": "/cache"]
        #expect(try ServerCommand.locate("sh", server: "s", environment: environment) == "/bin/sh")
        #expect(
            ServerCommand.searchFolders(environment: environment).last
                == ServerCommand.toolFolder(environment: environment))
        #expect(ServerCommand.toolFolder(environment: environment).hasPrefix("/cache/mcp-"))
        #expect(throws: MCPServiceError.self) {
            try ServerCommand.locate("no-such-mcp-server", server: "s", environment: environment)
        }
    }

    /// The versions in the Swift lookup and in the install script are one fact in two files.
    @Test func toolFolderVersionsMatchTheInstallScript() throws {
        let script = try String(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("scripts/mcp-deps.sh"), encoding: .utf8)
        #expect(script.contains("\nMCP_VERSION=\(ServerCommand.mcpVersion)\n"))
        #expect(script.contains("\nMCP_SERVER_TIME_VERSION=\(ServerCommand.timeServerVersion)\n"))
    }
}
