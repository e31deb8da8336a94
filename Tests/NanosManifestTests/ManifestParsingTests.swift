import Foundation
import Testing

@testable import NanosManifest

/// The folder every parsed manifest below claims to come from; it need not exist.
let manifestFolder = "/agents/demo"

func parse(_ yaml: String) throws(ManifestError) -> Manifest {
    try Manifest.parse(yaml: yaml, directory: manifestFolder, sourcePath: "agent.nano")
}

/// The error parsing `yaml` reports, or nil when it parses.
func parseError(_ yaml: String) -> ManifestError? {
    do {
        _ = try parse(yaml)
        return nil
    } catch {
        return error
    }
}

/// A valid manifest body to extend; each test adds the lines it is about.
let minimalManifest = """
    resources:
      memory: 64MB
      max_steps: 5
    permissions: {}
    """

@Suite struct ManifestParsingTests {
    @Test func originalFormatManifestParses() throws {
        let manifest = try parse(
            """
            name: file-summarizer
            model:
              provider: local
              path: models/qwen2.5-0.5b-instruct-q4_k_m.gguf
              context_window: 2048
            resources:
              memory: "256MB"
              max_steps: 10
            permissions:
              fs_read: ["*"]
              fs_write: ["./output/*"]
              network: false
            tools:
              - fs_read
              - fs_write
              - llm_infer
              - done
            goal: "Read README.md and write a summary to output/summary.md"
            """)

        #expect(manifest.name == "file-summarizer")
        let model = try #require(manifest.model)
        #expect(model.provider == "local")
        #expect(model.path == "/agents/demo/models/qwen2.5-0.5b-instruct-q4_k_m.gguf")
        #expect(model.contextWindow == 2048)
        #expect(model.apiKey == nil)
        #expect(manifest.resources.memoryBytes == 256 * 1024 * 1024)
        #expect(manifest.resources.maxSteps == 10)
        #expect(manifest.resources.fuel == nil)
        #expect(manifest.permissions.fsRead == ["*"])
        #expect(manifest.permissions.fsWrite == ["./output/*"])
        #expect(manifest.permissions.network == .none)
        #expect(manifest.tools == [.fs_read, .fs_write, .llm, .agent])
        #expect(manifest.toolNames == ["fs_read", "fs_write", "llm_infer", "done"])
        #expect(manifest.goal == "Read README.md and write a summary to output/summary.md")
        #expect(manifest.directory == manifestFolder)
        #expect(manifest.sourcePath == "agent.nano")
        #expect(manifest.mcpServers.isEmpty)
        #expect(manifest.agents.isEmpty)
        #expect(manifest.binary == nil)
    }

    @Test func omittedOptionalFieldsTakeTheirDefaults() throws {
        let manifest = try parse(minimalManifest)
        #expect(manifest.name == "nanos-agent")
        #expect(manifest.model == nil)
        #expect(manifest.tools == nil)
        #expect(manifest.toolNames == nil)
        #expect(manifest.permissions == Permissions(fsRead: [], fsWrite: [], network: .none))
        #expect(manifest.token == nil)
    }

    @Test func modelWithoutProviderIsLocal() throws {
        let manifest = try parse(minimalManifest + "\nmodel:\n  path: m.gguf\n")
        #expect(manifest.model?.provider == "local")
        #expect(manifest.model?.contextWindow == nil)
    }

    @Test func addedFieldsParse() throws {
        let manifest = try parse(
            """
            model:
              provider: openai
              model_name: gpt-4o-mini
              api_url: https://api.openai.com/v1
              api_key: env:OPENAI_API_KEY
              gpu_layers: 0
              threads: 2
            resources:
              memory: 1.5GB
              max_steps: 100
              fuel: 5000000000
              timeout: 90s
              stack: 512KiB
              trace: 64MB
            permissions: {}
            """)
        let model = try #require(manifest.model)
        #expect(model.modelName == "gpt-4o-mini")
        #expect(model.apiURL == "https://api.openai.com/v1")
        #expect(model.apiKey == .environment("OPENAI_API_KEY"))
        #expect(model.gpuLayers == 0)
        #expect(model.threads == 2)
        #expect(manifest.resources.memoryBytes == 1_610_612_736)
        #expect(manifest.resources.fuel == 5_000_000_000)
        #expect(manifest.resources.timeout == .seconds(90))
        #expect(manifest.resources.stackBytes == 512 * 1024)
        #expect(manifest.resources.traceBytes == 64 << 20)
    }

