import Foundation
import NanosCore
import NanosFS
import NanosManifest
import Yams

/// What a node lets a job's manifest grant: a job is run only if every grant fits, and
/// refused otherwise, naming the grant. Deny by default: an empty policy allows no file,
/// no host and no MCP server, and the limits below.
///
/// ```yaml
/// fs_read: ["data/**"]          # globs, relative to the node's --root
/// fs_write: ["out/**"]
/// hosts: ["api.example.com"]    # permissions.network entries a job may list
/// mcp_servers:                  # started by the node, as defined here; a job names them
///   - {name: time, command: mcp-server-time}
/// max_memory: 256MB
/// max_timeout: 10m
/// max_steps: 10000
/// ```
public struct NodePolicy: Sendable {
    public var fsRead: [String] = []
    public var fsWrite: [String] = []
    public var hosts: [String] = []
    /// The node's own server definitions; a job's `mcp_servers` names must be among them.
    public var mcpServers: [MCPServerSpec] = []
    public var maxMemoryBytes = 256 << 20
    public var maxTimeout = Duration.seconds(600)
    public var maxSteps = 10_000

    public init() {}

    static let keys = ["fs_read", "fs_write", "hosts", "mcp_servers", "max_memory", "max_timeout", "max_steps"]

    /// Reads a policy file. The MCP servers section is read as a manifest's is, so its
    /// commands resolve against the policy file's folder.
    public static func load(path: String) throws(FleetError) -> NodePolicy {
        guard let data = FileManager.default.contents(atPath: path), data.count <= 64 << 10,
            let text = String(data: data, encoding: .utf8)
        else { throw .manifest("--policy \(path): cannot read it as UTF-8 text of at most 64 KiB") }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw .manifest("--policy \(path): not YAML: \(error)")
        }
        guard case .mapping(let mapping)? = root else {
            throw .manifest("--policy \(path): expected a mapping of \(keys.joined(separator: ", "))")
        }
        var policy = NodePolicy()
        for (key, value) in mapping {
            let name = key.string ?? "?"
            func strings() throws(FleetError) -> [String] {
                guard case .sequence(let items) = value else {
                    throw .manifest("--policy \(path): \(name) must be a list")
                }
                var result: [String] = []
                for item in items {
                    guard let string = item.string, !string.isEmpty, string.utf8.count <= 4096 else {
                        throw .manifest("--policy \(path): every entry of \(name) must be a non-empty string")
                    }
                    result.append(string)
                }
                return result
            }
            switch name {
            case "fs_read": policy.fsRead = try strings()
            case "fs_write": policy.fsWrite = try strings()
            case "hosts": policy.hosts = try strings().map { $0.lowercased() }
            case "max_memory":
                guard let bytes = value.string.flatMap(parseSize) else {
                    throw .manifest("--policy \(path): max_memory must be a size such as 256MB")
                }
                policy.maxMemoryBytes = bytes
            case "max_timeout":
                guard let duration = value.string.flatMap(parseDuration) else {
                    throw .manifest("--policy \(path): max_timeout must be a duration such as 10m")
                }
                policy.maxTimeout = duration
            case "max_steps":
                guard let steps = value.int, steps > 0 else {
                    throw .manifest("--policy \(path): max_steps must be a whole number above 0")
                }
                policy.maxSteps = steps
            case "mcp_servers":
                // The servers section is checked by the manifest reader, as in any manifest.
                let wrapper = try? Yams.serialize(
                    node: .mapping(
                        Node.Mapping([
                            (Node("name"), Node("node-policy")), (Node("permissions"), .mapping(Node.Mapping([]))),
                            (Node("mcp_servers"), value),
                        ])))
                do {
                    policy.mcpServers =
                        try Manifest.parse(
                            yaml: wrapper ?? "", directory: (path as NSString).deletingLastPathComponent,
                            sourcePath: path
                        ).mcpServers
                } catch {
                    throw .manifest("--policy \(path): \(error.description)")
                }
            default:
                throw .manifest(
                    "--policy \(path): unknown field \(name); the fields are \(keys.joined(separator: ", "))")
            }
        }
        return policy
    }

    /// Refuses the first grant of the job's `manifest` that the policy does not allow,
    /// naming the field; `servers` are the MCP servers the job names.
    func check(_ manifest: Manifest, servers: [String]) throws(FleetError) {
        for (field, globs, allowed) in [
            ("fs_read", manifest.permissions.fsRead, fsRead + fsWrite),
            ("fs_write", manifest.permissions.fsWrite, fsWrite),
        ] {
            for glob in globs where !Self.covers(allowed, glob) {
                throw .job(
                    "permissions.\(field): \(glob) is outside this node's policy (\(field): \(allowed.isEmpty ? "none" : allowed.joined(separator: ", ")))"
                )
            }
        }
        switch manifest.permissions.network {
        case .none: break
        case .any: throw .job("permissions.network: true is more than this node allows; list the hosts")
        case .hosts(let wanted):
            for host in wanted where !hosts.contains(host.lowercased()) {
                throw .job("permissions.network: \(host) is not on this node's policy hosts")
            }
        }
        for server in servers where !mcpServers.contains(where: { $0.name == server }) {
            throw .job("mcp_servers: this node's policy defines no server named \(server)")
        }
        let resources = manifest.resources
        if resources.memoryBytes > maxMemoryBytes {
            throw .job("resources.memory: \(resources.memoryBytes) bytes, over this node's \(maxMemoryBytes)")
        }
        if resources.maxSteps > maxSteps {
            throw .job("resources.max_steps: \(resources.maxSteps), over this node's \(maxSteps)")
        }
        if (resources.timeout ?? RunLimits.defaultTimeout) > maxTimeout {
            throw .job(
                "resources.timeout: \(resources.timeout ?? RunLimits.defaultTimeout), over this node's \(maxTimeout)")
        }
    }

    /// Whether `glob` grants only paths that one of `allowed` grants: a literal path must
    /// match an allowed glob; a pattern must lie under an allowed `folder/**`.
    static func covers(_ allowed: [String], _ glob: String) -> Bool {
        let components = glob.split(separator: "/", omittingEmptySubsequences: false)
        guard !glob.hasPrefix("/"), !components.contains("..") else { return false }
        let isPattern = glob.contains { "*?[{".contains($0) }
        if !isPattern { return allowed.contains { GlobPattern($0).matches(glob) } }
        let fixed = components.prefix { !$0.contains { "*?[{".contains($0) } }.joined(separator: "/")
        return allowed.contains { pattern in
            guard pattern.hasSuffix("/**") || pattern == "**" else { return false }
            let folder = pattern == "**" ? "" : String(pattern.dropLast(3))
            guard !folder.contains(where: { "*?[{".contains($0) }) else { return false }
            return folder.isEmpty || fixed == folder || fixed.hasPrefix(folder + "/")
        }
    }
}
