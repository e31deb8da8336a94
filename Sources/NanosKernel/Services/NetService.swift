import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NanosCore

/// The net service: `web_fetch` (and the original ABI's `web_get`, the body of a GET).
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

    /// One client for the process: its connection pool and event loops are shared.
    private static let client = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: HTTPClient.Configuration(
            redirectConfiguration: .disallow, timeout: .init(connect: .seconds(10)), decompression: .disabled))

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
        var headers = HTTPHeaders(request.headers)
        var target = request.url
        if scheme == "http" {
            // Connect to the address just checked, naming the host in the Host header.
            headers.replaceOrAdd(name: "Host", value: port == 80 ? host : "\(host):\(port)")
            var components = URLComponents(url: request.url, resolvingAgainstBaseURL: false)
            components?.host = address.isIPv6 ? "[\(address.text)]" : address.text
            components?.port = port
            if let pinned = components?.url { target = pinned }
        }
        let outgoing: HTTPClient.Request
        do {
            outgoing = try HTTPClient.Request(
                url: target, method: HTTPMethod(rawValue: request.method), headers: headers,
                body: request.body.isEmpty ? nil : .bytes(request.body))
        } catch {
            throw SyscallFailure(.EINVAL, "\(call): \(request.url.absoluteString): \(error)")
        }
        let delegate = ResponseAccumulator(request: outgoing, maxBodySize: SyscallLimits.webResponseBody)
        let response: HTTPClient.Response
        do {
            response = try Self.client.execute(request: outgoing, delegate: delegate, deadline: nioDeadline()).wait()
        } catch let tooBig as ResponseAccumulator.ResponseTooBigError {
            throw SyscallFailure(
                .E2BIG, "\(call): the answer from \(request.url.absoluteString) is over \(tooBig.maxBodySize) bytes")
        } catch let error as HTTPClientError
            where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout
        {
            throw SyscallFailure(.ETIMEDOUT, "\(call): \(request.url.absoluteString) did not answer in time")
        } catch {
            throw SyscallFailure(.EIO, "\(call): \(request.url.absoluteString): \(error)")
        }
        var answerHeaders: [String: String] = [:]
        var order: [String] = []
        for (name, value) in response.headers {
            let key = name.lowercased()
            if let existing = answerHeaders[key] {
                answerHeaders[key] = existing + ", " + value
            } else {
                answerHeaders[key] = value
                order.append(key)
            }
        }
        return WebAnswer(
            status: Int(response.status.code), url: request.url.absoluteString,
            headers: answerHeaders, headerOrder: order, body: response.body.map { Array($0.readableBytesView) } ?? [])
    }

    /// The request's deadline: the run's, or ``requestTimeout`` from now if sooner.
    private func nioDeadline() -> NIODeadline {
        var left = Self.requestTimeout
        if let deadline {
            left = min(left, ContinuousClock.now.duration(to: deadline))
        }
        return .now() + .nanoseconds(max(0, left.nanosecondCount))
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

    init(url text: String, call: String) throws(SyscallFailure) {
        guard text.utf8.count <= SyscallLimits.url else {
            throw SyscallFailure(.E2BIG, "\(call): the URL is \(text.utf8.count) bytes; at most \(SyscallLimits.url)")
        }
        guard let url = URL(string: text.trimmingCharacters(in: .whitespaces)), url.scheme != nil else {
            throw SyscallFailure(.EINVAL, "\(call): \(text.debugDescription) is not an absolute URL")
        }
        self.init(url: url, method: "GET", headers: [], body: [])
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
        try self.init(url: urlText, call: call)
        self.init(url: url, method: method, headers: headers, body: body)
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
