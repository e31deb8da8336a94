import Foundation
import NanosCore
import NanosJSON
import NanosManifest
import Yams

/// One agent of a fleet, as a job for a node: what it must run and nothing secret.
///
/// The manifest travels without `model:` (each node uses its own model and keys),
/// `token:`, `binary:` (the module travels as bytes) and `mcp_servers:` (only their
/// names: a node starts the servers its own policy defines, never a command it is sent).
public struct FleetJob: Sendable, Equatable {
    public static let version: Int64 = 1
    /// The largest module a job carries; with base64 and the rest it stays under NATS'
    /// default 1 MiB message size.
    public static let maxModuleBytes = 640 << 10
    /// The largest job a node reads.
    public static let maxJobBytes = 1 << 20

    public var fleetID: String
    public var fleetName: String
    public var agent: String
    /// Every agent of the fleet: the names `agent_send` may address.
    public var members: [String]
    /// The fleet's manifest with the secret and host-specific sections taken out.
    public var manifestText: String
    /// The MCP servers the agent's manifest lists, by name.
    public var mcpServers: [String]
    public var module: [UInt8]
    /// When the fleet must have ended; a node does not start a job past it.
    public var deadline: Date

    public var moduleHash: String { ContentHash.hex(module) }

    public init(
        fleetID: String, fleetName: String, agent: String, members: [String], manifestText: String,
        mcpServers: [String], module: [UInt8], deadline: Date
    ) {
        self.fleetID = fleetID
        self.fleetName = fleetName
        self.agent = agent
        self.members = members
        self.manifestText = manifestText
        self.mcpServers = mcpServers
        self.module = module
        self.deadline = deadline
    }

    /// The jobs of a fleet, one per agent, in the manifest's order.
    public static func jobs(for plan: FleetPlan, fleetID: String, defaultAgent: String?, deadline: Date)
        throws(FleetError) -> [FleetJob]
    {
        let shared = try shareable(plan.manifestText, path: plan.manifestPath)
        var modules: [String: [UInt8]] = [:]
        var jobs: [FleetJob] = []
        for agent in plan.agents {
            guard let path = agent.binary ?? defaultAgent else {
                throw .job(
                    "agents: \(agent.name) has no module: the manifest names no binary: and no default agent was found")
            }
            if modules[path] == nil { modules[path] = try readModule(path) }
            jobs.append(
                FleetJob(
                    fleetID: fleetID, fleetName: plan.manifest.name, agent: agent.name, members: plan.names,
                    manifestText: shared, mcpServers: agent.mcpServers.map(\.name), module: modules[path] ?? [],
                    deadline: deadline))
        }
        return jobs
    }

    private static func readModule(_ path: String) throws(FleetError) -> [UInt8] {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? -1
        guard size >= 0 else { throw .job("binary: cannot read \(path)") }
        guard size <= maxModuleBytes else {
            throw .job("binary: \(path) is \(size) bytes; a fleet job carries a module of at most \(maxModuleBytes)")
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw .job("binary: cannot read \(path)") }
        return [UInt8](data)
    }

    /// The manifest text without the sections that must not leave this machine.
    static func shareable(_ text: String, path: String) throws(FleetError) -> String {
        let removedAtTop: Set<String> = ["model", "token", "binary", "mcp_servers"]
        do {
            guard let root = try Yams.compose(yaml: text), case .mapping(let mapping) = root else {
                throw FleetError.manifest("\(path): not a mapping")
            }
            var pairs: [(Node, Node)] = []
            for (key, value) in mapping {
                guard let name = key.string, !removedAtTop.contains(name) else { continue }
                if name == "agents", case .sequence(let agents) = value {
                    let stripped = agents.map { agent -> Node in
                        guard case .mapping(let fields) = agent else { return agent }
                        return .mapping(
                            Node.Mapping(fields.filter { $0.key.string != "binary" }.map { ($0.key, $0.value) }))
                    }
                    pairs.append((key, .sequence(Node.Sequence(stripped))))
                } else {
                    pairs.append((key, value))
                }
            }
            return try Yams.serialize(node: .mapping(Node.Mapping(pairs)))
        } catch let error as FleetError {
            throw error
        } catch {
            throw .manifest("\(path): \(error)")
        }
    }

    public func encoded() -> [UInt8] {
        let json = JSONValue.object([
            ("version", .int(Self.version)), ("fleet_id", .string(fleetID)), ("fleet", .string(fleetName)),
            ("agent", .string(agent)), ("members", .array(members.map { .string($0) })),
            ("manifest", .string(manifestText)), ("mcp_servers", .array(mcpServers.map { .string($0) })),
            // Always base64: a module that happens to be UTF-8 would grow up to six times as JSON escapes.
            ("module", .object([("base64", .string(Data(module).base64EncodedString()))])),
            ("deadline_ms", .int(Int64(deadline.timeIntervalSince1970 * 1000))),
        ])
        return Array(json.serialized().utf8)
    }

    /// A job as a node receives it: every field checked, nothing trusted.
    public init(decoding bytes: [UInt8]) throws(FleetError) {
        guard bytes.count <= Self.maxJobBytes else {
            throw .job("the job is \(bytes.count) bytes; a node reads at most \(Self.maxJobBytes)")
        }
        let json: JSONValue
        do {
            json = try JSONValue.parse(bytes)
        } catch {
            throw .job("the job is not JSON: \(error)")
        }
        guard json["version"]?.intValue == Self.version else { throw .job("the job's version is not \(Self.version)") }
        guard let fleetID = json["fleet_id"]?.stringValue, FleetNames.isToken(fleetID) else {
            throw .job("fleet_id: missing or not a fleet id")
        }
        guard let agent = json["agent"]?.stringValue, FleetNames.isToken(agent) else {
            throw .job("agent: missing or not an agent name")
        }
        guard case .array(let rawMembers)? = json["members"], rawMembers.count <= FleetPlan.maxAgents else {
            throw .job("members: missing or more than \(FleetPlan.maxAgents)")
        }
        let members = rawMembers.compactMap(\.stringValue).filter(FleetNames.isToken)
        guard members.count == rawMembers.count, members.contains(agent) else {
            throw .job("members: every member must be an agent name, the job's own among them")
        }
        guard let manifest = json["manifest"]?.stringValue, manifest.utf8.count <= Manifest.maximumManifestBytes else {
            throw .job("manifest: missing or over \(Manifest.maximumManifestBytes) bytes")
        }
        guard case .array(let rawServers)? = json["mcp_servers"] else { throw .job("mcp_servers: missing") }
        let servers = rawServers.compactMap(\.stringValue)
        guard servers.count == rawServers.count, servers.count <= 64 else {
            throw .job("mcp_servers: at most 64 server names")
        }
        guard let moduleField = json["module"], let module = JSONValue.decodeBytes(moduleField),
            module.count <= Self.maxModuleBytes
        else { throw .job("module: missing, not base64, or over \(Self.maxModuleBytes) bytes") }
        guard let deadline = json["deadline_ms"]?.intValue else { throw .job("deadline_ms: missing") }
        self.init(
            fleetID: fleetID, fleetName: String((json["fleet"]?.stringValue ?? "fleet").prefix(256)), agent: agent,
            members: members, manifestText: manifest, mcpServers: servers, module: module,
            deadline: Date(timeIntervalSince1970: Double(deadline) / 1000))
    }
}
