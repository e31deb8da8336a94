import Foundation
import Logging
import MCP

/// One running server process and the SDK client that speaks MCP to it, from the
/// `initialize` handshake on. When the process ends, so does the connection; the
/// ``SharedServer`` that owns it starts a new one for a later request.
///
/// Unchecked Sendable: `process` is touched only for its pid after launch, and every
/// other mutable state sits behind a ``Locked``.
final class ServerConnection: @unchecked Sendable {
    /// nanos as MCP servers see it in `initialize`.
    static let clientName = "nanos"
    static let clientVersion = "0.1.0"
    /// How long a server gets to exit after its stdin is closed, then after SIGTERM.
    static let exitGrace: DispatchTimeInterval = .milliseconds(500)
    static let terminateGrace: DispatchTimeInterval = .seconds(1)

    let name: String
    let client: Client
    let processIdentifier: Int32
    private let process: Process
    private let transport: PipeTransport
    private let output: ServerOutput
    private let logger: Logger
    /// Left once the process has been reaped, and once its stderr reached end of file.
    private let exited: DispatchGroup
    private let stderrEnded = DispatchGroup()

    private struct State {
        /// Why the process ended ("exited with code 3"), once it has.
        var exit: String?
        /// Why the server's stdout ended, once it has.
        var closed: String?
        var capabilities = Server.Capabilities()
        var tools: [Tool]?
        var prompts: [Prompt]?
    }

    private let state = Locked(State())
    /// Fired when the process ends or its output closes: requests waiting for an answer
    /// stop waiting then, whether or not the SDK ever fails them.
    let ending = Interrupt()

    private init(
        name: String, process: Process, transport: PipeTransport, exited: DispatchGroup, client: Client,
        output: ServerOutput, logger: Logger
    ) {
        self.name = name
        self.exited = exited
        self.transport = transport
        self.process = process
        self.client = client
        self.output = output
        self.logger = logger
        processIdentifier = process.processIdentifier
    }

    /// Starts the process and completes the MCP handshake before `deadline`.
    static func start(
        _ launch: ServerLaunch, name: String, output: ServerOutput, deadline: ContinuousClock.Instant,
        timeoutReason: String, logger: Logger
    ) throws(MCPServiceError) -> ServerConnection {
        // A server that exits while nanos writes to it must fail that write (EPIPE), not
        // kill the host with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: launch.executable)
        process.arguments = launch.arguments
        process.environment = launch.environment
        if let folder = launch.workingDirectory { process.currentDirectoryURL = URL(fileURLWithPath: folder) }
        // Foundation closes every other descriptor in the child, and its copies of these
        // pipes' child ends in nanos once the child runs: end of file means the server is gone.
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr

        // The connection is made after launch (it needs the pid); the handlers reach it
        // through this box, which also keeps them from retaining the process.
        let connectionBox = Locked<ServerConnection?>(nil)
        let exitReason = Locked<String?>(nil)
        let exited = DispatchGroup()
        exited.enter()
        process.terminationHandler = { ended in
            let reason =
                ended.terminationReason == .uncaughtSignal
                ? "was killed by signal \(ended.terminationStatus)" : "exited with code \(ended.terminationStatus)"
            exitReason.withLock { $0 = reason }
            connectionBox.value?.ended(reason)
            exited.leave()
        }
        do {
            try process.run()
        } catch {
            throw .serverFailed("MCP server \(name) cannot start \(launch.executable): \(error.localizedDescription)")
        }

        // The SDK logs a server's end (its stream failing) as an error, though nanos expects
        // and reports it; the SDK's own lines show only when nanos logs at debug level (-v).
        var sdkLogger = Logger(label: "nanos.mcp.sdk")
        if sdkLogger.logLevel > .debug { sdkLogger.logLevel = .critical }
        let transport = PipeTransport(
            server: name, toServer: stdin.fileHandleForWriting, fromServer: stdout.fileHandleForReading,
            logger: sdkLogger,
            onClose: { problem in connectionBox.value?.outputClosed(problem: problem) })
        let connection = ServerConnection(
            name: name, process: process, transport: transport, exited: exited,
            client: Client(name: clientName, version: clientVersion),
            output: output, logger: logger)
        connectionBox.withLock { $0 = connection }
        // The process may have ended before the box was filled; ending twice is harmless.
        if let reason = exitReason.value { connection.ended(reason) }

        connection.stderrEnded.enter()
        LineReader.start(
            stderr.fileHandleForReading, name: "nanos.mcp.\(name).stderr", maxLineBytes: ServerOutput.maxLineBytes,
            overflow: .truncate,
            onLine: { line in
                let text = String(decoding: line, as: UTF8.self)
                logger.debug("stderr", metadata: ["server": "\(name)", "line": "\(text)"])
                output.append(text)
            },
            onEnd: { _ in connection.stderrEnded.leave() })
        logger.debug("started", metadata: ["server": "\(name)", "pid": "\(connection.processIdentifier)"])

        let client = connection.client
        switch Blocking.run(
            until: deadline, interruptedBy: connection.ending, { try await client.connect(transport: transport) })
        {
        case .finished(.success(let result)):
            connection.state.withLock { $0.capabilities = result.capabilities }
            return connection
        case .finished(.failure(let error)):
            let failure = connection.failure(error, request: "the MCP handshake (initialize)")
            connection.stop()
            throw failure
        case .interrupted:
            let failure = connection.failure(
                MCPServiceError.serverFailed("ended"), request: "the MCP handshake (initialize)")
            connection.stop()
            throw failure
        case .timedOut:
            connection.stop()
            throw .timedOut("MCP server \(name) did not complete the MCP handshake (initialize) \(timeoutReason)")
        }
    }

