import Foundation
import NanosKernel
import NanosMCP
import NanosManifest

/// What an MCP hop costs a guest: an `mcp.call` round trip to a real server (the time
/// server from PyPI) next to the in-process `clock.now` round trip of the same run.
public struct MCPBenchResults: Sendable {
    /// guest → kernel → server (`tools/call get_current_time`) → kernel → guest.
    public var call: Distribution
    /// The server and tool measured, for the reader.
    public var server: String

    func json(clockNow: Distribution) -> JSONValue {
        .object([
            ("server", .string(server)), ("mcp_call", call.json()),
            ("ratio_mcp_call_over_clock_now", .double(BenchResults.ratio(call.p50, clockNow.p50))),
        ])
    }
}

extension Benchmarks {
    /// The time server's manifest entry, as a user would write it (the command found the
    /// way every server command is: PATH, then the venv of scripts/mcp-deps.sh).
    static let timeServerYAML = """
        mcp_servers:
          - name: time
            command: mcp-server-time
            args: [--local-timezone, UTC]
        """

    /// Nil when the time server is not installed (then `reason` says why).
    static func timeServerMissing() -> String? {
        do {
            _ = try ServerCommand.locate("mcp-server-time", server: "time")
            return nil
        } catch {
            return error.message
        }
    }

    /// A manifest for the syscall guest in `mcp` mode, with the time server whitelisted.
    static func mcpManifest(_ workspace: Workspace, binary: String, samples: Int, output: String) throws -> Manifest {
        try workspace.manifest(
            binary: binary, maxSteps: samples * 3 + 16, goal: "mcp \(samples) 1 \(output)", write: [output],
            extra: timeServerYAML)
    }
}
