import Foundation

/// Everything `nanos serve` is started with. ``validate()`` refuses an unsafe setup before
/// anything listens.
public struct ServeConfiguration: Sendable {
    /// The folder manifests are served from; every path the API takes is confined to it.
    public var root: String
    public var host: String
    /// 0 picks a free port (printed at start).
    public var port: Int
    /// Bearer token every API request must carry; nil serves loopback without one.
    public var token: String?
    /// What an inline manifest may grant.
    public var policy: ServePolicy
    /// One origin allowed to call the API from a browser; nil sends no CORS headers.
    public var corsOrigin: String?
    /// Runs executing at once; more get 429.
    public var maxRuns: Int
    /// Live event streams open at once; more get 429.
    public var maxStreams: Int
    /// The trace store runs are recorded in.
    public var storePath: String
    /// The agent run when a manifest names no `binary:`.
    public var defaultAgent: String?
    public var version: String

    /// The largest request body read (a manifest is at most 1 MiB).
    public static let maxBodyBytes = 1 << 20

    public init(
        root: String, host: String = "127.0.0.1", port: Int = 8080, token: String? = nil,
        policy: ServePolicy = ServePolicy(), corsOrigin: String? = nil, maxRuns: Int = 4, maxStreams: Int = 64,
        storePath: String, defaultAgent: String? = nil, version: String
    ) {
        self.root = root
        self.host = host
        self.port = port
        self.token = token
        self.policy = policy
        self.corsOrigin = corsOrigin
        self.maxRuns = maxRuns
        self.maxStreams = maxStreams
        self.storePath = storePath
        self.defaultAgent = defaultAgent
        self.version = version
    }

    /// Whether `host` only reaches this machine.
    public static func isLoopback(_ host: String) -> Bool {
        let lowered = host.lowercased()
        if lowered == "localhost" || lowered == "::1" || lowered == "[::1]" { return true }
        let parts = lowered.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    /// Refuses what would expose runs to the network without a token, and bounds that make no sense.
    public func validate() throws(ServeStartError) {
        if !Self.isLoopback(host), token == nil {
            throw ServeStartError(
                "--host \(host) is not loopback: anyone who can reach it could start agents; give --token or "
                    + "--token-file (clients send Authorization: Bearer TOKEN)")
        }
        if let token, token.utf8.count < 16 {
            throw ServeStartError(
                "the token has \(token.utf8.count) bytes; use at least 16 (e.g. openssl rand -hex 16)")
        }
        guard (0...65535).contains(port) else { throw ServeStartError("--port \(port) is not a port (0 to 65535)") }
        guard (1...256).contains(maxRuns) else { throw ServeStartError("--max-runs \(maxRuns) must be 1 to 256") }
        if let corsOrigin, !(corsOrigin.hasPrefix("http://") || corsOrigin.hasPrefix("https://")) {
            throw ServeStartError("--cors-origin \(corsOrigin) must be one origin such as https://example.com")
        }
        var folder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &folder), folder.boolValue else {
            throw ServeStartError("--root \(root) is not a folder")
        }
    }
}

/// Why the server did not start.
public struct ServeStartError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
