/// Size and count caps for what a guest may ask of the host (docs/abi.md, "Size caps").
/// A larger request fails with E2BIG before any work is done.
public enum SyscallLimits {
    public static let path = 4 * 1024
    public static let fileBytes = 16 * 1024 * 1024
    public static let message = 64 * 1024
    public static let llmRequest = 1024 * 1024
    public static let randomBytes = 64 * 1024
    public static let url = 8 * 1024
    /// A `web_fetch` request: method, URL, headers and body, as JSON.
    public static let webRequest = 1024 * 1024
    /// A `web_fetch` answer's body; a longer one fails with E2BIG.
    public static let webResponseBody = 8 * 1024 * 1024
    /// Redirects one `web_fetch` follows, each checked against the policy.
    public static let webRedirects = 5
    /// A server, tool or prompt name.
    public static let mcpName = 1024
    /// A tool's or a prompt's arguments (JSON).
    public static let mcpArguments = 1024 * 1024
    /// Streams one agent may hold open at once; each holds a model sequence.
    public static let openStreams = 4
    /// All notes one run's `memory_store` keeps, together: host memory the guest decides.
    public static let notesBytes = 1024 * 1024
    /// The iovecs one WASI `fd_write` may gather.
    public static let wasiIovecs = 1024
    /// An agent's name, as `agent_send` names it.
    public static let agentName = 256
    /// One message between agents.
    public static let busMessage = 64 * 1024
    /// Messages one agent's inbox holds; a send past it fails with EAGAIN.
    public static let inboxMessages = 64
    /// Bytes one agent's inbox holds, all messages together: host memory other guests decide.
    public static let inboxBytes = 1024 * 1024
    /// The longest one `agent_recv` waits.
    public static let receiveWaitMilliseconds = 60_000
    /// The original ABI's arguments (it had no caps of its own).
    public static let originalArgument = 1024 * 1024
}
