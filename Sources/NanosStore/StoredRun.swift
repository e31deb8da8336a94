import Foundation
import NanosCore

/// What the store keeps about a run besides its steps: enough to run it again (the manifest
/// text and where it was, the module's path and hash) and to list it.
public struct RunInfo: Sendable {
    public var id: String
    public var agent: String
    /// The manifest's path when it ran: its folder is where relative paths resolve.
    public var manifestPath: String
    /// The manifest as it was, so a replay runs under the same limits and grants.
    public var manifestText: String
    public var manifestHash: String
    public var modulePath: String
    /// ``ContentHash`` of the module's bytes.
    public var moduleHash: String
    /// The run this one was forked from, and the step whose outcome the fork replaced.
    public var parent: String?
    public var forkStep: Int?
    /// The fleet run this agent's run belongs to (`nanos orchestrate`); nil for a single run.
    public var fleet: String?
    /// `running` while it runs; then a ``RunStatus`` raw value, or `interrupted` for a run
    /// whose process ended without finishing it.
    public var status: String
    public var startedAt: Date
    public var endedAt: Date?
    public var summary: String?
    public var message: String?
    /// The limits the run was held to, as JSON.
    public var limits: String?
    public var steps: Int
    public var tokens: Int
    public var fuel: UInt64

    public init(
        id: String, agent: String, manifestPath: String, manifestText: String, modulePath: String, moduleHash: String,
        parent: String? = nil, forkStep: Int? = nil, startedAt: Date = Date()
    ) {
        self.id = id
        self.agent = agent
        self.manifestPath = manifestPath
        self.manifestText = manifestText
        manifestHash = ContentHash.hex(Array(manifestText.utf8))
        self.modulePath = modulePath
        self.moduleHash = moduleHash
        self.parent = parent
        self.forkStep = forkStep
        status = "running"
        self.startedAt = startedAt
        steps = 0
        tokens = 0
        fuel = 0
    }

    /// A fresh run id: 12 hex digits.
    public static func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        let value = generator.next() & 0xFFFF_FFFF_FFFF
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 12 - digits.count) + digits
    }

    /// Whether the run ended without finishing (its process was killed or crashed).
    public var isInterrupted: Bool { status == "interrupted" }
}

/// A stored run with its steps.
public struct StoredRun: Sendable {
    public var info: RunInfo
    public var steps: [Step]
}
