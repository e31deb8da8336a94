/// The ABI table: every host function nanos serves, in one place.
///
/// The kernel binds imports from it, the services answer its calls by name, and the
/// parity test (Tests/NanosCoreTests/ABIParityTests.swift) fails when docs/abi.md,
/// guest/c/nanos.h, guest/swift/Nanos.swift or the JS binding disagrees with it.
public enum ABI {
    public static let version = 1

    private static let path = ABICall.Parameter.bytes("path", limit: SyscallLimits.path)
    private static let request = ABICall.Parameter.bytes("req", limit: SyscallLimits.llmRequest)
    private static let server = ABICall.Parameter.bytes("server", limit: SyscallLimits.mcpName)
    private static let message = ABICall.Parameter.bytes("msg", limit: SyscallLimits.busMessage)

    /// ABI v1 (module `nanos`) as written, before the `_into` forms are added.
    static let v1Base: [ABICall] = [
        ABICall(
            "agent_goal", step: "agent.goal", group: nil, parameters: [], result: .data, js: "goal",
            "the manifest's goal, UTF-8"),
        ABICall(
            "agent_tools", step: "agent.tools", group: nil, parameters: [], result: .data, js: "tools",
            "JSON array of granted group names, e.g. `[\"agent\",\"fs_read\"]`"),
        ABICall(
            "agent_grants", step: "agent.grants", group: nil, parameters: [], result: .data, js: "grants",
            "JSON `{\"fs_read\":[…],\"fs_write\":[…],\"network\":false|true|[hosts],\"mcp_servers\":[names]}`: the manifest's own permissions, globs as written"
        ),
        ABICall(
            "agent_log", step: "agent.log", group: nil,
            parameters: [.int("level"), .bytes("msg", limit: SyscallLimits.message)], result: .status, js: "log",
            "0. Levels: 0 debug, 1 info, 2 warn, 3 error. `-EQUOTA` once the run has emitted `resources.logs` bytes (1 MiB by default); the message is dropped"
        ),
        ABICall(
            "agent_done", step: "agent.done", group: nil, parameters: [.bytes("summary", limit: SyscallLimits.message)],
            result: .status, js: "done", "ends the run at once with status ok and this summary; does not return"),
        ABICall(
            "fs_read", step: "fs.read", group: .fs_read, parameters: [path], result: .data, js: "fsRead",
            "the file's bytes"),
        ABICall(
            "fs_write", step: "fs.write", group: .fs_write,
            parameters: [path, .bytes("data", limit: SyscallLimits.fileBytes)], result: .status, js: "fsWrite",
            "0; creates or truncates"),
        ABICall(
            "fs_list", step: "fs.list", group: .fs_read, parameters: [path], result: .data, js: "fsList",
            "JSON array `[{\"name\":\"a.txt\",\"type\":\"file\",\"size\":12}]`, type one of file, dir, symlink, other"),
        ABICall(
            "web_fetch", step: "web.fetch", group: .web, parameters: [.bytes("req", limit: SyscallLimits.webRequest)],
            result: .data, js: "webFetch",
            "JSON `{\"status\":200,\"url\":…,\"headers\":{…},\"body\":…}`; see [Web](#web)"),
        ABICall(
            "llm_infer", step: "llm.infer", group: .llm, parameters: [request], result: .data, js: "llmInfer",
            "generated text. The request is JSON (below) or, if it does not start with `{`, a plain prompt (ChatML markup is split into messages)"
        ),
        ABICall(
            "llm_chat", step: "llm.chat", group: .llm, parameters: [request], result: .data, js: "llmChat",
            "JSON `{\"role\":\"assistant\",\"content\":…,\"finish_reason\":…,\"usage\":{…}}`; finish_reason is stop or length"
        ),
        ABICall(
            "llm_stream_open", step: "llm.stream_open", group: .llm, parameters: [request], result: .handle,
            js: "streamOpen",
            "a stream handle ≥ 1; the prompt has been read when it returns. At most 4 open per agent (E2BIG)"),
        ABICall(
            "llm_stream_next", step: "llm.stream_next", group: .llm, parameters: [.int("handle")], result: .data,
            js: "streamNext",
            "the next piece of the answer, whole UTF-8 characters; empty when the answer is complete, and the handle is closed then"
        ),
        ABICall(
            "llm_stream_close", step: "llm.stream_close", group: .llm, parameters: [.int("handle")], result: .status,
            js: "streamClose", "0; abandons a stream early"),
        ABICall(
            "mcp_call", step: "mcp.call", group: .mcp_call,
            parameters: [
                server, .bytes("tool", limit: SyscallLimits.mcpName), .bytes("args", limit: SyscallLimits.mcpArguments),
            ], result: .data, js: "mcpCall",
            "JSON `{\"content\":[…],\"structuredContent\":…,\"isError\":false}`; see [MCP](#mcp)"),
        ABICall(
            "mcp_list_tools", step: "mcp.list_tools", group: .mcp_call, parameters: [server], result: .data,
            js: "mcpListTools", "JSON array of the server's tools, with their `inputSchema`"),
        ABICall(
            "mcp_list_resources", step: "mcp.list_resources", group: .mcp_call, parameters: [server], result: .data,
            js: "mcpListResources", "JSON array of the server's resources"),
        ABICall(
            "mcp_read_resource", step: "mcp.read_resource", group: .mcp_call,
            parameters: [server, .bytes("uri", limit: SyscallLimits.url)], result: .data, js: "mcpReadResource",
            "JSON `{\"contents\":[…]}`"),
        ABICall(
            "mcp_list_prompts", step: "mcp.list_prompts", group: .mcp_call, parameters: [server], result: .data,
            js: "mcpListPrompts", "JSON array of the server's prompts"),
        ABICall(
            "mcp_get_prompt", step: "mcp.get_prompt", group: .mcp_call,
            parameters: [
                server, .bytes("name", limit: SyscallLimits.mcpName), .bytes("args", limit: SyscallLimits.mcpArguments),
            ], result: .data, js: "mcpGetPrompt", "JSON `{\"description\":…,\"messages\":[…]}`"),
        ABICall(
            "agent_peers", step: "agent.peers", group: nil, parameters: [], result: .data, js: "peers",
            "JSON array of the other agents' names in this agent's fleet, e.g. `[\"writer\"]`; `[]` outside a fleet"),
        ABICall(
            "agent_send", step: "agent.send", group: .agent_send,
            parameters: [.bytes("to", limit: SyscallLimits.agentName), message], result: .status, js: "agentSend",
            "0 once the message is in the agent's inbox. ENOENT: no agent of that name in the fleet; EAGAIN: its inbox is full, try again later; EINVAL: the message is not UTF-8"
        ),
        ABICall(
            "agent_recv", step: "agent.recv", group: .agent_recv, parameters: [.int("timeout_ms")], result: .data,
            js: "agentRecv",
            "JSON `{\"from\":\"researcher\",\"msg\":…}`, the oldest message in the inbox, its sender stamped by the host; 0 bytes when none arrives within `timeout_ms` (not an error; capped at 60 s and at the run's deadline)"
        ),
        ABICall(
            "agent_broadcast", step: "agent.broadcast", group: .agent_send, parameters: [message], result: .count,
            js: "agentBroadcast",
            "how many of the other agents got the message; a full inbox is skipped"),
        ABICall(
            "clock_now", step: "clock.now", group: .clock, parameters: [], result: .value, js: "clockNow",
            "Unix time in nanoseconds (a plain value, never negative)"),
        ABICall(
            "random_bytes", step: "random.bytes", group: .random, parameters: [.int("len")], result: .data,
            js: "randomBytes", "`len` random bytes"),
        ABICall(
            "last_error", step: "last_error", group: nil, parameters: [], result: .data, isStep: false,
            "message of the last failure; `-ENOENT` when there was none. Not a step"),
    ]

