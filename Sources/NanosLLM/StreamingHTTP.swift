import Foundation
import NanosManifest
import NanosJSON

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Time and size limits for one request to a remote model server.
public struct RemoteLimits: Sendable, Equatable {
    /// Time to open the connection (TCP, and TLS for https) and hand over the request.
    public var connectTimeout: Duration = .seconds(10)
    /// Longest silence from the server once connected: covers prompt processing and model
    /// loading before the first byte, and the gap between any two pieces after it.
    public var readTimeout: Duration = .seconds(300)
    /// Tries when no connection can be made at all; nothing is retried once the request was sent.
    public var connectAttempts = 3
    /// Wait before the second try; doubled before each further one.
    public var retryDelay: Duration = .milliseconds(200)
    /// A response body larger than this is an error.
    public var maxResponseBytes = 16 << 20
    /// How much of an error body is kept to quote the server's reason.
    public var maxErrorBytes = 64 << 10

    public init() {}
}

/// An HTTP POST whose response body is read line by line, blocking the calling thread.
///
/// URLSession delivers the body on its own queue; the bytes wait in `ReceivedBytes` until the
/// agent's thread asks for the next line, so a guest's `llm.stream_next` reads at its own pace.
final class StreamingHTTPResponse {
    /// The URL as shown in messages: without any user or password it may carry.
    let shownURL: String
    /// The HTTP status (2xx: `open` throws for any other).
    let status: Int
    private let session: URLSession
    private let task: URLSessionDataTask
    private let received: ReceivedBytes
    private let limits: RemoteLimits
    private let deadline: ContinuousClock.Instant?
    private var lines = LineSplitter()
    private var closed = false

    private init(
        shownURL: String, status: Int, session: URLSession, task: URLSessionDataTask, received: ReceivedBytes,
        limits: RemoteLimits, deadline: ContinuousClock.Instant?
    ) {
        self.shownURL = shownURL
        self.status = status
        self.session = session
        self.task = task
        self.received = received
        self.limits = limits
        self.deadline = deadline
    }

    deinit { close() }

    /// Sends `body` and waits for a successful status. Retries only when no connection could be
    /// made; an HTTP error status is thrown with the server's own reason.
    static func open(
        url: URL, headers: [(String, String)], body: [UInt8], limits: RemoteLimits,
        deadline: ContinuousClock.Instant?, secretsToHide: [String]
    ) throws(LLMError) -> StreamingHTTPResponse {
        let shown = shownURL(url)
        var delay = limits.retryDelay
        var attempt = 1
        while true {
            let failure: ConnectFailure
            do throws(OpenFailure) {
                return try attemptOpen(
                    url: url, shownURL: shown, headers: headers, body: body, limits: limits, deadline: deadline,
                    secretsToHide: secretsToHide)
            } catch {
                switch error {
                case .notConnected(let reason): failure = reason
                case .failed(let error): throw error
                }
            }
            guard attempt < limits.connectAttempts, !passes(deadline, after: delay) else {
                let tries = attempt == 1 ? "" : " (\(attempt) attempts)"
                throw .unavailable("cannot reach \(shown): \(failure.reason); the server is not reachable\(tries)")
            }
            Thread.sleep(forTimeInterval: delay.secondsValue)
            delay *= 2
            attempt += 1
        }
    }

    private enum OpenFailure: Error {
        /// No connection was made; the server never saw the request, so a retry is safe.
        case notConnected(ConnectFailure)
        case failed(LLMError)
    }

    private struct ConnectFailure {
        var reason: String
    }

    private static func attemptOpen(
        url: URL, shownURL: String, headers: [(String, String)], body: [UInt8], limits: RemoteLimits,
        deadline: ContinuousClock.Instant?, secretsToHide: [String]
    ) throws(OpenFailure) -> StreamingHTTPResponse {
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.httpBody = Data(body)
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = limits.readTimeout.secondsValue
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        let received = ReceivedBytes(maxBytes: limits.maxResponseBytes)
        let session = URLSession(configuration: configuration, delegate: received, delegateQueue: nil)
        let task = session.dataTask(with: request)
        task.resume()
        func abandon() {
            task.cancel()
            session.invalidateAndCancel()
        }

        // The request body leaving (or any answer) means a connection exists.
        let connectLimit = ContinuousClock.now + limits.connectTimeout
        let connected = received.wait(until: earliest(connectLimit, deadline)) { state in
            state.connected || state.status != nil || state.completion != nil ? true : nil
        }
        guard connected != nil else {
            abandon()
            if let deadline, deadline <= .now { throw .failed(.deadlineExceeded) }
            throw .notConnected(ConnectFailure(reason: "no connection within \(limits.connectTimeout)"))
        }
        let status = received.wait(until: deadline) { state -> Int? in
            if let status = state.status { return status }
            return state.completion != nil ? -1 : nil
        }
        guard let status else {
            abandon()
            throw .failed(.deadlineExceeded)
        }
        if status < 0 {
            let state = received.snapshot()
            abandon()
            let error = state.completion?.error
            if !state.connected, let error, isConnectError(error) {
                throw .notConnected(ConnectFailure(reason: describe(error)))
            }
            throw .failed(.unavailable("request to \(shownURL) failed: \(error.map(describe) ?? "no response")"))
        }
        guard (200..<300).contains(status) else {
            // Keep the start of the error body to quote; the rest is not needed.
            let errorBody = received.wait(until: deadline) { state -> [UInt8]? in
                state.completion != nil || state.pending.count >= limits.maxErrorBytes ? state.pending : nil
            }
            abandon()
            guard let errorBody else { throw .failed(.deadlineExceeded) }
            throw .failed(
                RemoteErrorText.httpError(
                    status: status, body: errorBody.prefix(limits.maxErrorBytes), url: shownURL,
                    secretsToHide: secretsToHide))
        }
        return StreamingHTTPResponse(
            shownURL: shownURL, status: status, session: session, task: task, received: received, limits: limits,
            deadline: deadline)
    }

