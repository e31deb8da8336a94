import NanosCore
import NanosMCP

/// The mcp service: tools, resources and prompts of the manifest's MCP servers
/// (docs/mcp.md). Each call's outcome carries the server's stderr since the previous
/// request as its service log, and says in its counters whether the call (re)started it.
final class MCPService: Service {
    /// The manifest's servers, held (not started) for the whole run so that agents naming
    /// the same server share it; nil when there are none or `mcp_call` is not granted, so
    /// every name is unknown and nothing is ever started.
    private let session: MCPSession?
    private let deadline: ContinuousClock.Instant?

    init(context: RunContext) {
        let servers = context.manifest.mcpServers
        session = servers.isEmpty || !context.policy.allows(.mcp_call) ? nil : MCPSession(servers: servers)
        deadline = context.deadline
    }

    func close() {
        session?.close()
    }

    var handlers: [String: SyscallHandler] {
        [
            "mcp_call": { arguments in
                self.request { session, deadline throws(MCPServiceError) in
                    let result = try session.callTool(
                        server: try text(arguments.bytes(0), "server"), tool: try text(arguments.bytes(1), "tool"),
                        arguments: arguments.bytes(2), deadline: deadline)
                    return Array(result.json.serialized().utf8)
                }
            },
            // The original joined the text items of the answer; `isError` (which it ignored)
            // is now a failure with the server's text.
            "env.mcp_call": { arguments in
                self.request { session, deadline throws(MCPServiceError) in
                    let result = try session.callTool(
                        server: try text(arguments.bytes(0), "server"), tool: try text(arguments.bytes(1), "tool"),
                        arguments: arguments.bytes(2), deadline: deadline)
                    return Array(result.text.utf8)
                }
            },
            "mcp_list_tools": { arguments in
                self.listing(arguments) { session, server, deadline throws(MCPServiceError) in
                    try session.listTools(server: server, deadline: deadline)
                }
            },
            "mcp_list_resources": { arguments in
                self.listing(arguments) { session, server, deadline throws(MCPServiceError) in
                    try session.listResources(server: server, deadline: deadline)
                }
            },
            "mcp_read_resource": { arguments in
                self.request { session, deadline throws(MCPServiceError) in
                    Array(
                        try session.readResource(
                            server: try text(arguments.bytes(0), "server"), uri: try text(arguments.bytes(1), "uri"),
                            deadline: deadline
                        ).serialized().utf8)
                }
            },
            "mcp_list_prompts": { arguments in
                self.listing(arguments) { session, server, deadline throws(MCPServiceError) in
                    try session.listPrompts(server: server, deadline: deadline)
                }
            },
            "mcp_get_prompt": { arguments in
                self.request { session, deadline throws(MCPServiceError) in
                    Array(
                        try session.getPrompt(
                            server: try text(arguments.bytes(0), "server"),
                            prompt: try text(arguments.bytes(1), "prompt name"), arguments: arguments.bytes(2),
                            deadline: deadline
                        ).serialized().utf8)
                }
            },
        ]
    }

    /// One of a server's lists (tools, resources, prompts), as JSON.
    private func listing(
        _ arguments: [StepValue],
        _ list: (MCPSession, String, ContinuousClock.Instant?) throws(MCPServiceError) -> JSONValue
    ) -> SyscallOutcome {
        request { session, deadline throws(MCPServiceError) in
            Array(try list(session, try text(arguments.bytes(0), "server"), deadline).serialized().utf8)
        }
    }

    /// Runs one MCP request under the run's deadline; the outcome carries the server's
    /// stderr and, in its counters, whether the server was (re)started for it.
    private func request(
        _ body: (MCPSession, ContinuousClock.Instant?) throws(MCPServiceError) -> [UInt8]
    ) -> SyscallOutcome {
        let session = self.session ?? MCPSession(servers: [])
        var outcome: SyscallOutcome
        do {
            outcome = .data(try body(session, deadline))
        } catch {
            outcome = .failure(SyscallFailure(error))
        }
        let notes = session.lastNotes
        outcome.serviceLog = notes.serverOutput
        if notes.restarted {
            outcome.counters["server_restarted"] = 1
        } else if notes.started {
            outcome.counters["server_started"] = 1
        }
        return outcome
    }
}

/// A name argument as UTF-8 text.
private func text(_ bytes: [UInt8], _ what: String) throws(MCPServiceError) -> String {
    guard let text = String(validating: bytes, as: UTF8.self) else {
        throw .invalidArguments("the MCP \(what) is not valid UTF-8")
    }
    return text
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
