/// Why an MCP request failed. Each case maps to one errno of the ABI (docs/mcp.md), and
/// every message names the server and the request, and says why.
public enum MCPServiceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No server, tool or prompt by that name (ENOENT). An unknown server is never started.
    case notFound(String)
    /// The guest's arguments are malformed or break the tool's `inputSchema`; nothing was sent (EINVAL).
    case invalidArguments(String)
    /// The server could not be started, exited, or broke the protocol (EIO).
    case serverFailed(String)
    /// The server answered with an error: a tool result with `isError`, or a JSON-RPC
    /// error. The message is the server's own text (EIO).
    case toolFailed(String)
    /// No answer before the request's deadline (ETIMEDOUT).
    case timedOut(String)
    /// A request or an answer over a size limit (E2BIG).
    case tooLarge(String)

    public var message: String {
        switch self {
        case .notFound(let message), .invalidArguments(let message), .serverFailed(let message),
            .toolFailed(let message), .timedOut(let message), .tooLarge(let message):
            return message
        }
    }

    public var description: String { message }
}
