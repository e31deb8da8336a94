import NanosManifest

/// Which syscall groups an agent may use, and why.
///
/// When the manifest lists `tools:`, exactly those groups are granted. When it does not,
/// groups follow from the other grants, so original manifests keep working and nothing is
/// granted that the manifest did not ask for.
public struct Policy: Sendable {
    /// Granted groups, each with the rule that granted it.
    public let grants: [ToolGroup: String]
    /// True when the manifest lists `tools:` explicitly.
    public let isExplicit: Bool
    private let mask: UInt32

    public init(manifest: Manifest) {
        var grants: [ToolGroup: String] = [:]
        if let tools = manifest.tools {
            for (offset, group) in tools.enumerated() {
                let written = manifest.toolNames?[safe: offset] ?? group.rawValue
                grants[group] =
                    written == group.rawValue
                    ? "tools: lists \(group.rawValue)"
                    : "tools: lists \(written) (alias of \(group.rawValue))"
            }
            isExplicit = true
        } else {
            grants[.clock] = "always granted when tools: is absent"
            grants[.random] = "always granted when tools: is absent"
            if !manifest.permissions.fsRead.isEmpty { grants[.fs_read] = "permissions.fs_read is not empty" }
            if !manifest.permissions.fsWrite.isEmpty { grants[.fs_write] = "permissions.fs_write is not empty" }
            if manifest.permissions.network != .none { grants[.web] = "permissions.network allows it" }
            if !manifest.mcpServers.isEmpty { grants[.mcp_call] = "mcp_servers is not empty" }
            if manifest.model != nil { grants[.llm] = "model: is set" }
            isExplicit = false
        }
        // The run's own calls (goal, tools, log, done) expose nothing of the host.
        grants[.agent] = grants[.agent] ?? "always granted: the agent's own goal, tools, log and done"
        self.grants = grants
        self.mask = grants.keys.reduce(0) { $0 | $1.bit }
    }

    /// The granted groups in ABI order, as `agent.tools` reports them.
    public var grantedGroups: [ToolGroup] {
        ToolGroup.allCases.filter { grants[$0] != nil }
    }

    @inline(__always)
    public func allows(_ group: ToolGroup) -> Bool {
        mask & group.bit != 0
    }

    /// The denial a call in `group` gets, or nil when the group is granted.
    public func check(_ group: ToolGroup, call: String) -> SyscallFailure? {
        if allows(group) { return nil }
        let rule: String
        if isExplicit {
            let listed = grantedGroups.filter { grants[$0]?.hasPrefix("tools:") == true }.map(\.rawValue)
                .joined(separator: ", ")
            rule = "tools: [\(listed)] does not include \(group.rawValue)"
        } else {
            rule = "\(group.rawValue) is not granted: tools: is absent and \(Policy.derivationSource(group))"
        }
        return .denied("\(call) denied: the manifest does not grant \(group.rawValue)", rule: rule)
    }

    private static func derivationSource(_ group: ToolGroup) -> String {
        switch group {
        case .fs_read: return "permissions.fs_read is empty"
        case .fs_write: return "permissions.fs_write is empty"
        case .web: return "permissions.network is false"
        case .mcp_call: return "mcp_servers is empty"
        case .llm: return "no model: is set"
        default: return "only tools: can grant it"
        }
    }
}

extension ToolGroup {
    /// A distinct bit per group, so the hot-path check is one AND.
    var bit: UInt32 {
        switch self {
        case .agent: return 1 << 0
        case .fs_read: return 1 << 1
        case .fs_write: return 1 << 2
        case .llm: return 1 << 3
        case .mcp_call: return 1 << 4
        case .web: return 1 << 5
        case .agent_send: return 1 << 6
        case .agent_recv: return 1 << 7
        case .clock: return 1 << 8
        case .random: return 1 << 9
        case .memory: return 1 << 10
        }
    }
}

extension Array {
    subscript(safe index: Int) -> Element? {
        indices.contains(index) ? self[index] : nil
    }
}
