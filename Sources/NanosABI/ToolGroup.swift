import Foundation

/// A group of host calls that the manifest's `tools:` grants as a unit.
/// Case names are spelled as manifests and guests spell the groups, so the raw
/// value, the Swift name and the ABI name are one and the same.
public enum ToolGroup: String, Sendable, CaseIterable {
    case agent, fs_read, fs_write, llm, mcp_call, web, agent_send, agent_recv, clock, random, memory

    /// Names from the original project's manifests, which listed calls rather than groups.
    public static let aliases: [String: ToolGroup] = [
        "done": .agent, "get_goal": .agent, "get_tools": .agent,
        "llm_infer": .llm,
        "web_get": .web,
        "memory_store": .memory, "memory_recall": .memory,
        "mcp": .mcp_call,
    ]

    /// Every name a manifest may write, groups first, for suggestions and help.
    public static let acceptedNames: [String] = allCases.map(\.rawValue) + aliases.keys.sorted()

    /// Accepts a group name or an alias, ignoring case and surrounding spaces.
    public init?(name: String) {
        let key = name.trimmingCharacters(in: .whitespaces).lowercased()
        guard let group = ToolGroup(rawValue: key) ?? Self.aliases[key] else { return nil }
        self = group
    }

    /// The groups that `names` grant, in first-mention order without repeats;
    /// names that are not tools are skipped (the manifest reader rejects them first).
    public static func groups(named names: [String]) -> [ToolGroup] {
        var groups: [ToolGroup] = []
        for name in names {
            if let group = ToolGroup(name: name), !groups.contains(group) { groups.append(group) }
        }
        return groups
    }
}
