import Foundation
import Hummingbird
import NanosCore
import NanosStore

/// `/v1/runs`: start, list, read, watch and cancel runs.
extension ServeState {
    func addRunRoutes(to router: Router<BasicRequestContext>) {
        router.get("/v1/runs") { request, _ in try self.listRuns(request) }
        router.post("/v1/runs") { request, _ in try await self.startRun(request) }
        router.get("/v1/runs/:id") { _, context in
            jsonResponse(.object([("run", try self.summary(try context.parameters.require("id")))]))
        }
        router.post("/v1/runs/:id/cancel") { _, context in try self.cancelRun(try context.parameters.require("id")) }
        router.get("/v1/runs/:id/steps") { request, context in
            try self.steps(request, id: try context.parameters.require("id"))
        }
        router.get("/v1/runs/:id/steps/:step") { _, context in
            try self.step(id: try context.parameters.require("id"), index: try context.parameters.require("step"))
        }
        router.get("/v1/runs/:id/events") { _, context in try self.events(id: try context.parameters.require("id")) }
        router.get("/v1/runs/:id/tree") { _, context in try self.tree(id: try context.parameters.require("id")) }
    }

    static let maxListed = 1000

    func listRuns(_ request: Request) throws(APIError) -> Response {
        let limit = try queryInt(request, "limit", in: 1...Self.maxListed, default: 100)
        let parameters = request.uri.queryParameters
        let status = parameters.get("status").flatMap { $0.isEmpty ? nil : String($0) }
        let agent = parameters.get("agent").flatMap { $0.isEmpty ? nil : String($0) }
        if let status, status.count > 64 { throw .badBody("status: at most 64 characters") }
        if let agent, agent.count > 256 { throw .badBody("agent: at most 256 characters") }
        let runs: [RunInfo]
        do throws(StoreError) {
            runs = try store.runs(limit: limit, status: status, agent: agent)
        } catch {
            throw storeFailure(error)
        }
        return jsonResponse(.object([("runs", .array(runs.map(summary)))]))
    }

    /// `{"manifest": path}` or `{"manifest_text": text}`, optional `"wait": true`.
    func startRun(_ request: Request) async throws(APIError) -> Response {
        let body = try await jsonBody(request)
        let path = try body.optionalString("manifest")
        let text = try body.optionalString("manifest_text")
        let loaded: LoadedManifest
        switch (path, text) {
        case (let path?, nil): loaded = try manifestFile(path, field: "manifest")
        case (nil, let text?): loaded = try inlineManifest(text, field: "manifest_text")
        default: throw .badBody("give exactly one of manifest (a path under the root) or manifest_text")
        }
        let run = try launch(loaded)
        return try await answer(run, wait: try body.optionalBool("wait") ?? false)
    }

    /// 202 with the run as it is now, or (`wait`) 200 once it has ended.
    func answer(_ run: LiveRun, wait: Bool) async throws(APIError) -> Response {
        if wait {
            _ = await run.report()
            return jsonResponse(.object([("run", try summary(run.id))]))
        }
        return jsonResponse(.object([("run", try summary(run.id))]), status: .accepted)
    }

    func cancelRun(_ id: String) throws(APIError) -> Response {
        let info = try runInfo(id)
        guard let live = registry.live(info.id) else {
            throw APIError(.conflict, "not_running", "run \(info.id) is \(info.status), not running in this server")
        }
        live.cancellation.cancel()
        return jsonResponse(.object([("run", summary(info))]), status: .accepted)
    }

    func steps(_ request: Request, id: String) throws(APIError) -> Response {
        let info = try runInfo(id)
        let from = try queryInt(request, "from", in: 1...Int(Int32.max), default: 1)
        let limit = try queryInt(request, "limit", in: 1...Self.maxListed, default: Self.maxListed)
        let steps = try steps(of: info.id, from: from, limit: limit)
        return jsonResponse(.object([("steps", .array(steps.map(APIEncoding.step)))]))
    }

    func step(id: String, index text: String) throws(APIError) -> Response {
        let info = try runInfo(id)
        guard let index = Int(text), index >= 1 else { throw .badBody("step: expected a step number from 1") }
        guard let step = try steps(of: info.id, from: index, limit: 1).first else {
            throw APIError(.notFound, "not_found", "run \(info.id) has no step \(index)")
        }
        return jsonResponse(.object([("step", APIEncoding.step(step))]))
    }

    /// Steps of a run: a live one's from memory (the store receives them in batches).
    func steps(of id: String, from: Int, limit: Int) throws(APIError) -> [Step] {
        if let live = registry.live(id) {
            return Array(live.steps(from: from - 1).steps.prefix(limit))
        }
        do throws(StoreError) {
            let (last, overflow) = from.addingReportingOverflow(limit - 1)
            return try store.steps(of: id, from: from, through: overflow ? nil : last)
        } catch {
            throw storeFailure(error)
        }
    }

    /// Server-sent events: `step` for each step made so far and each new one, then `end`
    /// with the final summary.
    func events(id: String) throws(APIError) -> Response {
        let info = try runInfo(id)
        // The body holds the ticket: the place is given back when the stream ends, or when
        // the server drops the body unstarted because its client has gone.
        let ticket = try streams.enter()
        let live = registry.live(info.id)
        let changes = live?.changes()
        let body = ResponseBody { [self] writer in
            defer { withExtendedLifetime(ticket) {} }
            var sent = 0
            func send(_ steps: [Step]) async throws {
                for step in steps {
                    try await writer.write(ByteBuffer(string: Self.event("step", APIEncoding.step(step))))
                }
                sent += steps.count
            }
            if let live, let changes {
                try await send(live.steps(from: 0).steps)
                for await _ in changes {
                    try await send(live.steps(from: sent).steps)
                }
                try await send(live.steps(from: sent).steps)
            } else {
                // A finished run: its steps from the store, a page at a time.
                while true {
                    let page = try self.steps(of: info.id, from: sent + 1, limit: Self.maxListed)
                    try await send(page)
                    if page.count < Self.maxListed { break }
                }
            }
            let final = (try? self.summary(info.id)) ?? .null
            try await writer.write(ByteBuffer(string: Self.event("end", final)))
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-store"], body: body)
    }

    static func event(_ name: String, _ data: JSONValue) -> String {
        // Serialized JSON has no raw newline, so one data line carries it whole.
        "event: \(name)\ndata: \(data.serialized())\n\n"
    }

    /// The run's root and every run forked from it, at any depth (at most 1000).
    func tree(id: String) throws(APIError) -> Response {
        var info = try runInfo(id)
        var hops = 0
        while let parent = info.parent, hops < Self.maxListed {
            guard let up = try? store.runInfo(parent) else { break }
            info = up
            hops += 1
        }
        var runs = [info]
        var frontier = [info.id]
        while !frontier.isEmpty, runs.count < Self.maxListed {
            var next: [String] = []
            for parent in frontier {
                let forks: [RunInfo]
                do throws(StoreError) {
                    forks = try store.forks(of: parent, limit: Self.maxListed - runs.count)
                } catch {
                    throw storeFailure(error)
                }
                runs += forks
                next += forks.map(\.id)
                if runs.count >= Self.maxListed { break }
            }
            frontier = next
        }
        return jsonResponse(.object([("root", .string(info.id)), ("runs", .array(runs.map(summary)))]))
    }
}
