import Foundation
import Logging
import MCP
import NanosJSON
import NanosManifest

/// What a request left for the trace besides its answer.
public struct MCPRequestNotes: Sendable, Equatable {
    /// The server's stderr lines since the previous request collected them.
    public var serverOutput: [String] = []
    /// The server was started for this request (its first use, or after it died).
    public var started = false
    /// The server had died and was started again for this request.
    public var restarted = false

    public init() {}
}

/// A tool's answer. `isError` answers never come back as results: they are thrown as
/// ``MCPServiceError/toolFailed(_:)`` with the server's text.
public struct MCPToolResult: Sendable, Equatable {
    /// The `content` array as the server sent it (text, image, audio, resource items).
    public var content: JSONValue
    /// The tool's `structuredContent`, when it sent one.
    public var structuredContent: JSONValue?

    /// `{"content":[…],"structuredContent":…,"isError":false}`, what `mcp_call` hands the guest.
    public var json: JSONValue {
        .object([("content", content), ("structuredContent", structuredContent ?? .null), ("isError", .bool(false))])
    }

    /// The text items joined by newlines (the original ABI's result); the structured
    /// content, or the whole content, as JSON when there is no text.
    public var text: String {
        MCPSession.text(of: content) ?? (structuredContent ?? content).serialized()
    }
}

/// One agent run's view of its manifest's MCP servers (or `nanos mcp ls`'s).
///
/// Creating a session counts its servers as used by one more agent, without starting any;
/// a server starts on its first request. ``close()`` (also run on deinit) releases them,
/// and the last agent out stops a server. A session belongs to one thread; its requests
/// block that thread until the answer or the deadline (see ``Blocking``).
public final class MCPSession {
    /// The limit for one request when `mcp_servers[].timeout` is absent.
    public static let defaultTimeout = Duration.seconds(30)
    /// The least time a server gets to start and complete the MCP handshake.
    public static let startTimeout = Duration.seconds(30)

    public let specs: [MCPServerSpec]
    private let registry: MCPServerRegistry
    private var servers: [String: SharedServer]
    /// The notes of the most recent request, successful or not.
    public private(set) var lastNotes = MCPRequestNotes()

    public init(servers specs: [MCPServerSpec], registry: MCPServerRegistry = .shared) {
        self.specs = specs
        self.registry = registry
        var servers: [String: SharedServer] = [:]
        for spec in specs where servers[spec.name] == nil {
            servers[spec.name] = registry.acquire(spec)
        }
        self.servers = servers
    }

    deinit { close() }

    public func close() {
        let held = servers.values
        servers.removeAll()
        for server in held { registry.release(server) }
    }

    // MARK: Requests

    /// Calls `tool` with `arguments` (a JSON object, or nothing for `{}`). The arguments
    /// are checked against the tool's `inputSchema` first; if they break it, the error
    /// lists every offending path and nothing is sent.
    public func callTool(
        server name: String, tool: String, arguments: [UInt8], deadline: ContinuousClock.Instant?
    ) throws(MCPServiceError) -> MCPToolResult {
        let request = "mcp.call \(name)/\(tool)"
        let server = try lookup(name, request: request)
        let values = try Self.argumentObject(arguments, request: request)
        var resendable = false
        let result = try perform(request, on: server, deadline: deadline, resendable: { resendable }) {
            connection, deadline, reason throws(MCPServiceError) in
            let tools = try connection.tools(deadline: deadline, timeoutReason: reason)
            guard let described = tools.first(where: { $0.name == tool }) else {
                let names = tools.map(\.name).joined(separator: ", ")
                throw .notFound(
                    "\(request): server \(name) has no tool named \"\(tool)\"; its tools: \(names.isEmpty ? "none" : names)"
                )
            }
            let violations = JSONSchema(try Self.json(described.inputSchema, request: request))
                .violations(of: .object(values))
            guard violations.isEmpty else {
                throw .invalidArguments(
                    "\(request): the arguments do not match the tool's inputSchema: "
                        + violations.map(\.description).joined(separator: "; "))
            }
            // Tools that declare they change nothing, or that repeating them changes
            // nothing more, may be sent again to a restarted server.
            resendable = described.annotations.readOnlyHint == true || described.annotations.idempotentHint == true
            return try connection.send(
                CallTool.request(
                    .init(name: tool, arguments: Dictionary(values.map { ($0.0, Self.value($0.1)) }) { $1 })),
                describing: "tools/call \(tool)", deadline: deadline, timeoutReason: reason)
        }
        let content = try Self.json(result.content, request: request)
        if result.isError == true {
            throw .toolFailed(Self.text(of: content) ?? "MCP server \(name): tool \(tool) failed without a message")
        }
        return MCPToolResult(
            content: content,
            structuredContent: try result.structuredContent.map { v throws(MCPServiceError) in
                try Self.json(v, request: request)
            })
    }