    /// The next line of the body without its line break, or nil at its end.
    func nextLine() throws(LLMError) -> [UInt8]? {
        while true {
            if let line = lines.nextLine() { return line }
            guard !closed else { return nil }
            let step = received.wait(until: deadline) { state -> ReadStep? in
                if state.tooLarge { return .tooLarge }
                if !state.pending.isEmpty {
                    defer { state.pending.removeAll(keepingCapacity: true) }
                    return .bytes(state.pending)
                }
                if let completion = state.completion { return .end(completion.error) }
                return nil
            }
            switch step {
            case nil:
                close()
                throw .deadlineExceeded
            case .bytes(let bytes):
                lines.append(bytes)
            case .tooLarge:
                close()
                throw .unavailable("the response from \(shownURL) is larger than \(limits.maxResponseBytes >> 20) MiB")
            case .end(let error?):
                close()
                if let urlError = error as? URLError, urlError.code == .timedOut {
                    throw .unavailable("\(shownURL) sent nothing for \(limits.readTimeout); gave up waiting")
                }
                throw .unavailable("the connection to \(shownURL) broke: \(Self.describe(error))")
            case .end(nil):
                close()
                return lines.remainder()
            }
        }
    }

    private enum ReadStep {
        case bytes([UInt8])
        case tooLarge
        case end(Error?)
    }

    /// Stops the transfer; lines already received can still be read.
    func close() {
        guard !closed else { return }
        closed = true
        task.cancel()
        session.invalidateAndCancel()
    }

    // MARK: helpers

    static func shownURL(_ url: URL) -> String {
        guard var parts = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return url.absoluteString }
        parts.user = nil
        parts.password = nil
        return parts.string ?? url.absoluteString
    }

    private static func isConnectError(_ error: Error) -> Bool {
        guard let urlError = error as? URLError else { return false }
        switch urlError.code {
        case .cannotConnectToHost, .cannotFindHost, .dnsLookupFailed, .notConnectedToInternet: return true
        default: return false
        }
    }

    private static func describe(_ error: Error) -> String {
        guard let urlError = error as? URLError else { return String(describing: error) }
        switch urlError.code {
        case .cannotConnectToHost: return "connection refused"
        case .cannotFindHost, .dnsLookupFailed: return "unknown host"
        case .notConnectedToInternet: return "no network"
        case .timedOut: return "timed out"
        case .networkConnectionLost: return "the server closed the connection"
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
            .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot:
            return "TLS failed (\(urlError.code.rawValue))"
        default:
            // On Linux the text is libcurl's, under the underlying error.
            let nsError = urlError as NSError
            let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError
            let text =
                underlying?.userInfo[NSLocalizedDescriptionKey] as? String
                ?? nsError.userInfo[NSLocalizedDescriptionKey] as? String
            return text.map { "\($0) (URL error \(urlError.code.rawValue))" } ?? "URL error \(urlError.code.rawValue)"
        }
    }

    private static func earliest(_ a: ContinuousClock.Instant, _ b: ContinuousClock.Instant?) -> ContinuousClock.Instant
    {
        guard let b else { return a }
        return min(a, b)
    }

    /// Whether `deadline` comes before `delay` from now has passed.
    private static func passes(_ deadline: ContinuousClock.Instant?, after delay: Duration) -> Bool {
        guard let deadline else { return false }
        return deadline <= .now + delay
    }
}

