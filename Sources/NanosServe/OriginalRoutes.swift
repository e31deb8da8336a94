import Foundation
import Hummingbird
import NanosCore
import NanosKernel
import NanosManifest

/// The original project's routes, with their request and response shapes, so its page and
/// scripts keep working; they go through the same auth, root confinement and policy.
extension ServeState {
    func addOriginalRoutes(to router: Router<BasicRequestContext>) {
        router.get("/v1/status") { _, _ in
            jsonResponse(
                .object([
                    ("status", .string("ok")), ("version", .string(self.configuration.version)),
                    ("auto_discovered_manifests", .array(self.manifestPaths().map(JSONValue.string))),
                ]))
        }
        router.get("/v1/manifest") { request, _ in
            guard let path = request.uri.queryParameters.get("path") else {
                throw APIError.badBody("path: give the manifest's path under the root (?path=agent.nano)")
            }
            return jsonResponse(self.originalJSON(try self.manifestFile(path, field: "path").manifest))
        }
        router.post("/v1/run") { request, _ in try await self.originalRun(request) }
        router.post("/v1/replay") { request, _ in try await self.originalReplay(request) }
    }

    /// `POST /v1/run`: a manifest as JSON, run to its end; the steps as the original traced them.
    func originalRun(_ request: Request) async throws(APIError) -> Response {
        let body = try await jsonBody(request)
        let run = try launch(try inlineManifest(Self.manifestText(body), field: "manifest"))
        return try await originalAnswer(run)
    }

    /// `POST /v1/replay` with `{manifest, history, override_observation}`: the run is forked at
    /// step `history.length + 1`, answered with the observation there. The run forked is
    /// `run_id` when given, else a new recorded run of the manifest.
    func originalReplay(_ request: Request) async throws(APIError) -> Response {
        let body = try await jsonBody(request)
        guard case .array(let history)? = body["history"] else {
            throw .badBody("history: expected the array of traces a /v1/run answered")
        }
        guard let observation = try body.optionalString("override_observation") else {
            throw .badBody("override_observation: expected the text that replaces the next step's result")
        }
        let parent: String
        if let id = try body.optionalString("run_id") {
            parent = try runInfo(id).id
        } else {
            guard let manifest = body["manifest"] else { throw .badBody("manifest: expected the manifest as JSON") }
            let first = try launch(try inlineManifest(Self.manifestText(manifest), field: "manifest"))
            _ = await first.report()
            parent = first.id
        }
        let prepared: PreparedRun
        do throws(TimeTravelError) {
            prepared = try Kernel.prepareFork(
                parent, at: history.count + 1, outcome: .data(Array(observation.utf8)), store: store)
        } catch {
            throw timeTravelFailure(error)
        }
        return try await originalAnswer(try registry.start(.prepared(prepared)))
    }

    private func originalAnswer(_ run: LiveRun) async throws(APIError) -> Response {
        let report = await run.report()
        let traces = report.steps.map { step -> JSONValue in
            let tokens = step.counters.filter { $0.key.hasSuffix("tokens") && !$0.key.hasPrefix("prompt_tokens_") }
                .values.reduce(0, +)
            return .object([
                ("step", .int(Int64(step.index))),
                ("action", .string(step.name)),
                (
                    "args",
                    .array(step.jsonObject()["args"].map { if case .array(let items) = $0 { items } else { [] } } ?? [])
                ),
                ("tokens", .int(tokens)),
                (
                    "latency",
                    .object([
                        ("secs", .int(Int64(step.latencyNanoseconds / 1_000_000_000))),
                        ("nanos", .int(Int64(step.latencyNanoseconds % 1_000_000_000))),
                    ])
                ),
                ("result", Self.originalResult(step.outcome)),
            ])
        }
        return jsonResponse(
            .object([("status", .string("success")), ("traces", .array(traces)), ("run_id", .string(run.id))]))
    }

    static func originalResult(_ outcome: StepOutcome) -> JSONValue {
        switch outcome {
        case .data(let bytes): return JSONValue.bytes(bytes)
        case .value(let value): return .string(String(value))
        case .failure(let failure): return .string("Error: \(failure.errno): \(failure.message)")
        }
    }

    /// The original sent manifests as JSON with every absent field as null; nulls are
    /// dropped and the JSON read as the YAML it also is.
    static func manifestText(_ manifest: JSONValue) throws(APIError) -> String {
        func withoutNulls(_ value: JSONValue) -> JSONValue {
            switch value {
            case .object(let members):
                return .object(members.filter { $0.1 != .null }.map { ($0.0, withoutNulls($0.1)) })
            case .array(let items): return .array(items.map(withoutNulls))
            default: return value
            }
        }
        guard case .object = manifest else { throw .badBody("manifest: expected a JSON object") }
        return withoutNulls(manifest).serialized()
    }

    /// A manifest in the original's JSON shape, secrets left out and paths shown relative to the root.
    func originalJSON(_ manifest: Manifest) -> JSONValue {
        let mib = 1 << 20
        let memory =
            manifest.resources.memoryBytes % mib == 0
            ? "\(manifest.resources.memoryBytes / mib)MB" : "\(manifest.resources.memoryBytes / 1024)KB"
        let model: JSONValue =
            manifest.model.map { model in
                .object([
                    ("path", model.path.map { .string(root.relative($0)) } ?? .null),
                    ("context_window", model.contextWindow.map { .int(Int64($0)) } ?? .null),
                    ("provider", .string(model.provider)),
                    ("api_url", model.apiURL.map(JSONValue.string) ?? .null),
                    ("api_key", .null),
                    ("model_name", model.modelName.map(JSONValue.string) ?? .null),
                ])
            } ?? .null
        let network: JSONValue
        switch manifest.permissions.network {
        case .none: network = .bool(false)
        case .any: network = .bool(true)
        case .hosts(let hosts): network = .array(hosts.map(JSONValue.string))
        }
        return .object([
            ("name", .string(manifest.name)),
            ("model", model),
            (
                "resources",
                .object([("memory", .string(memory)), ("max_steps", .int(Int64(manifest.resources.maxSteps)))])
            ),
            (
                "permissions",
                .object([
                    ("fs_read", .array(manifest.permissions.fsRead.map(JSONValue.string))),
                    ("fs_write", .array(manifest.permissions.fsWrite.map(JSONValue.string))),
                    ("network", network),
                ])
            ),
            ("tools", manifest.toolNames.map { .array($0.map(JSONValue.string)) } ?? .null),
            ("goal", manifest.goal.map(JSONValue.string) ?? .null),
            (
                "mcp_servers",
                manifest.mcpServers.isEmpty
                    ? .null
                    : .array(
                        manifest.mcpServers.map { server in
                            .object([
                                ("name", .string(server.name)), ("command", .string(server.command)),
                                ("args", .array(server.args.map(JSONValue.string))),
                            ])
                        })
            ),
            (
                "agents",
                manifest.agents.isEmpty
                    ? .null
                    : .array(
                        manifest.agents.map { agent in
                            .object([
                                ("name", .string(agent.name)), ("goal", .string(agent.goal)),
                                ("tools", agent.tools.map { .array($0.map(JSONValue.string)) } ?? .null),
                            ])
                        })
            ),
            ("binary", manifest.binary.map { .string(root.relative($0)) } ?? .null),
            ("token", .null),
        ])
    }
}
