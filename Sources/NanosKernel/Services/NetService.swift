import Dispatch
import Foundation
import NanosCore
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The net service: `web_fetch` (and the original ABI's `web_get`, the body of a GET),
/// over the toolchain's URLSession (FoundationNetworking, on libcurl), the client the
/// remote model providers use too.
///
/// Every hop is checked against ``NetworkPolicy`` before it is made: scheme, host, port
/// and the address the host resolves to. Plain-http requests connect to that checked
/// address (the name is not looked up again, so it cannot be re-pointed in between);
/// https connects by name, where the certificate must match it. Redirects are followed
/// here, at most ``SyscallLimits/webRedirects``, each one checked like the first.
final class NetService: Service {
    private let policy: NetworkPolicy
    private let deadline: ContinuousClock.Instant?

    init(context: RunContext) {
        policy = NetworkPolicy(context.manifest.permissions.network)
        deadline = context.deadline
    }

    /// The longest one request may take when the run has no deadline of its own.
    static let requestTimeout = Duration.seconds(30)

    var handlers: [String: SyscallHandler] {
        [
            "web_fetch": { arguments in
                self.answer { () throws(SyscallFailure) in
                    let answer = try self.fetch(
                        try WebRequest(arguments.bytes(0), call: "web.fetch"), call: "web.fetch")
                    return (answer, Array(answer.json.serialized().utf8))
                }
            },
            "env.web_get": { arguments in
                self.answer { () throws(SyscallFailure) in
                    let url = String(decoding: arguments.bytes(0), as: UTF8.self)
                    let answer = try self.fetch(WebRequest(url: url, call: "web_get"), call: "web_get")
                    return (answer, answer.body)
                }
            },
        ]
    }

    /// The step's outcome: the answer's bytes, with the HTTP status, the body's size and
    /// the redirects followed as counters.
    private func answer(_ body: () throws(SyscallFailure) -> (WebAnswer, [UInt8])) -> SyscallOutcome {
        do throws(SyscallFailure) {
            let (answer, bytes) = try body()
            return .data(
                bytes,
                counters: [
                    "http_status": Int64(answer.status), "response_bytes": Int64(answer.body.count),
                    "redirects": Int64(answer.redirects),
                ])
        } catch {
            return .failure(error)
        }
    }

    /// Makes the request, following redirects, each hop checked.
    func fetch(_ request: WebRequest, call: String) throws(SyscallFailure) -> WebAnswer {
        var current = request
        for hop in 0...SyscallLimits.webRedirects {
            var answer = try send(current, call: call)
            guard [301, 302, 303, 307, 308].contains(answer.status), let location = answer.headers["location"] else {
                answer.redirects = hop
                return answer
            }
            guard let next = URL(string: location, relativeTo: current.url)?.absoluteURL else {
                throw SyscallFailure(
                    .EIO, "\(call): \(current.url.absoluteString) redirects to an invalid URL: \(location)")
            }
            // 303, and 301/302 after anything but GET or HEAD, turn into a GET without a body (as browsers do).
            let keepsMethod =
                answer.status == 307 || answer.status == 308 || current.method == "GET" || current.method == "HEAD"
            current = WebRequest(
                url: next, method: keepsMethod && answer.status != 303 ? current.method : "GET",
                headers: current.headers,
                body: keepsMethod && answer.status != 303 ? current.body : [])
        }
        throw SyscallFailure(
            .EIO, "\(call): more than \(SyscallLimits.webRedirects) redirects from \(request.url.absoluteString)")
    }

    /// One hop: checked, then sent.
    private func send(_ request: WebRequest, call: String) throws(SyscallFailure) -> WebAnswer {
        let (scheme, host, port) = try policy.check(request.url, call: call)
        let address = try policy.resolve(host: host, port: port, call: call)
        var urlRequest = URLRequest(url: request.url)
        if scheme == "http" {
            // Connect to the address just checked, naming the host in the Host header.
            var components = URLComponents(url: request.url, resolvingAgainstBaseURL: false)
            components?.host = address.isIPv6 ? "[\(address.text)]" : address.text
            components?.port = port
            if let pinned = components?.url { urlRequest.url = pinned }
        }
        urlRequest.httpMethod = request.method
        for (name, value) in request.headers { urlRequest.addValue(value, forHTTPHeaderField: name) }
        if scheme == "http" { urlRequest.setValue(port == 80 ? host : "\(host):\(port)", forHTTPHeaderField: "Host") }
        if !request.body.isEmpty { urlRequest.httpBody = Data(request.body) }
        let left = timeLeft()
        urlRequest.timeoutInterval = max(0.001, left.secondsValue)

        let configuration = URLSessionConfiguration.ephemeral
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        let transfer = WebTransfer(maxBytes: SyscallLimits.webResponseBody)
        let session = URLSession(configuration: configuration, delegate: transfer, delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        let task = session.dataTask(with: urlRequest)
        task.resume()
        let shown = request.url.absoluteString
        guard
            transfer.finished.wait(timeout: .now() + .nanoseconds(Int(clamping: max(0, left.nanosecondCount))))
                == .success
        else {
            task.cancel()
            throw SyscallFailure(.ETIMEDOUT, "\(call): \(shown) did not answer in time")
        }
        let received = transfer.state.withLock { $0 }
        if received.tooLarge {
            throw SyscallFailure(
                .E2BIG, "\(call): the answer from \(shown) is over \(SyscallLimits.webResponseBody) bytes")
        }
        if let failure = received.failure {
            if failure.timedOut { throw SyscallFailure(.ETIMEDOUT, "\(call): \(shown) did not answer in time") }
            throw SyscallFailure(.EIO, "\(call): \(shown): \(failure.message)")
        }
        guard let response = received.response else {
            throw SyscallFailure(.EIO, "\(call): \(shown) gave no HTTP answer")
        }
        var answerHeaders: [String: String] = [:]
        var order: [String] = []
        for (name, value) in response.allHeaderFields {
            guard let name = name as? String, let value = value as? String else { continue }
            let key = name.lowercased()
            if let existing = answerHeaders[key] {
                answerHeaders[key] = existing + ", " + value
            } else {
                answerHeaders[key] = value
                order.append(key)
            }
        }
        return WebAnswer(
            status: response.statusCode, url: shown, headers: answerHeaders, headerOrder: order.sorted(),
            body: received.body)
    }

    /// What is left for the request: until the run's deadline, or ``requestTimeout`` if sooner.
    private func timeLeft() -> Duration {
        var left = Self.requestTimeout
        if let deadline {
            left = min(left, ContinuousClock.now.duration(to: deadline))
        }
        return left
    }
}

/// One request's answer as URLSession hands it over, on its own queue. Redirects are not
/// followed here: ``NetService/fetch(_:call:)`` checks each hop first.
private final class WebTransfer: NSObject, URLSessionDataDelegate, Sendable {
    struct Failure: Sendable {
        let message: String
        let timedOut: Bool
    }

    struct State: Sendable {
        var response: HTTPURLResponse?
        var body: [UInt8] = []
        var tooLarge = false
        var failure: Failure?
    }

    let state = Mutex(State())
    /// Signalled once the task completes, whatever the outcome.
    let finished = DispatchSemaphore(value: 0)
    let maxBytes: Int

    init(maxBytes: Int) { self.maxBytes = maxBytes }

    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping @Sendable (URLSession.ResponseDisposition) -> Void
    ) {
        let http = response as? HTTPURLResponse
        state.withLock { $0.response = http }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let overflow = state.withLock { state -> Bool in
            guard !state.tooLarge else { return false }
            guard state.body.count + data.count <= maxBytes else {
                state.tooLarge = true
                state.body = []
                return true
            }
            state.body.append(contentsOf: data)
            return false
        }
        if overflow { dataTask.cancel() }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        let failure = error.map { error in
            Failure(message: error.localizedDescription, timedOut: (error as? URLError)?.code == .timedOut)
        }
        state.withLock { $0.failure = failure }
        finished.signal()
    }
}

/// A `web_fetch` request: JSON `{"url", "method", "headers", "body"}`, or a bare URL.
struct WebRequest {
    static let methods: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    static let maxHeaders = 64

    let url: URL
    let method: String
    let headers: [(String, String)]
    let body: [UInt8]

    init(url: URL, method: String, headers: [(String, String)], body: [UInt8]) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
    }

    /// A GET of `text`.
    init(url text: String, call: String) throws(SyscallFailure) {
        self.init(url: try Self.absoluteURL(text, call: call), method: "GET", headers: [], body: [])
    }

    /// `text` as an absolute URL, within the URL cap.
    static func absoluteURL(_ text: String, call: String) throws(SyscallFailure) -> URL {
        guard text.utf8.count <= SyscallLimits.url else {
            throw SyscallFailure(.E2BIG, "\(call): the URL is \(text.utf8.count) bytes; at most \(SyscallLimits.url)")
        }
        guard let url = URL(string: text.trimmingCharacters(in: .whitespaces)), url.scheme != nil else {
            throw SyscallFailure(.EINVAL, "\(call): \(text.debugDescription) is not an absolute URL")
        }
        return url
    }

    init(_ bytes: [UInt8], call: String) throws(SyscallFailure) {
        guard bytes.first == UInt8(ascii: "{") else {
            try self.init(url: String(decoding: bytes, as: UTF8.self), call: call)
            return
        }
        let json: JSONValue
        do {
            json = try JSONValue.parse(bytes)
        } catch {
            throw SyscallFailure(.EINVAL, "\(call): the request is not valid JSON: \(error)")
        }
        guard case .object(let members) = json else {
            throw SyscallFailure(.EINVAL, "\(call): the request must be an object")
        }
        for (key, _) in members where !["url", "method", "headers", "body"].contains(key) {
            throw SyscallFailure(
                .EINVAL, "\(call): unknown field \(key.debugDescription); fields are url, method, headers, body")
        }
        guard let urlText = json["url"]?.stringValue else {
            throw SyscallFailure(.EINVAL, "\(call): the request needs \"url\", a string")
        }
        let method = (json["method"].map { $0.stringValue ?? "" } ?? "GET").uppercased()
        guard Self.methods.contains(method) else {
            throw SyscallFailure(
                .EINVAL,
                "\(call): method \(method.debugDescription) is not one of \(Self.methods.sorted().joined(separator: ", "))"
            )
        }
        var headers: [(String, String)] = []
        if let given = json["headers"] {
            guard case .object(let pairs) = given else {
                throw SyscallFailure(.EINVAL, "\(call): \"headers\" must be an object of strings")
            }
            guard pairs.count <= Self.maxHeaders else {
                throw SyscallFailure(.E2BIG, "\(call): \(pairs.count) headers; at most \(Self.maxHeaders)")
            }
            for (name, value) in pairs {
                guard let text = value.stringValue, Self.isToken(name),
                    !text.contains(where: { $0 == "\r" || $0 == "\n" })
                else {
                    throw SyscallFailure(
                        .EINVAL, "\(call): header \(name.debugDescription) is not a valid name with a string value")
                }
                headers.append((name, text))
            }
        }
        var body: [UInt8] = []
        if let given = json["body"] {
            guard let text = given.stringValue else {
                throw SyscallFailure(.EINVAL, "\(call): \"body\" must be a string")
            }
            body = Array(text.utf8)
        }
        self.init(url: try Self.absoluteURL(urlText, call: call), method: method, headers: headers, body: body)
    }

    /// An HTTP token (RFC 9110): what a header name may be.
    static func isToken(_ name: String) -> Bool {
        !name.isEmpty
            && name.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)
                    || "!#$%&'*+-.^_`|~".utf8.contains(byte)
            }
    }
}

/// A `web_fetch` answer.
struct WebAnswer {
    let status: Int
    /// The URL of the last hop.
    let url: String
    let headers: [String: String]
    let headerOrder: [String]
    let body: [UInt8]
    /// Redirects followed to get here.
    var redirects = 0

    /// `{"status", "url", "headers", "body"}`, or `"body_base64"` for a body that is not UTF-8.
    var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("status", .int(Int64(status))), ("url", .string(url)),
            ("headers", .object(headerOrder.map { ($0, .string(headers[$0] ?? "")) })),
        ]
        if let text = String(validating: body, as: UTF8.self) {
            members.append(("body", .string(text)))
        } else {
            members.append(("body_base64", .string(Data(body).base64EncodedString())))
        }
        return .object(members)
    }
}
