import Hummingbird
import NanosJSON

/// An answer other than success: its status, a stable code clients can test, and a
/// message that names the field, path or call and says why. Every error the server sends
/// is one of these, as JSON (`{"error": …, "code": …}`).
struct APIError: Error, Sendable {
    var status: HTTPResponse.Status
    var code: String
    var message: String
    var headers: HTTPFields = [:]

    init(_ status: HTTPResponse.Status, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    var response: Response {
        var headers = self.headers
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        let body = JSONValue.object([("error", .string(message)), ("code", .string(code))]).serialized()
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    static func badBody(_ message: String) -> APIError { APIError(.badRequest, "bad_request", message) }

    static func runNotFound(_ id: String) -> APIError {
        APIError(.notFound, "not_found", "no run \(id) in the trace store")
    }
}

/// Answers with a JSON body.
func jsonResponse(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
    Response(
        status: status, headers: [.contentType: "application/json", .cacheControl: "no-store"],
        body: ResponseBody(byteBuffer: ByteBuffer(string: value.serialized())))
}

/// Reads a request's JSON body: at most ``ServeConfiguration/maxBodyBytes`` (413 past it),
/// an object (400 otherwise).
func jsonBody(_ request: Request) async throws(APIError) -> JSONValue {
    let buffer: ByteBuffer
    do {
        buffer = try await request.body.collect(upTo: ServeConfiguration.maxBodyBytes)
    } catch {
        throw APIError(
            .contentTooLarge, "too_large",
            "the request body is over \(ServeConfiguration.maxBodyBytes) bytes (1 MiB)")
    }
    if buffer.readableBytes == 0 { return .object([]) }
    let value: JSONValue
    do {
        value = try JSONValue.parse(buffer.readableBytesView)
    } catch {
        throw .badBody("the body is not JSON: \(error.description)")
    }
    guard case .object = value else { throw .badBody("the body must be a JSON object") }
    return value
}

extension JSONValue {
    /// An optional string member; 400 naming the field when it has another type.
    func optionalString(_ key: String) throws(APIError) -> String? {
        guard let member = self[key], member != .null else { return nil }
        guard let text = member.stringValue else { throw .badBody("\(key): expected a string") }
        return text
    }

    /// An optional integer member within `range`; 400 naming the field otherwise.
    func optionalInt(_ key: String, in range: ClosedRange<Int>) throws(APIError) -> Int? {
        guard let member = self[key], member != .null else { return nil }
        guard let value = member.intValue, let int = Int(exactly: value), range.contains(int) else {
            throw .badBody("\(key): expected an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return int
    }

    func optionalBool(_ key: String) throws(APIError) -> Bool? {
        guard let member = self[key], member != .null else { return nil }
        guard let value = member.boolValue else { throw .badBody("\(key): expected true or false") }
        return value
    }
}

/// A query parameter as an integer within `range`, else 400 naming it.
func queryInt(_ request: Request, _ name: String, in range: ClosedRange<Int>, default fallback: Int) throws(APIError)
    -> Int
{
    guard let text = request.uri.queryParameters.get(name) else { return fallback }
    guard let value = Int(text), range.contains(value) else {
        throw .badBody("\(name): expected an integer from \(range.lowerBound) to \(range.upperBound)")
    }
    return value
}
