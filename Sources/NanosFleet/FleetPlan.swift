import NanosCore
import NanosManifest

/// A fleet manifest read and checked: one manifest per agent, and the fleet's deadline.
/// Local and network mode start from the same plan.
public struct FleetPlan: Sendable {
    /// The fleet's own manifest (with `agents:`), as read.
    public let manifest: Manifest
    /// Its text, recorded with every agent's run so each can be replayed alone.
    public let manifestText: String
    public let manifestPath: String
    /// Each agent's manifest (``Manifest/agent(named:)``), in the manifest's order.
    public let agents: [Manifest]
    /// When the whole fleet must have ended, counted from its start.
    public let deadline: Duration

    /// What a fleet may hold: every agent is a thread (local) or a job (network).
    public static let maxAgents = 10_000
    /// Past the longest agent timeout, the time a fleet gives its agents to wind down.
    public static let deadlineGrace = Duration.seconds(5)

    public init(manifest: Manifest, manifestText: String, manifestPath: String, deadline: Duration? = nil)
        throws(FleetError)
    {
        guard !manifest.agents.isEmpty else { throw .noAgents(path: manifestPath) }
        guard manifest.agents.count <= Self.maxAgents else {
            throw .tooManyAgents(count: manifest.agents.count, limit: Self.maxAgents)
        }
        self.manifest = manifest
        self.manifestText = manifestText
        self.manifestPath = manifestPath
        self.agents = manifest.agents.compactMap { manifest.agent(named: $0.name) }
        let longest = agents.map { $0.resources.timeout ?? RunLimits.defaultTimeout }.max() ?? RunLimits.defaultTimeout
        self.deadline = deadline ?? longest + Self.deadlineGrace
    }

    /// Reads a fleet manifest from a file (bounded and checked as every manifest is).
    public static func load(path: String, deadline: Duration? = nil) throws(FleetError) -> FleetPlan {
        do {
            let (manifest, text, absolute) = try Manifest.read(path: path)
            return try FleetPlan(manifest: manifest, manifestText: text, manifestPath: absolute, deadline: deadline)
        } catch let error as ManifestError {
            throw .manifest(error.description)
        } catch let error as FleetError {
            throw error
        } catch {
            throw .manifest("\(error)")
        }
    }

    public var names: [String] { agents.map(\.name) }
}

/// Why a fleet could not start, or what went wrong between its parts.
public enum FleetError: Error, Sendable, CustomStringConvertible {
    case manifest(String)
    case noAgents(path: String)
    case tooManyAgents(count: Int, limit: Int)
    /// The NATS server could not be reached, or refused us.
    case connection(String)
    /// NATS refused the credentials.
    case authorization(String)
    /// A job that cannot be sent or taken (too large, malformed).
    case job(String)
    case store(String)

    public var description: String {
        switch self {
        case .manifest(let message): return message
        case .noAgents(let path):
            return "\(path) has no `agents:`: a fleet manifest lists its agents, each with a name and a goal"
        case .tooManyAgents(let count, let limit): return "agents: \(count) agents, a fleet holds at most \(limit)"
        case .connection(let message): return "NATS: \(message)"
        case .authorization(let message): return "NATS refused the credentials: \(message)"
        case .job(let message): return message
        case .store(let message): return "trace store: \(message)"
        }
    }
}
