import Foundation
import Logging
import NanosManifest

/// One manifest entry's server as the whole process shares it. It starts on first use,
/// starts again after it dies (at most once per request), and stops when the registry
/// releases it.
final class SharedServer: Sendable {
    enum Start: Equatable {
        /// The server was already running.
        case running
        /// The server was started for this request.
        case started
        /// The server had died and was started again for this request.
        case restarted
    }

    let spec: MCPServerSpec
    /// Its stderr, across restarts, until a request collects it.
    let output = ServerOutput()
    /// The running connection. Held while one starts, so concurrent first requests wait
    /// for a single start instead of each spawning a process.
    private let current = Locked<ServerConnection?>(nil)
    private let logger: Logger

    init(spec: MCPServerSpec, logger: Logger) {
        self.spec = spec
        self.logger = logger
    }

    var isRunning: Bool { current.value?.isAlive ?? false }

    /// A live connection, started (or restarted, if `mayRestart`) within `deadline` when needed.
    func connection(
        deadline: ContinuousClock.Instant, timeoutReason: String, mayRestart: Bool
    ) throws(MCPServiceError) -> (ServerConnection, Start) {
        try current.withLock {
            (current: inout ServerConnection?) throws(MCPServiceError) -> (ServerConnection, Start) in
            if let live = current, live.isAlive { return (live, .running) }
            let restarting = current != nil
            if let dead = current {
                guard mayRestart else {
                    throw .serverFailed(
                        "MCP server \(spec.name) died again after it was restarted for this request; not restarting it twice"
                    )
                }
                dead.stop()
                current = nil
                logger.info("restarting", metadata: ["server": "\(spec.name)"])
            }
            let connection = try ServerConnection.start(
                try ServerLaunch.resolve(spec), name: spec.name, output: output, deadline: deadline,
                timeoutReason: timeoutReason, logger: logger)
            current = connection
            return (connection, restarting ? .restarted : .started)
        }
    }

    func stop() {
        let connection = current.withLock { current -> ServerConnection? in
            defer { current = nil }
            return current
        }
        if let connection {
            logger.debug("stopping", metadata: ["server": "\(spec.name)"])
            connection.stop()
        }
    }
}

/// The MCP servers of this process. Agents that name the same server (the same entry:
/// name, command, arguments, environment and folder) share one process; it is started
/// when the first of them uses it and stopped when the last of them ends.
public final class MCPServerRegistry: Sendable {
    public static let shared = MCPServerRegistry()

    private struct Entry {
        let server: SharedServer
        var users: Int
    }

    private let entries = Locked<[MCPServerSpec: Entry]>([:])
    private let logger = Logger(label: "nanos.mcp")

    public init() {}

    /// The timeout is a per-request setting, not part of the process, so it does not split sharing.
    private static func key(_ spec: MCPServerSpec) -> MCPServerSpec {
        var key = spec
        key.timeout = nil
        return key
    }

    /// The shared server for `spec`, counted as one more user. Starts nothing.
    func acquire(_ spec: MCPServerSpec) -> SharedServer {
        let logger = logger
        return entries.withLock { entries in
            let key = Self.key(spec)
            var entry = entries[key] ?? Entry(server: SharedServer(spec: key, logger: logger), users: 0)
            entry.users += 1
            entries[key] = entry
            return entry.server
        }
    }

    /// One user fewer; the last one out stops the server (and waits for it to exit).
    func release(_ server: SharedServer) {
        let last = entries.withLock { entries -> Bool in
            guard var entry = entries[server.spec], entry.server === server else { return false }
            entry.users -= 1
            if entry.users > 0 {
                entries[server.spec] = entry
                return false
            }
            entries[server.spec] = nil
            return true
        }
        if last { server.stop() }
    }

    /// The names of the servers whose process is running now, sorted.
    public var runningServers: [String] {
        entries.value.values.filter { $0.server.isRunning }.map(\.server.spec.name).sorted()
    }
}
