import NanosMCP
import WasmKit

extension SyscallLimits {
    /// A server, tool or prompt name.
    public static let mcpName = 1024
    /// A tool's or a prompt's arguments (JSON).
    public static let mcpArguments = 1024 * 1024
}

extension SyscallTable {
    /// The `mcp_call` group of ABI v1: tools, resources and prompts of the manifest's MCP
    /// servers (docs/mcp.md). Each call is one step; its service log holds the server's stderr.
    static let mcpCalls: [HostImport] = [
        dataCall(
            "mcp_call", "mcp.call", group: .mcp_call, params: Array(repeating: .i32, count: 6),
            inputs: [mcpServerInput, mcpNameInput(2, "mcp.call tool"), mcpArgumentsInput(4, "mcp.call arguments")]
        ) { run, input in
            let result = try run.mcpRequest { session, deadline throws(MCPServiceError) in
                try session.callTool(
                    server: try run.mcpText(input.bytes(0), "server"), tool: try run.mcpText(input.bytes(1), "tool"),
                    arguments: input.bytes(2), deadline: deadline)
            }
            return Array(result.json.serialized().utf8)
        },
        dataCall("mcp_list_tools", "mcp.list_tools", group: .mcp_call, params: [.i32, .i32], inputs: [mcpServerInput]) {
            run, input in
            let tools = try run.mcpRequest { session, deadline throws(MCPServiceError) in
                try session.listTools(server: try run.mcpText(input.bytes(0), "server"), deadline: deadline)
            }
            return Array(tools.serialized().utf8)
        },
        dataCall(
            "mcp_list_resources", "mcp.list_resources", group: .mcp_call, params: [.i32, .i32], inputs: [mcpServerInput]
        ) { run, input in
            let resources = try run.mcpRequest { session, deadline throws(MCPServiceError) in
                try session.listResources(server: try run.mcpText(input.bytes(0), "server"), deadline: deadline)
            }
            return Array(resources.serialized().utf8)
        },
        dataCall(
            "mcp_read_resource", "mcp.read_resource", group: .mcp_call, params: Array(repeating: .i32, count: 4),
            inputs: [mcpServerInput, .bytes(2, limit: SyscallLimits.url, what: "mcp.read_resource uri")]
        ) { run, input in
            let contents = try run.mcpRequest { session, deadline throws(MCPServiceError) in
                try session.readResource(
                    server: try run.mcpText(input.bytes(0), "server"), uri: try run.mcpText(input.bytes(1), "uri"),
                    deadline: deadline)
            }
            return Array(contents.serialized().utf8)
        },
        dataCall("mcp_list_prompts", "mcp.list_prompts", group: .mcp_call, params: [.i32, .i32], inputs: [mcpServerInput]) {
            run, input in
            let prompts = try run.mcpRequest { session, deadline throws(MCPServiceError) in
                try session.listPrompts(server: try run.mcpText(input.bytes(0), "server"), deadline: deadline)
            }
            return Array(prompts.serialized().utf8)
        },
        dataCall(
            "mcp_get_prompt", "mcp.get_prompt", group: .mcp_call, params: Array(repeating: .i32, count: 6),
            inputs: [mcpServerInput, mcpNameInput(2, "mcp.get_prompt name"), mcpArgumentsInput(4, "mcp.get_prompt arguments")]
        ) { run, input in
            let prompt = try run.mcpRequest { session, deadline throws(MCPServiceError) in
                try session.getPrompt(
                    server: try run.mcpText(input.bytes(0), "server"), prompt: try run.mcpText(input.bytes(1), "prompt name"),
                    arguments: input.bytes(2), deadline: deadline)
            }
            return Array(prompt.serialized().utf8)
        },
    ]

    static let mcpServerInput = mcpNameInput(0, "MCP server name")

    static func mcpNameInput(_ index: Int, _ what: String) -> ArgumentSpec {
        .bytes(index, limit: SyscallLimits.mcpName, what: what)
    }

    static func mcpArgumentsInput(_ index: Int, _ what: String) -> ArgumentSpec {
        .bytes(index, limit: SyscallLimits.mcpArguments, what: what)
    }
}

extension SyscallFailure {
    init(_ error: MCPServiceError) {
        switch error {
        case .notFound(let message): self.init(.ENOENT, message)
        case .invalidArguments(let message): self.init(.EINVAL, message)
        case .serverFailed(let message), .toolFailed(let message): self.init(.EIO, message)
        case .timedOut(let message): self.init(.ETIMEDOUT, message)
        case .tooLarge(let message): self.init(.E2BIG, message)
        }
    }
}

// MARK: - Services shared by both ABIs

extension AgentRun {
    /// Runs one MCP request under the run's deadline; the step records the server's
    /// stderr and, in its counters, whether the server was (re)started for it.
    func mcpRequest<Result>(
        _ body: (MCPSession, ContinuousClock.Instant?) throws(MCPServiceError) -> Result
    ) throws(SyscallFailure) -> Result {
        // No session: the manifest lists no servers, so every name is unknown, and nothing
        // is ever started for it.
        let session = mcp ?? MCPSession(servers: [])
        defer {
            let notes = session.lastNotes
            pendingServiceLog = notes.serverOutput
            if notes.restarted {
                pendingCounters = ["server_restarted": 1]
            } else if notes.started {
                pendingCounters = ["server_started": 1]
            }
        }
        do {
            return try body(session, deadline)
        } catch {
            throw SyscallFailure(error)
        }
    }

    /// A name argument as UTF-8 text.
    func mcpText(_ bytes: [UInt8], _ what: String) throws(MCPServiceError) -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .invalidArguments("the MCP \(what) is not valid UTF-8")
        }
        return text
    }
}