    /// ABI v1: every call above, and after each data call its `_into` form.
    public static let v1: [ABICall] = v1Base.flatMap { call in
        call.result == .data ? [call, call.intoForm()] : [call]
    }

    private static func original(
        _ name: String, group: ToolGroup?, _ inputs: [String], result: ABICall.Result = .copied, serves: String,
        _ summary: String
    ) -> ABICall {
        let parameters = inputs.map { ABICall.Parameter.bytes($0, limit: SyscallLimits.originalArgument) }
        return ABICall(
            name, module: .env, step: "env.\(name)", group: group,
            parameters: parameters + (result == .copied ? [.output("out")] : []), result: result, serves: serves,
            summary)
    }

    /// The original project's ABI (module `env`), so its guests run unchanged. Each call
    /// shares its service with the ABI v1 call it `serves`.
    public static let original: [ABICall] = [
        ABICall(
            "fs_read", module: .env, step: "env.fs_read", group: .fs_read,
            parameters: [path, .output("out")], result: .copied, serves: "fs_read", "the file's text"),
        ABICall(
            "fs_write", module: .env, step: "env.fs_write", group: .fs_write,
            parameters: [path, .bytes("content", limit: SyscallLimits.fileBytes), .output("out")], result: .copied,
            serves: "fs_write", "`Successfully wrote to file.`"),
        original("get_manifest_goal", group: nil, [], serves: "agent_goal", "the goal"),
        original("get_manifest_tools", group: nil, [], serves: "env.get_manifest_tools", "comma-joined tool names"),
        original("web_get", group: .web, ["url"], serves: "env.web_get", "the response body"),
        original(
            "memory_store", group: .memory, ["text"], result: .flag, serves: "env.memory_store",
            "1, or 0 past the run's 1 MiB of notes (EQUOTA)"),
        original(
            "memory_recall", group: .memory, ["query"], serves: "env.memory_recall",
            "the first note that contains the query"),
        original("llm_infer", group: .llm, ["prompt"], serves: "llm_infer", "generated text"),
        original(
            "mcp_call", group: .mcp_call, ["server", "tool", "args"], serves: "env.mcp_call",
            "the text items of the answer, joined by newlines"),
        original(
            "agent_send", group: .agent_send, ["target", "msg"], result: .flag, serves: "env.agent_send", "1 or 0"),
        original(
            "agent_recv", group: .agent_recv, [], serves: "env.agent_recv",
            "the oldest message's text, waiting up to 10 s as the original did; 0 bytes when none arrived"),
        original(
            "eval_js", group: nil, ["code"], serves: "env.eval_js",
            "always refused: nanos never runs JS outside the sandbox"),
    ]

    /// Every call of both modules.
    public static let calls: [ABICall] = v1 + original

    /// Calls by `module.name`.
    public static let byKey: [String: ABICall] = Dictionary(uniqueKeysWithValues: calls.map { ($0.key, $0) })

    public static func call(module: String, name: String) -> ABICall? {
        byKey["\(module).\(name)"]
    }
}