    /// Whether requests can still be sent.
    var isAlive: Bool {
        state.withLock { $0.exit == nil && $0.closed == nil }
    }

    var capabilities: Server.Capabilities { state.value.capabilities }

    private func ended(_ reason: String) {
        let first = state.withLock { state -> Bool in
            defer { if state.exit == nil { state.exit = reason } }
            return state.exit == nil
        }
        guard first else { return }
        logger.debug("ended", metadata: ["server": "\(name)", "reason": "\(reason)"])
        ending.fire()
        disconnectClient()
    }

    /// `problem` is set when the server broke the protocol (an oversized message) or the
    /// read failed; such a server is not trusted further and is killed.
    private func outputClosed(problem: String?) {
        state.withLock { if $0.closed == nil { $0.closed = problem ?? "closed its output" } }
        ending.fire()
        disconnectClient()
        if problem != nil, state.value.exit == nil { kill(processIdentifier, SIGKILL) }
    }

    /// Fails the requests still waiting for an answer, so their callers hear at once.
    private func disconnectClient() {
        let client = client
        Task(executorPreference: MCPExecutor.shared) { await client.disconnect() }
    }

    // MARK: Requests

    /// Sends one request and waits for its answer until `deadline`; a request that times
    /// out is cancelled on the server (`notifications/cancelled`).
    func send<M: Method>(
        _ request: Request<M>, describing description: String, deadline: ContinuousClock.Instant, timeoutReason: String
    ) throws(MCPServiceError) -> M.Result {
        let client = client
        switch Blocking.run(until: deadline, interruptedBy: ending, { try await client.send(request).value }) {
        case .finished(.success(let result)):
            return result
        case .finished(.failure(let error)):
            throw failure(error, request: description)
        case .interrupted:
            throw failure(MCPServiceError.serverFailed("ended"), request: description)
        case .timedOut:
            let id = request.id
            Task(executorPreference: MCPExecutor.shared) {
                try? await client.cancelRequest(id, reason: "nanos: no answer before the deadline")
            }
            throw .timedOut("MCP server \(name) did not answer \(description) \(timeoutReason)")
        }
    }

    /// Every page of a paginated list.
    func listAll<Item>(
        describing description: String, _ fetch: (String?) throws(MCPServiceError) -> (items: [Item], next: String?)
    ) throws(MCPServiceError) -> [Item] {
        var items: [Item] = []
        var cursor: String?
        for _ in 0..<Self.maxPages {
            let (pageItems, next) = try fetch(cursor)
            items += pageItems
            guard let next, !next.isEmpty else { return items }
            cursor = next
        }
        throw .serverFailed("MCP server \(name) sent more than \(Self.maxPages) pages for \(description)")
    }

    static let maxPages = 100

