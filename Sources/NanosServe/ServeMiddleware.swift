import Foundation
import HTTPTypes
import Hummingbird

/// Turns every failure into a JSON answer (an ``APIError``, Hummingbird's own errors such as
/// an unknown route, anything else as 500), adds the security headers, and counts answers.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as APIError {
            response = error.response
        } catch let error as HTTPError
            where error.status == .notFound && RouteTable.methods(for: request.uri.path) != nil
        {
            let allowed = RouteTable.methods(for: request.uri.path) ?? []
            var refusal = APIError(
                .methodNotAllowed, "method_not_allowed",
                "\(request.uri.path) answers \(allowed.joined(separator: ", ")), not \(request.method)")
            refusal.headers[.allow] = allowed.joined(separator: ", ")
            response = refusal.response
        } catch let error as HTTPError {
            let message =
                error.status == .notFound
                ? "no route \(request.method) \(request.uri.path) (see /openapi.json)"
                : error.body ?? "\(error.status.code) \(error.status.reasonPhrase)"
            response = APIError(error.status, Self.code(error.status), message).response
        } catch let error as any HTTPResponseError {
            response = APIError(error.status, Self.code(error.status), "\(error.status.reasonPhrase)").response
        } catch {
            response = APIError(.internalServerError, "internal", "the server failed: \(error)").response
        }
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.contentSecurityPolicy] =
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; "
            + "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
        response.headers[.referrerPolicy] = "no-referrer"
        metrics.recordResponse(response.status.code)
        return response
    }

    static func code(_ status: HTTPResponse.Status) -> String {
        switch status {
        case .notFound: return "not_found"
        case .methodNotAllowed: return "method_not_allowed"
        case .contentTooLarge: return "too_large"
        case .badRequest: return "bad_request"
        case .unauthorized: return "unauthorized"
        case .forbidden: return "forbidden"
        default: return "http_\(status.code)"
        }
    }
}

/// `Authorization: Bearer TOKEN` on every request but the page's static files and
/// `/healthz`, compared in constant time; 401 with a JSON error otherwise.
struct BearerAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: [UInt8]
    let publicPaths: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        if request.method == .get, publicPaths.contains(request.uri.path) {
            return try await next(request, context)
        }
        let header = request.headers[.authorization] ?? ""
        let prefix = "Bearer "
        guard header.hasPrefix(prefix), Self.constantTimeEqual(Array(header.utf8.dropFirst(prefix.utf8.count)), token)
        else {
            var error = APIError(
                .unauthorized, "unauthorized",
                header.isEmpty
                    ? "this server needs Authorization: Bearer TOKEN (the --token it was started with)"
                    : "the bearer token is not this server's token")
            error.headers[.wwwAuthenticate] = "Bearer"
            throw error
        }
        return try await next(request, context)
    }

    /// Equal bytes, in time that depends only on the lengths: every byte of the longer is
    /// compared, and a length mismatch is folded into the result rather than returned early.
    static func constantTimeEqual(_ given: [UInt8], _ expected: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: given.count ^ expected.count)
        for index in 0..<max(given.count, expected.count) {
            let a = index < given.count ? given[index] : 0
            let b = index < expected.count ? expected[index] : 0xFF
            difference |= a ^ b
        }
        return difference == 0 && given.count == expected.count
    }
}

/// CORS for exactly one origin, only when `--cors-origin` is given.
struct SingleOriginCORSMiddleware<Context: RequestContext>: RouterMiddleware {
    let origin: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        guard request.headers[.origin] == origin else { return try await next(request, context) }
        var response: Response
        if request.method == .options {
            response = Response(status: .noContent)
            response.headers[.accessControlAllowMethods] = "GET, POST, OPTIONS"
            response.headers[.accessControlAllowHeaders] = "Authorization, Content-Type"
            response.headers[.accessControlMaxAge] = "600"
        } else {
            response = try await next(request, context)
        }
        response.headers[.accessControlAllowOrigin] = origin
        response.headers[.vary] = "Origin"
        return response
    }
}

extension HTTPField.Name {
    // A literal, valid field name: the initializer cannot fail.
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
}
