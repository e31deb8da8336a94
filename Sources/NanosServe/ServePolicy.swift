import Foundation
import NanosManifest
import Yams

/// What a manifest sent in a request (not a file under the root) may grant: files only
/// inside the root, hosts only from the policy's list, and no programs to start unless
/// the server allows commands. Deny by default: an empty policy allows no host.
public struct ServePolicy: Sendable, Equatable {
    /// Hosts an inline manifest may name in `permissions.network` and `model.api_url`,
    /// lower-cased, as `host` or `host:port`.
    public var hosts: [String]
    /// `--allow-commands`: inline manifests may declare `mcp_servers` (programs to start).
    public var allowCommands: Bool

    public init(hosts: [String] = [], allowCommands: Bool = false) {
        self.hosts = hosts.map { $0.lowercased() }
        self.allowCommands = allowCommands
    }

    /// The largest policy file read.
    static let maxFileBytes = 64 << 10

    /// Reads a policy file: YAML with `hosts:` (a list of strings) and nothing else.
    public static func load(path: String, allowCommands: Bool) throws(ServeStartError) -> ServePolicy {
        guard let data = FileManager.default.contents(atPath: path), data.count <= maxFileBytes,
            let text = String(data: data, encoding: .utf8)
        else {
            throw ServeStartError("--policy \(path): cannot read it as UTF-8 text of at most 64 KiB")
        }
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw ServeStartError("--policy \(path): not YAML: \(error)")
        }
        guard let mapping = node?.mapping else {
            throw ServeStartError("--policy \(path): expected a mapping with hosts:")
        }
        var hosts: [String] = []
        for (key, value) in mapping {
            guard key.string == "hosts" else {
                throw ServeStartError("--policy \(path): unknown field \(key.string ?? "?"); the only field is hosts")
            }
            guard let sequence = value.sequence else {
                throw ServeStartError("--policy \(path): hosts must be a list of host or host:port strings")
            }
            for item in sequence {
                guard let host = item.string, !host.isEmpty, host.utf8.count <= 253 else {
                    throw ServeStartError("--policy \(path): every entry of hosts must be a host name")
                }
                hosts.append(host)
            }
        }
        return ServePolicy(hosts: hosts, allowCommands: allowCommands)
    }

    /// Refuses the first grant of `manifest` that the policy does not allow, naming the field.
    func check(_ manifest: Manifest, root: ServeRoot) throws(APIError) {
        if !manifest.mcpServers.isEmpty, !allowCommands {
            throw APIError(
                .forbidden, "policy",
                "mcp_servers[0].command: an inline manifest may not start programs (the server runs without "
                    + "--allow-commands)")
        }
        if let binary = manifest.binary, !root.contains(binary) {
            throw APIError(.forbidden, "policy", "binary: \(binary) is outside the served root")
        }
        for (field, globs) in [("fs_read", manifest.permissions.fsRead), ("fs_write", manifest.permissions.fsWrite)] {
            for glob in globs where !root.containsGlob(glob, base: manifest.directory) {
                throw APIError(.forbidden, "policy", "permissions.\(field): \(glob) reaches outside the served root")
            }
        }
        switch manifest.permissions.network {
        case .none: break
        case .any:
            throw APIError(
                .forbidden, "policy",
                "permissions.network: an inline manifest must list its hosts (policy hosts: "
                    + "\(hosts.isEmpty ? "none" : hosts.joined(separator: ", ")))")
        case .hosts(let wanted):
            for host in wanted where !hosts.contains(host.lowercased()) {
                throw APIError(.forbidden, "policy", "permissions.network: \(host) is not on the server's policy hosts")
            }
        }
        if let model = manifest.model {
            if let path = model.path, !root.contains(path) {
                throw APIError(.forbidden, "policy", "model.path: the model file is outside the served root")
            }
            if let url = model.apiURL {
                let authority = Self.authority(of: url)
                guard let authority, hosts.contains(authority) else {
                    throw APIError(
                        .forbidden, "policy", "model.api_url: \(authority ?? url) is not on the server's policy hosts")
                }
            }
        }
    }

    /// `host` or `host:port` of a URL, lower-cased; nil when it has no host.
    static func authority(of url: String) -> String? {
        guard let components = URLComponents(string: url), let host = components.host?.lowercased(), !host.isEmpty
        else { return nil }
        return components.port.map { "\(host):\($0)" } ?? host
    }
}
