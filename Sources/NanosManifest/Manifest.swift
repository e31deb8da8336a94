@_exported import NanosABI
/// An agent's `.nano` manifest: what it runs, with which model, and what it may touch.
/// The field reference is docs/manifest.md.
public struct Manifest: Sendable, Equatable {
    public static let defaultName = "nanos-agent"

    public var name: String
    /// Nil when the manifest configures no model.
    public var model: ModelConfig?
    public var resources: Resources
    public var permissions: Permissions
    public var mcpServers: [MCPServerSpec]
    /// The granted groups, without repeats; nil when `tools:` is absent.
    public var tools: [ToolGroup]?
    /// The `tools:` entries as written (aliases included), for prompts and reports.
    public var toolNames: [String]?
    /// The guest module, as an absolute path.
    public var binary: String?
    public var goal: String?
    public var agents: [AgentSpec]
    /// The fleet token.
    public var token: Secret?
    /// Absolute folder of the manifest, symlinks resolved; relative paths in the
    /// manifest are resolved against it.
    public var directory: String
    /// The file the manifest was read from, as the caller named it.
    public var sourcePath: String?

    public init(
        name: String = Manifest.defaultName, model: ModelConfig? = nil, resources: Resources,
        permissions: Permissions = Permissions(), mcpServers: [MCPServerSpec] = [],
        tools: [ToolGroup]? = nil, toolNames: [String]? = nil, binary: String? = nil,
        goal: String? = nil, agents: [AgentSpec] = [], token: Secret? = nil,
        directory: String, sourcePath: String? = nil
    ) {
        self.name = name
        self.model = model
        self.resources = resources
        self.permissions = permissions
        self.mcpServers = mcpServers
        self.tools = tools
        self.toolNames = toolNames
        self.binary = binary
        self.goal = goal
        self.agents = agents
        self.token = token
        self.directory = directory
        self.sourcePath = sourcePath
    }
}

public struct ModelConfig: Sendable, Equatable {
    public static let defaultProvider = "local"

    public var provider: String
    public var modelName: String?
    /// The model file, as an absolute path.
    public var path: String?
    public var contextWindow: Int?
    public var apiURL: String?
    public var apiKey: Secret?
    public var gpuLayers: Int?
    public var threads: Int?

    public init(
        provider: String = ModelConfig.defaultProvider, modelName: String? = nil, path: String? = nil,
        contextWindow: Int? = nil, apiURL: String? = nil, apiKey: Secret? = nil,
        gpuLayers: Int? = nil, threads: Int? = nil
    ) {
        self.provider = provider
        self.modelName = modelName
        self.path = path
        self.contextWindow = contextWindow
        self.apiURL = apiURL
        self.apiKey = apiKey
        self.gpuLayers = gpuLayers
        self.threads = threads
    }
}

public struct Resources: Sendable, Equatable {
    /// The smallest memory a guest can have: one WebAssembly page.
    public static let minimumMemoryBytes = 64 << 10
    /// The most a 32-bit WebAssembly memory can address.
    public static let maximumMemoryBytes = 4 << 30
    /// The largest interpreter stack: it is host memory, allocated whole for the run, and a
    /// trap's backtrace grows with its depth. JS agents ask for 64 MiB, deep enough for
    /// QuickJS to raise its own RangeError first.
    public static let maximumStackBytes = 64 << 20
    /// The smallest interpreter stack that starts any guest.
    public static let minimumStackBytes = 64 << 10

    /// Cap on the guest's linear memory.
    public var memoryBytes: Int
    /// Cap on host calls (steps) in one run.
    public var maxSteps: Int
    /// Instruction fuel for one run; nil leaves it to the kernel.
    public var fuel: UInt64?
    /// Wall-clock limit for one run.
    public var timeout: Duration?
    /// Stack size for the interpreter.
    public var stackBytes: Int?
    /// Cap on the bytes the run's trace holds (arguments, results and messages of its
    /// steps); nil leaves it to the kernel.
    public var traceBytes: Int?
    /// Cap on the bytes of log messages (`agent.log`, stdout and stderr) one run may emit;
    /// nil leaves it to the kernel.
    public var logBytes: Int?
    /// Cap on the model tokens (prompt plus generated, summed over every `llm.*` call) one
    /// run may use; nil: no cap beyond `max_steps` calls of one context window each.
    public var tokens: Int?

