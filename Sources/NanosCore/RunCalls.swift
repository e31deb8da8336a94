import NanosManifest

/// The calls about the run itself: its goal and tools, logging and finishing. They expose
/// nothing of the host, so every guest may make them, whatever `tools:` lists.
extension AgentRun {
    /// The handler of one of the run's own calls, or nil when `name` is a service's.
    func ownHandler(_ name: String) -> SyscallHandler? {
        switch name {
        case "agent_goal":
            return { [manifest] _ in .data(Array((manifest.goal ?? "").utf8)) }
        case "agent_tools":
            return { [policy] _ in
                .data(Array(JSONValue.array(policy.grantedGroups.map { .string($0.rawValue) }).serialized().utf8))
            }
        case "agent_grants":
            return { [manifest] _ in .data(Array(Self.grants(manifest).serialized().utf8)) }
        case "env.get_manifest_tools":
            // The original returned the manifest's names comma-joined.
            return { [manifest, policy] _ in
                .data(Array((manifest.toolNames ?? policy.grantedGroups.map(\.rawValue)).joined(separator: ",").utf8))
            }
        case "agent_log":
            return { arguments in
                let level = LogLevel(rawValue: Int32(clamping: arguments.int(0))) ?? .info
                return .catching { () throws(SyscallFailure) in
                    try self.log(level, arguments.bytes(1), call: "agent.log")
                    return .value(0)
                }
            }
        case "agent_done":
            // The run ends once the step is recorded (see CallBinding).
            return { _ in .ok }
        case "env.eval_js":
            return { _ in
                .failure(
                    .denied(
                        "eval_js is disabled: nanos never runs JavaScript outside the sandbox",
                        rule: "eval_js is never granted; compile JS agents with `nanos compile`"))
            }
        default:
            return nil
        }
    }

    /// The manifest's own grants, as `agent_grants` returns them: what the agent may touch,
    /// so it can choose only actions that are allowed. Nothing of the host.
    static func grants(_ manifest: Manifest) -> JSONValue {
        let network: JSONValue
        switch manifest.permissions.network {
        case .none: network = .bool(false)
        case .any: network = .bool(true)
        case .hosts(let hosts): network = .array(hosts.map { .string($0) })
        }
        return .object([
            ("fs_read", .array(manifest.permissions.fsRead.map { .string($0) })),
            ("fs_write", .array(manifest.permissions.fsWrite.map { .string($0) })),
            ("network", network),
            ("mcp_servers", .array(manifest.mcpServers.map { .string($0.name) })),
        ])
    }
}