/// The URLSession delegate: collects what arrives, under a lock, for the reading thread.
/// `@unchecked Sendable`: every stored property is either immutable or guarded by `condition`.
private final class ReceivedBytes: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    struct Completion {
        var error: Error?
    }

    struct State {
        /// The request body was handed to the network, so a connection exists.
        var connected = false
        var status: Int?
        /// Bytes received and not yet taken by the reader.
        var pending: [UInt8] = []
        var totalBytes = 0
        var tooLarge = false
        var completion: Completion?
    }

    private let condition = NSCondition()
    private var state = State()
    private let maxBytes: Int

    init(maxBytes: Int) { self.maxBytes = maxBytes }

    /// Waits until `check` returns a value (it may change the state), or `limit` passes (nil).
    func wait<Value>(until limit: ContinuousClock.Instant?, _ check: (inout State) -> Value?) -> Value? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let value = check(&state) { return value }
            if let limit {
                let left = limit - .now
                guard left > .zero else { return nil }
                _ = condition.wait(until: Date(timeIntervalSinceNow: left.secondsValue))
            } else {
                condition.wait()
            }
        }
    }

    func snapshot() -> State {
        condition.lock()
        defer { condition.unlock() }
        return state
    }

    private func update(_ change: (inout State) -> Void) {
        condition.lock()
        change(&state)
        condition.broadcast()
        condition.unlock()
    }

    func urlSession(
        _ session: URLSession, task: URLSessionTask, didSendBodyData bytesSent: Int64, totalBytesSent: Int64,
        totalBytesExpectedToSend: Int64
    ) {
        update { $0.connected = true }
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping @Sendable (URLSession.ResponseDisposition) -> Void
    ) {
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        update {
            $0.connected = true
            $0.status = status
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        var overflow = false
        update { state in
            guard !state.tooLarge else { return }
            state.totalBytes += data.count
            if state.totalBytes > maxBytes {
                state.tooLarge = true
                overflow = true
            } else {
                state.pending.append(contentsOf: data)
            }
        }
        if overflow { dataTask.cancel() }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        update { $0.completion = Completion(error: error) }
    }
}

/// Splits a byte stream into lines at `\n`, dropping a `\r` before it.
struct LineSplitter {
    private var buffer: [UInt8] = []
    /// Where the unread part of `buffer` begins.
    private var start = 0
    /// Where to continue looking for a line break.
    private var scanned = 0

    mutating func append(_ bytes: [UInt8]) {
        if start > 0 && start >= buffer.count / 2 {
            buffer.removeFirst(start)
            scanned -= start
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    mutating func nextLine() -> [UInt8]? {
        guard let newline = buffer[scanned...].firstIndex(of: UInt8(ascii: "\n")) else {
            scanned = buffer.count
            return nil
        }
        var end = newline
        if end > start && buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        let line = Array(buffer[start..<end])
        start = newline + 1
        scanned = start
        return line
    }

    /// At the end of the body: a last line that had no line break.
    mutating func remainder() -> [UInt8]? {
        guard start < buffer.count else { return nil }
        defer {
            buffer = []
            start = 0
            scanned = 0
        }
        var line = Array(buffer[start...])
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        return line
    }
}

/// Turns a server's error reply into an `LLMError` whose message names the URL, the status
/// and the server's own reason.
enum RemoteErrorText {
    static let maxQuoted = 500

    static func httpError(status: Int, body: some Collection<UInt8>, url: String, secretsToHide: [String]) -> LLMError {
        let reason = serverReason(in: body, secretsToHide: secretsToHide)
        let message = "\(url) answered HTTP \(status)" + (reason.isEmpty ? "" : ": \(reason)")
        if status == 400 || status == 413, mentionsContextOverflow(reason) { return .contextOverflow(message) }
        return .unavailable(message)
    }

    /// The error text of a JSON error body (`{"error": "…"}` or `{"error": {"message": "…"}}`),
    /// else the body as text; shortened, with any secret removed.
    static func serverReason(in body: some Collection<UInt8>, secretsToHide: [String]) -> String {
        var text: String
        if let json = try? JSONValue.parse(body), let reason = reason(inErrorJSON: json) {
            text = reason
        } else {
            text = String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return quoted(text, secretsToHide: secretsToHide)
    }

    /// The message of an `error` member, or nil when the value carries none.
    static func reason(inErrorJSON json: JSONValue) -> String? {
        guard let error = json["error"] else { return nil }
        if let text = error.stringValue { return text }
        if let text = error["message"]?.stringValue { return text }
        return error.isNull ? nil : error.serialized()
    }

    static func quoted(_ text: String, secretsToHide: [String]) -> String {
        var text = text
        for secret in secretsToHide where !secret.isEmpty {
            text = text.replacingOccurrences(of: secret, with: "<redacted>")
        }
        return text.count > maxQuoted ? String(text.prefix(maxQuoted)) + "…" : text
    }

    /// The wordings of llama-server, OpenAI, vLLM and Ollama for a prompt that does not fit.
    static func mentionsContextOverflow(_ reason: String) -> Bool {
        let lower = reason.lowercased()
        return ["context length", "context size", "context window", "context_length_exceeded", "exceed_context_size"]
            .contains { lower.contains($0) }
    }
}
