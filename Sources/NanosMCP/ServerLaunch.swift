import Foundation
import NanosManifest

/// How one manifest entry becomes a process: the executable found, its arguments, the
/// environment it may see, and its folder.
public struct ServerLaunch: Sendable, Equatable {
    public var executable: String
    public var arguments: [String]
    public var environment: [String: String]
    public var workingDirectory: String?

    /// Host variables every server gets, because programs need them to run at all and none
    /// of them holds a credential. Anything else reaches a server only when its manifest
    /// entry lists it under `env:`, as a value or as `env:VAR`.
    public static let inheritedVariables = [
        "PATH", "HOME", "USER", "LOGNAME", "SHELL", "TERM", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR",
    ]

    /// Resolves `spec` against the host: the command is looked up (see ``ServerCommand``)
    /// and `env:VAR` values are read. Fails naming the manifest field when a variable is unset.
    public static func resolve(
        _ spec: MCPServerSpec, hostEnvironment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(MCPServiceError) -> ServerLaunch {
        var environment: [String: String] = [:]
        for name in inheritedVariables {
            if let value = hostEnvironment[name] { environment[name] = value }
        }
        for (name, value) in spec.env {
            do {
                environment[name] = try value.resolve(environment: hostEnvironment, field: "env.\(name)")
            } catch {
                throw .serverFailed("MCP server \(spec.name) cannot start: \(error.field): \(error.message)")
            }
        }
        let executable = try ServerCommand.locate(spec.command, server: spec.name, environment: hostEnvironment)
        return ServerLaunch(
            executable: executable, arguments: spec.args, environment: environment, workingDirectory: spec.cwd)
    }
}

/// Finds a server's command. A command with a `/` is a path (the manifest reader has made
/// it absolute against the manifest's folder). A bare name is looked up in `PATH`, then in
/// the bin folder of the venv that `scripts/mcp-deps.sh` installs into the cache, so the
/// servers nanos is tested with need no PATH change and no machine path in any manifest.
public enum ServerCommand {
    /// Must match `MCP_VERSION` and `MCP_SERVER_TIME_VERSION` in scripts/mcp-deps.sh (a test checks).
    public static let mcpVersion = "2.3.0"
    public static let timeServerVersion = "2026.10.19"

    /// The bin folder of the venv scripts/mcp-deps.sh makes (`NANOS_CACHE`, else `~/.cache/nanos`).
    public static func toolFolder(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let cache =
            environment["NANOS_CACHE"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? "") + "/.cache/nanos"
        return "\(cache)/mcp-\(mcpVersion)-time-\(timeServerVersion)/venv/bin"
    }

    /// The venv's Python, which has the `mcp` package for servers written on it (such as
    /// the test server): `NANOS_MCP_PYTHON` when set (scripts/mcp-deps.sh --print gives it).
    public static func python(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        environment["NANOS_MCP_PYTHON"].flatMap { $0.isEmpty ? nil : $0 } ?? toolFolder(environment: environment)
            + "/python"
    }

    /// The folders a bare command name is looked for in, in order.
    public static func searchFolders(environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        let path = (environment["PATH"] ?? "").split(separator: ":").map(String.init).filter { !$0.isEmpty }
        return path + [toolFolder(environment: environment)]
    }

    public static func locate(
        _ command: String, server: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(MCPServiceError) -> String {
        if command.contains("/") {
            guard FileManager.default.isExecutableFile(atPath: command) else {
                // The guest sees this message: it names the manifest's field, not the host path.
                throw .serverFailed(
                    "MCP server \(server) cannot start: its command (mcp_servers: command) is not an executable file")
            }
            return command
        }
        let folders = searchFolders(environment: environment)
        for folder in folders {
            let candidate = folder + "/" + command
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isFolder), !isFolder.boolValue,
                FileManager.default.isExecutableFile(atPath: candidate)
            {
                return candidate
            }
        }
        throw .serverFailed(
            "MCP server \(server) cannot start: command \(command) was not found in PATH or in nanos's tool folder"
                + " (run scripts/mcp-deps.sh, or give the command's path)")
    }
}