    /// The server's tools: `[{"name", "description", "inputSchema", …}]`.
    public func listTools(server name: String, deadline: ContinuousClock.Instant?) throws(MCPServiceError) -> JSONValue
    {
        let request = "mcp.list_tools \(name)"
        let server = try lookup(name, request: request)
        let tools = try perform(request, on: server, deadline: deadline) {
            connection, deadline, reason throws(MCPServiceError) in
            try connection.tools(deadline: deadline, timeoutReason: reason)
        }
        return try Self.json(tools, request: request)
    }

    /// The server's resources: `[{"uri", "name", "mimeType", …}]`.
    public func listResources(server name: String, deadline: ContinuousClock.Instant?) throws(MCPServiceError)
        -> JSONValue
    {
        let request = "mcp.list_resources \(name)"
        let server = try lookup(name, request: request)
        let resources = try perform(request, on: server, deadline: deadline) {
            connection, deadline, reason throws(MCPServiceError) in
            try connection.resources(deadline: deadline, timeoutReason: reason)
        }
        return try Self.json(resources, request: request)
    }

    /// One resource: `{"contents":[{"uri", "mimeType", "text" or "blob"}]}`.
    public func readResource(server name: String, uri: String, deadline: ContinuousClock.Instant?)
        throws(MCPServiceError) -> JSONValue
    {
        let request = "mcp.read_resource \(name) \(uri)"
        let server = try lookup(name, request: request)
        let contents = try perform(request, on: server, deadline: deadline, resendable: { true }) {
            connection, deadline, reason throws(MCPServiceError) in
            guard connection.capabilities.resources != nil else {
                throw .notFound("\(request): server \(name) offers no resources")
            }
            return try connection.send(
                ReadResource.request(.init(uri: uri)), describing: "resources/read \(uri)", deadline: deadline,
                timeoutReason: reason
            ).contents
        }
        return .object([("contents", try Self.json(contents, request: request))])
    }

    /// The server's prompts: `[{"name", "description", "arguments":[{"name","required"}]}]`.
    public func listPrompts(server name: String, deadline: ContinuousClock.Instant?) throws(MCPServiceError)
        -> JSONValue
    {
        let request = "mcp.list_prompts \(name)"
        let server = try lookup(name, request: request)
        let prompts = try perform(request, on: server, deadline: deadline) {
            connection, deadline, reason throws(MCPServiceError) in
            try connection.prompts(deadline: deadline, timeoutReason: reason)
        }
        return try Self.json(prompts, request: request)
    }

    /// A prompt filled in with `arguments` (a JSON object of strings, or nothing):
    /// `{"description", "messages":[{"role", "content"}]}`. The arguments are checked
    /// against the prompt's declared ones first, and nothing is sent if they do not fit.
    public func getPrompt(
        server name: String, prompt: String, arguments: [UInt8], deadline: ContinuousClock.Instant?
    ) throws(MCPServiceError) -> JSONValue {
        let request = "mcp.get_prompt \(name)/\(prompt)"
        let server = try lookup(name, request: request)
        let values = try Self.argumentObject(arguments, request: request)
        let result = try perform(request, on: server, deadline: deadline, resendable: { true }) {
            connection, deadline, reason throws(MCPServiceError) in
            let prompts = try connection.prompts(deadline: deadline, timeoutReason: reason)
            guard let described = prompts.first(where: { $0.name == prompt }) else {
                let names = prompts.map(\.name).joined(separator: ", ")
                throw .notFound(
                    "\(request): server \(name) has no prompt named \"\(prompt)\"; its prompts: \(names.isEmpty ? "none" : names)"
                )
            }
            let strings = try Self.promptArguments(values, for: described, request: request)
            return try connection.send(
                GetPrompt.request(.init(name: prompt, arguments: strings)), describing: "prompts/get \(prompt)",
                deadline: deadline, timeoutReason: reason)
        }
        var members: [(String, JSONValue)] = []
        if let description = result.description { members.append(("description", .string(description))) }
        members.append(("messages", try Self.json(result.messages, request: request)))
        return .object(members)
    }

    // MARK: The one path every request takes

    private func lookup(_ name: String, request: String) throws(MCPServiceError) -> SharedServer {
        guard let server = servers[name] else {
            let names = specs.map(\.name)
            throw .notFound(
                "\(request): no MCP server named \"\(name)\" in the manifest"
                    + (names.isEmpty
                        ? " (mcp_servers is empty)" : "; mcp_servers lists \(names.joined(separator: ", "))"))
        }
        return server
    }