    @Test func timeoutMayBeABareNumberOfSeconds() throws {
        let manifest = try parse(
            minimalManifest.replacingOccurrences(of: "max_steps: 5", with: "max_steps: 5\n  timeout: 2.5"))
        #expect(manifest.resources.timeout == .milliseconds(2500))
    }

    @Test func memoryMayBeABareNumberOfBytes() throws {
        let manifest = try parse(minimalManifest.replacingOccurrences(of: "64MB", with: "1048576"))
        #expect(manifest.resources.memoryBytes == 1_048_576)
    }

    @Test func byteOrderMarkIsIgnored() throws {
        #expect(try parse("\u{FEFF}" + minimalManifest).resources.maxSteps == 5)
    }

    @Test func networkIsABooleanOrAListOfHosts() throws {
        func network(_ value: String) throws -> NetworkGrant {
            try parse("resources: {memory: 1MB, max_steps: 1}\npermissions:\n  network: \(value)\n").permissions.network
        }
        #expect(try network("true") == .any)
        #expect(try network("false") == .none)
        #expect(try network("[api.example.com, \"localhost:8080\"]") == .hosts(["api.example.com", "localhost:8080"]))
        #expect(try network("[]") == .none)

        let url = try #require(
            parseError("resources: {memory: 1MB, max_steps: 1}\npermissions:\n  network: [https://x.org]\n"))
        #expect(url.field == "permissions.network[0]")
        #expect(url.hint == "write the host name only, like api.example.com")

        let word = try #require(
            parseError("resources: {memory: 1MB, max_steps: 1}\npermissions:\n  network: sometimes\n"))
        #expect(
            word.description.contains(
                "permissions.network: expected true, false or a list of host names, got \"sometimes\""))
    }

    @Test func toolNamesAcceptGroupsAndOriginalAliases() throws {
        let manifest = try parse(
            minimalManifest + "\ntools: [agent, get_goal, mcp, web_get, memory_store, memory_recall, clock, FS_READ]\n")
        #expect(manifest.tools == [.agent, .mcp_call, .web, .memory, .clock, .fs_read])
        #expect(manifest.toolNames?.count == 8)
    }

    @Test func emptyToolListGrantsNothing() throws {
        let manifest = try parse(minimalManifest + "\ntools: []\n")
        #expect(manifest.tools == [])
    }

    @Test func mcpServerEntries() throws {
        let manifest = try parse(
            minimalManifest + """

                mcp_servers:
                  - name: files
                    command: npx
                    args: ["-y", "@modelcontextprotocol/server-filesystem", "."]
                  - name: search
                    command: ./bin/search-server
                    args: [--port, 8080]
                    env: {LOG_LEVEL: debug, RETRIES: 3, API_TOKEN: "env:SEARCH_TOKEN"}
                    cwd: servers/search
                    timeout: 500ms
                """)
        #expect(
            manifest.mcpServers == [
                MCPServerSpec(
                    name: "files", command: "npx", args: ["-y", "@modelcontextprotocol/server-filesystem", "."]),
                MCPServerSpec(
                    name: "search", command: "/agents/demo/bin/search-server", args: ["--port", "8080"],
                    env: [
                        "LOG_LEVEL": .literal("debug"), "RETRIES": .literal("3"),
                        "API_TOKEN": .environment("SEARCH_TOKEN"),
                    ],
                    cwd: "/agents/demo/servers/search", timeout: .milliseconds(500)),
            ])
    }

    @Test func agentEntries() throws {
        let manifest = try parse(
            minimalManifest + """

                agents:
                  - name: researcher
                    goal: Read the notes and send a summary to writer
                    tools: [fs_read, agent_send, done]
                  - name: writer
                    goal: Write what arrives to report.md
                """)
        #expect(manifest.agents.count == 2)
        #expect(
            manifest.agents[0]
                == AgentSpec(
                    name: "researcher", goal: "Read the notes and send a summary to writer",
                    tools: ["fs_read", "agent_send", "done"]))
        #expect(manifest.agents[0].toolGroups == [.fs_read, .agent_send, .agent])
        #expect(manifest.agents[1].tools == nil)
    }

    @Test func tokenAcceptsLiteralOrEnvironment() throws {
        #expect(try parse(minimalManifest + "\ntoken: s3cret\n").token == .literal("s3cret"))
        #expect(try parse(minimalManifest + "\ntoken: env:FLEET_TOKEN\n").token == .environment("FLEET_TOKEN"))
    }
}