    /// The server's tools, listed once per connection (servers rarely change them, and a
    /// restart lists them again).
    func tools(deadline: ContinuousClock.Instant, timeoutReason: String) throws(MCPServiceError) -> [Tool] {
        if let cached = state.value.tools { return cached }
        guard capabilities.tools != nil else { return [] }
        let tools: [Tool] = try listAll(describing: "tools/list") {
            cursor throws(MCPServiceError) in
            let result = try send(
                cursor.map { ListTools.request(.init(cursor: $0)) } ?? ListTools.request(.init()),
                describing: "tools/list", deadline: deadline, timeoutReason: timeoutReason)
            return (result.tools, result.nextCursor)
        }
        state.withLock { $0.tools = tools }
        return tools
    }

    func prompts(deadline: ContinuousClock.Instant, timeoutReason: String) throws(MCPServiceError) -> [Prompt] {
        if let cached = state.value.prompts { return cached }
        guard capabilities.prompts != nil else { return [] }
        let prompts: [Prompt] = try listAll(describing: "prompts/list") {
            cursor throws(MCPServiceError) in
            let result = try send(
                cursor.map { ListPrompts.request(.init(cursor: $0)) } ?? ListPrompts.request(.init()),
                describing: "prompts/list", deadline: deadline, timeoutReason: timeoutReason)
            return (result.prompts, result.nextCursor)
        }
        state.withLock { $0.prompts = prompts }
        return prompts
    }

    func resources(deadline: ContinuousClock.Instant, timeoutReason: String) throws(MCPServiceError) -> [Resource] {
        guard capabilities.resources != nil else { return [] }
        return try listAll(describing: "resources/list") {
            cursor throws(MCPServiceError) in
            let result = try send(
                cursor.map { ListResources.request(.init(cursor: $0)) } ?? ListResources.request(.init()),
                describing: "resources/list", deadline: deadline, timeoutReason: timeoutReason)
            return (result.resources, result.nextCursor)
        }
    }

    // MARK: Failures

    /// Turns what the SDK threw into the service's error. A request that failed because
    /// the process died waits briefly for its exit status, which says more than
    /// "disconnected", and for its last stderr lines, which reach the step's service log.
    /// The guest's message never quotes stderr: a traceback names the host's folders.
    func failure(_ error: any Error, request description: String) -> MCPServiceError {
        if !isAlive {
            _ = exited.wait(timeout: .now() + Self.exitGrace)
            _ = stderrEnded.wait(timeout: .now() + .milliseconds(200))
            let current = state.value
            let reason = current.exit ?? current.closed ?? "closed its output"
            var message = "MCP server \(name) \(reason) during \(description)"
            if !output.recent.isEmpty { message += "; its stderr is in the step's service log" }
            return .serverFailed(message)
        }
        if let failure = error as? MCPServiceError { return failure }
        guard let protocolError = error as? MCPError else {
            return .serverFailed("MCP server \(name) failed \(description): \(error)")
        }
        let text = protocolError.errorDescription ?? "\(protocolError)"
        switch protocolError {
        case .methodNotFound:
            return .notFound("MCP server \(name) does not support \(description): \(text)")
        case .invalidParams:
            return .invalidArguments("MCP server \(name) refused the arguments of \(description): \(text)")
        case .serverError(let code, let message) where code == Self.resourceNotFoundCode:
            return .notFound("MCP server \(name): \(message)")
        case .serverError(_, let message):
            return .toolFailed("MCP server \(name) failed \(description): \(message)")
        case .connectionClosed, .transportError:
            return .serverFailed("MCP server \(name) failed \(description): \(text)")
        default:
            return .toolFailed("MCP server \(name) failed \(description): \(text)")
        }
    }

    /// MCP's JSON-RPC code for `resources/read` of an unknown URI.
    static let resourceNotFoundCode = -32002

    // MARK: Stopping

    /// Stops the server the way MCP's stdio transport asks: close its stdin, wait, then
    /// SIGTERM, then SIGKILL. Returns once the process is gone (or could not be killed).
    func stop() {
        disconnectClient()
        transport.closeInput()
        if exited.wait(timeout: .now() + Self.exitGrace) == .success { return }
        kill(processIdentifier, SIGTERM)
        if exited.wait(timeout: .now() + Self.terminateGrace) == .success { return }
        logger.warning("server ignored SIGTERM; killing it", metadata: ["server": "\(name)"])
        kill(processIdentifier, SIGKILL)
        _ = exited.wait(timeout: .now() + Self.terminateGrace)
    }
}