    public init(
        memoryBytes: Int, maxSteps: Int, fuel: UInt64? = nil, timeout: Duration? = nil, stackBytes: Int? = nil,
        traceBytes: Int? = nil, logBytes: Int? = nil, tokens: Int? = nil
    ) {
        self.memoryBytes = memoryBytes
        self.maxSteps = maxSteps
        self.fuel = fuel
        self.timeout = timeout
        self.stackBytes = stackBytes
        self.traceBytes = traceBytes
        self.logBytes = logBytes
        self.tokens = tokens
    }
}

/// Grants; everything not granted is denied.
public struct Permissions: Sendable, Equatable {
    /// Path globs the guest may read, kept as written (the fs service interprets them).
    public var fsRead: [String]
    /// Path globs the guest may write, kept as written.
    public var fsWrite: [String]
    public var network: NetworkGrant
    /// `fs_read_hardlinks`: whether a granted file with more than one hard link may be read.
    /// Off by default, because such a link may share its inode with a file outside the grant.
    /// Files with several links are never written.
    public var readsHardlinks: Bool

    public init(
        fsRead: [String] = [], fsWrite: [String] = [], network: NetworkGrant = .none, readsHardlinks: Bool = false
    ) {
        self.fsRead = fsRead
        self.fsWrite = fsWrite
        self.network = network
        self.readsHardlinks = readsHardlinks
    }
}

public enum NetworkGrant: Sendable, Equatable {
    case none
    case any
    /// Only these hosts, as written.
    case hosts([String])
}

/// An MCP server that nanos starts as a child process and talks to over stdio.
/// Hashable so that agents naming the same server can share one process.
public struct MCPServerSpec: Sendable, Hashable {
    /// The name guests use to address the server.
    public var name: String
    /// A bare name (looked up when the server starts) or an absolute path (a relative path
    /// in the manifest is made absolute against its folder).
    public var command: String
    public var args: [String]
    /// The variables the server gets beyond the harmless few every server inherits: each
    /// a value written in the manifest, or `env:VAR` to pass on that host variable.
    public var env: [String: Secret]
    /// Working folder, as an absolute path.
    public var cwd: String?
    /// Limit for each request to the server; nil leaves the MCP service's default.
    public var timeout: Duration?

    public init(
        name: String, command: String, args: [String] = [], env: [String: Secret] = [:],
        cwd: String? = nil, timeout: Duration? = nil
    ) {
        self.name = name
        self.command = command
        self.args = args
        self.env = env
        self.cwd = cwd
        self.timeout = timeout
    }
}

/// One member of a fleet; it shares everything else with the manifest that lists it.
public struct AgentSpec: Sendable, Equatable {
    public var name: String
    public var goal: String
    /// The tool names as written; nil when the entry has no `tools:`.
    public var tools: [String]?
    /// The agent's own module (absolute); nil runs the fleet's `binary:`.
    public var binary: String?

    /// The groups `tools` grants; nil when the entry has no `tools:`.
    public var toolGroups: [ToolGroup]? { tools.map(ToolGroup.groups(named:)) }

    public init(name: String, goal: String, tools: [String]? = nil, binary: String? = nil) {
        self.name = name
        self.goal = goal
        self.tools = tools
        self.binary = binary
    }

    /// What an agent's name may be: it is an address on the bus and a NATS subject token.
    public static let namePattern = "letters, digits, '-' and '_', at most 64"

    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64
            && name.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == 0x2D || byte == 0x5F
            }
    }
}

extension Manifest {
    /// The manifest of one agent of a fleet: the fleet's, with the agent's name, goal and
    /// tools (and module, when it names one). Everything else is shared: permissions,
    /// resources, model, MCP servers. Nil when the fleet has no agent of that name.
    public func agent(named name: String) -> Manifest? {
        guard let spec = agents.first(where: { $0.name == name }) else { return nil }
        var manifest = self
        manifest.name = spec.name
        manifest.goal = spec.goal
        if let tools = spec.tools {
            manifest.toolNames = tools
            manifest.tools = spec.toolGroups
        }
        if let binary = spec.binary { manifest.binary = binary }
        manifest.agents = []
        return manifest
    }
}
