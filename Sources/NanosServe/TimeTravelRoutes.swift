import Foundation
import Hummingbird
import NanosCore
import NanosKernel
import NanosStore

/// Replay, fork, resume and diff, through the kernel's time-travel calls (docs/replay.md).
extension ServeState {
    func addTimeTravelRoutes(to router: Router<BasicRequestContext>) {
        router.post("/v1/runs/:id/replay") { request, context in
            try await self.replay(request, id: try context.parameters.require("id"))
        }
        router.post("/v1/runs/:id/fork") { request, context in
            try await self.fork(request, id: try context.parameters.require("id"))
        }
        router.post("/v1/runs/:id/resume") { request, context in
            try await self.resume(request, id: try context.parameters.require("id"))
        }
        router.get("/v1/diff") { request, _ in try self.diff(request) }
    }

    /// Replays on a thread of its own: a replay runs the guest but touches nothing outside
    /// the sandbox; as many may run at once as runs (`--max-runs`), each under its own limits.
    func replay(_ request: Request, id: String) async throws(APIError) -> Response {
        let body = try await jsonBody(request)
        let info = try runInfo(id)
        let until = try body.optionalInt("until", in: 0...Int(Int32.max))
        let force = try body.optionalBool("force") ?? false
        let store = self.store
        let ticket = try replays.enter()
        defer { withExtendedLifetime(ticket) {} }
        let outcome: Result<ReplayResult, TimeTravelError> = await onThread {
            Result { () throws(TimeTravelError) in try Kernel.replay(info.id, store: store, until: until, force: force)
            }
        }
        let result: ReplayResult
        switch outcome {
        case .success(let value): result = value
        case .failure(let error): throw timeTravelFailure(error)
        }
        return jsonResponse(
            .object([
                ("identical", .bool(result.difference == nil)),
                ("status", .string(result.report.status.rawValue)),
                ("message", result.report.message.map(JSONValue.string) ?? .null),
                ("expected_steps", .int(Int64(result.expectedSteps))),
                ("replayed_steps", .int(Int64(result.report.replayedSteps))),
                ("duration_ms", .double(Double(result.report.durationNanoseconds) / 1e6)),
                ("difference", APIEncoding.difference(result.difference)),
            ]))
    }

    /// `{"step": K}` and one of `result_text`, `result_base64`, `errno`.
    func fork(_ request: Request, id: String) async throws(APIError) -> Response {
        let body = try await jsonBody(request)
        let info = try runInfo(id)
        guard let step = try body.optionalInt("step", in: 1...Int(Int32.max)) else {
            throw .badBody("step: the step whose outcome is replaced is required (1-based)")
        }
        let outcome = try Self.forkOutcome(body)
        let force = try body.optionalBool("force") ?? false
        let prepared: PreparedRun
        do throws(TimeTravelError) {
            prepared = try Kernel.prepareFork(info.id, at: step, outcome: outcome, store: store, force: force)
        } catch {
            throw timeTravelFailure(error)
        }
        let run = try registry.start(.prepared(prepared))
        return try await answer(run, wait: try body.optionalBool("wait") ?? false)
    }

    static func forkOutcome(_ body: JSONValue) throws(APIError) -> SyscallOutcome {
        let text = try body.optionalString("result_text")
        let base64 = try body.optionalString("result_base64")
        let errno = try body.optionalString("errno")
        switch (text, base64, errno) {
        case (let text?, nil, nil):
            return .data(Array(text.utf8))
        case (nil, let encoded?, nil):
            guard let data = Data(base64Encoded: encoded) else { throw .badBody("result_base64: not base64") }
            return .data([UInt8](data))
        case (nil, nil, let name?):
            guard let code = Errno(name: name) else {
                throw .badBody(
                    "errno: \(name) is not an errno; one of \(Errno.allCases.map(\.description).joined(separator: ", "))"
                )
            }
            return .failure(SyscallFailure(code, "\(name) (given to fork)"))
        default:
            throw .badBody("give exactly one of result_text, result_base64 or errno")
        }
    }

    func resume(_ request: Request, id: String) async throws(APIError) -> Response {
        let body = try await jsonBody(request)
        let info = try runInfo(id)
        if registry.live(info.id) != nil {
            throw APIError(.conflict, "running", "run \(info.id) is running in this server")
        }
        let prepared: PreparedRun
        do throws(TimeTravelError) {
            prepared = try Kernel.prepareResume(info.id, store: store)
        } catch {
            throw timeTravelFailure(error)
        }
        let run = try registry.start(.prepared(prepared))
        return try await answer(run, wait: try body.optionalBool("wait") ?? false)
    }

    /// `?a=ID&b=ID`: the first step at which the two runs differ.
    func diff(_ request: Request) throws(APIError) -> Response {
        let parameters = request.uri.queryParameters
        guard let a = parameters.get("a"), let b = parameters.get("b") else {
            throw .badBody("give both runs: /v1/diff?a=ID&b=ID")
        }
        let left = try runInfo(a)
        let right = try runInfo(b)
        let leftSteps: [Step]
        let rightSteps: [Step]
        do throws(StoreError) {
            leftSteps = try store.steps(of: left.id)
            rightSteps = try store.steps(of: right.id)
        } catch {
            throw storeFailure(error)
        }
        return jsonResponse(
            .object([
                ("a", summary(left)), ("b", summary(right)),
                ("a_steps", .int(Int64(leftSteps.count))), ("b_steps", .int(Int64(rightSteps.count))),
                ("difference", APIEncoding.difference(TraceComparison.firstDifference(leftSteps, rightSteps))),
            ]))
    }

    func timeTravelFailure(_ error: TimeTravelError) -> APIError {
        switch error {
        case .store(let error): return storeFailure(error)
        case .stepOutOfRange: return APIError(.badRequest, "step_out_of_range", error.description)
        case .notInterrupted: return APIError(.conflict, "not_interrupted", error.description)
        case .moduleChanged: return APIError(.conflict, "module_changed", error.description)
        case .manifest, .module: return APIError(.unprocessableContent, "cannot_load", error.description)
        }
    }
}

/// Runs blocking work on a thread of its own, off the server's event loops.
func onThread<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        startGuestThread(name: "nanos-replay") { continuation.resume(returning: work()) }
    }
}