    /// Runs `body` on a live connection within the request's deadline: the sooner of the
    /// caller's (the agent's) deadline and the server's own timeout. A server found dead is
    /// started again; a request that was in flight when its server died is sent again to
    /// the restarted server only if `resendable` says so (reads, and tools that declare
    /// themselves read-only or idempotent). At most one restart per request.
    private func perform<Result>(
        _ request: String, on server: SharedServer, deadline callerDeadline: ContinuousClock.Instant?,
        resendable: () -> Bool = { true },
        _ body: (ServerConnection, ContinuousClock.Instant, String) throws(MCPServiceError) -> Result
    ) throws(MCPServiceError) -> Result {
        var notes = MCPRequestNotes()
        defer {
            notes.serverOutput = server.output.take()
            lastNotes = notes
        }
        let timeout = specs.first { $0.name == server.spec.name }?.timeout ?? Self.defaultTimeout
        /// The sooner of the agent's deadline and `limit` from now, with how to say which it was.
        func window(_ limit: Duration, _ own: String) -> (ContinuousClock.Instant, String) {
            let end = ContinuousClock.now + limit
            if let callerDeadline, callerDeadline < end {
                return (callerDeadline, "before the agent's deadline (resources.timeout)")
            }
            return (end, own)
        }
        var mayRestart = true
        while true {
            // Starting gets its own allowance: a server that takes longer to boot than it
            // may take to answer (Python servers need a second or two) can still start.
            let (startDeadline, startReason) = window(
                max(timeout, Self.startTimeout),
                "within \(max(timeout, Self.startTimeout).shortDescription) of being started")
            let (connection, start) = try server.connection(
                deadline: startDeadline, timeoutReason: startReason, mayRestart: mayRestart)
            if start != .running { notes.started = true }
            if start == .restarted {
                notes.restarted = true
                mayRestart = false
            }
            let (deadline, reason) = window(
                timeout, "within its timeout of \(timeout.shortDescription) (mcp_servers \(server.spec.name) timeout)")
            do {
                return try body(connection, deadline, reason)
            } catch {
                guard !connection.isAlive, mayRestart, resendable() else { throw error }
                Self.logger.info("resending after the server died", metadata: ["request": "\(request)"])
            }
        }
    }

    static let logger = Logger(label: "nanos.mcp")

    // MARK: JSON

    /// The guest's arguments as an object; empty bytes mean `{}`.
    static func argumentObject(_ bytes: [UInt8], request: String) throws(MCPServiceError) -> [(String, JSONValue)] {
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return [] }
        let parsed: JSONValue
        do {
            parsed = try JSONValue.parse(bytes)
        } catch {
            throw .invalidArguments("\(request): the arguments are not JSON: \(error)")
        }
        guard let members = parsed.objectValue else {
            throw .invalidArguments(
                "\(request): the arguments must be a JSON object, got \(JSONSchema.kind(of: parsed))")
        }
        return members
    }

    /// Prompt arguments are strings, by name; every required one must be there and no
    /// unknown one may be.
    static func promptArguments(
        _ values: [(String, JSONValue)], for prompt: Prompt, request: String
    ) throws(MCPServiceError) -> [String: String] {
        let declared = prompt.arguments ?? []
        var problems: [JSONSchemaViolation] = []
        var strings: [String: String] = [:]
        for argument in declared where argument.required == true && !values.contains(where: { $0.0 == argument.name }) {
            problems.append(
                JSONSchemaViolation(path: JSONSchema.child("", argument.name), message: "required, but missing"))
        }
        for (key, value) in values {
            let path = JSONSchema.child("", key)
            guard declared.contains(where: { $0.name == key }) else {
                let names = declared.map(\.name).joined(separator: ", ")
                problems.append(
                    JSONSchemaViolation(
                        path: path, message: "unknown argument (allowed: \(names.isEmpty ? "none" : names))"))
                continue
            }
            guard let text = value.stringValue else {
                problems.append(
                    JSONSchemaViolation(path: path, message: "expected string, got \(JSONSchema.kind(of: value))"))
                continue
            }
            strings[key] = text
        }
        guard problems.isEmpty else {
            throw .invalidArguments(
                "\(request): the arguments do not match the prompt's arguments: "
                    + problems.map(\.description).joined(separator: "; "))
        }
        return strings
    }

    /// Any of the SDK's types as nanos' JSON, through their own Codable form.
    static func json<T: Encodable>(_ value: T, request: String) throws(MCPServiceError) -> JSONValue {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return try JSONValue.parse(Array(try encoder.encode(value)))
        } catch {
            throw .serverFailed("\(request): the server's answer cannot be represented as JSON: \(error)")
        }
    }

    static func value(_ json: JSONValue) -> Value {
        switch json {
        case .null: return .null
        case .bool(let flag): return .bool(flag)
        case .int(let number): return Int(exactly: number).map(Value.int) ?? .double(Double(number))
        case .double(let number): return .double(number)
        case .string(let text): return .string(text)
        case .array(let elements): return .array(elements.map(value))
        case .object(let members): return .object(Dictionary(members.map { ($0.0, value($0.1)) }) { $1 })
        }
    }

    /// The `text` of the text items of a content array, joined by newlines; nil if there are none.
    static func text(of content: JSONValue) -> String? {
        let texts = (content.arrayValue ?? []).compactMap { item -> String? in
            item["type"]?.stringValue == "text" ? item["text"]?.stringValue : nil
        }
        return texts.isEmpty ? nil : texts.joined(separator: "\n")
    }
}
