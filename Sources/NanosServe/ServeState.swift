import Foundation
import Logging
import NanosCore
import NanosKernel
import NanosManifest
import NanosStore
import Synchronization

/// What every route shares: the configuration, the confined root, the store, the live runs
/// and the metrics.
final class ServeState: Sendable {
    let configuration: ServeConfiguration
    let root: ServeRoot
    let store: TraceStore
    let registry: RunRegistry
    let metrics: ServerMetrics
    let streams: ConcurrencyGate
    let replays: ConcurrencyGate

    init(configuration: ServeConfiguration, store: TraceStore) {
        self.configuration = configuration
        root = ServeRoot(configuration.root)
        self.store = store
        metrics = ServerMetrics()
        registry = RunRegistry(
            store: store, maxRuns: configuration.maxRuns, defaultAgent: configuration.defaultAgent, metrics: metrics)
        streams = ConcurrencyGate(limit: configuration.maxStreams, what: "event streams")
        replays = ConcurrencyGate(limit: configuration.maxRuns, what: "replays")
    }

    /// A manifest to run, as read and where it counts as being (its folder resolves its paths).
    struct LoadedManifest: Sendable {
        var manifest: Manifest
        var text: String
        var path: String
    }

    /// A manifest file under the root. It is the operator's own file, so its grants are not
    /// held to the inline policy; its path is.
    func manifestFile(_ requested: String, field: String) throws(APIError) -> LoadedManifest {
        let path = try root.resolve(requested, field: field)
        guard path.hasSuffix(".nano") else {
            throw APIError(.badRequest, "bad_path", "\(field): \(requested) is not a .nano manifest")
        }
        do {
            let read = try Manifest.read(path: path)
            return LoadedManifest(manifest: read.manifest, text: read.text, path: read.absolutePath)
        } catch {
            throw APIError(.unprocessableContent, "bad_manifest", "\(field): \(root.relative(path)): \(error)")
        }
    }

    /// A manifest sent in the request (YAML or JSON), read as if it were a file at the
    /// root, and held to the policy.
    func inlineManifest(_ text: String, field: String) throws(APIError) -> LoadedManifest {
        guard text.utf8.count <= Manifest.maximumManifestBytes else {
            throw APIError(.contentTooLarge, "too_large", "\(field): a manifest may have at most 1 MiB")
        }
        let path = root.path + "/inline.nano"
        let manifest: Manifest
        do {
            manifest = try Manifest.parse(yaml: text, directory: root.path, sourcePath: "inline manifest")
        } catch {
            throw APIError(.unprocessableContent, "bad_manifest", "\(field): \(error)")
        }
        try configuration.policy.check(manifest, root: root)
        return LoadedManifest(manifest: manifest, text: text, path: path)
    }

    /// Refuses, before anything starts, a manifest whose agent cannot be loaded.
    func checkLaunchable(_ loaded: LoadedManifest) throws(APIError) {
        guard let binary = loaded.manifest.binary ?? configuration.defaultAgent else {
            throw APIError(
                .unprocessableContent, "no_agent",
                "binary: the manifest names no binary and the default agent is not built (make examples)")
        }
        do throws(ImageError) {
            _ = try Kernel.loadImage(path: binary)
        } catch {
            throw APIError(.unprocessableContent, "invalid_module", "binary: \(error.description)")
        }
    }

    /// Starts a manifest's run.
    func launch(_ loaded: LoadedManifest) throws(APIError) -> LiveRun {
        try checkLaunchable(loaded)
        return try registry.start(.manifest(loaded.manifest, text: loaded.text, path: loaded.path))
    }

    /// The run's summary as the API shows it: live runs with the steps made so far.
    func summary(_ id: String) throws(APIError) -> JSONValue {
        do throws(APIError) {
            return summary(try runInfo(id))
        } catch {
            // A run just started may not be in the store yet: it is shown from memory.
            guard let live = registry.live(id) else { throw error }
            var info = RunInfo(
                id: live.id, agent: live.agent, manifestPath: "", manifestText: "", modulePath: "", moduleHash: "",
                startedAt: live.startedAt)
            info.status = "running"
            return summary(info)
        }
    }

    func summary(_ info: RunInfo) -> JSONValue {
        var info = info
        let live = registry.live(info.id)
        if let live { info.steps = max(info.steps, live.stepCount) }
        return APIEncoding.summary(info, live: live != nil, root: root)
    }

    func runInfo(_ id: String) throws(APIError) -> RunInfo {
        guard id.utf8.count <= 128 else { throw APIError.runNotFound(String(id.prefix(32)) + "…") }
        do throws(StoreError) {
            return try store.runInfo(id)
        } catch {
            throw storeFailure(error)
        }
    }

    /// A store error as an answer: an unknown or ambiguous id is the client's; the rest is
    /// the server's, logged in full and answered without the host's paths.
    func storeFailure(_ error: StoreError) -> APIError {
        switch error {
        case .noSuchRun(let id): return APIError.runNotFound(id)
        case .ambiguousRun: return APIError(.badRequest, "ambiguous_run", error.description)
        case .invalidTraceFile: return APIError(.badRequest, "bad_trace", error.description)
        case .database:
            ServeState.logger.error("\(error.description)")
            return APIError(.internalServerError, "store", "the trace store failed (see the server's log)")
        }
    }

    static let logger = Logger(label: "nanos.serve")
}

/// Caps work a client can start that holds a thread or a connection (event streams,
/// replays): past `limit` at once, 429.
final class ConcurrencyGate: Sendable {
    private let open = Mutex(0)
    let limit: Int
    let what: String

    init(limit: Int, what: String) {
        self.limit = limit
        self.what = what
    }

    /// A place taken in the gate, given back when the ticket is released: by whatever
    /// holds it last, even work that never starts (a response body the server drops
    /// because its client went away first).
    final class Ticket: Sendable {
        private let gate: ConcurrencyGate

        fileprivate init(_ gate: ConcurrencyGate) { self.gate = gate }

        deinit { gate.open.withLock { $0 -= 1 } }
    }

    func enter() throws(APIError) -> Ticket {
        let admitted = open.withLock { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
        guard admitted else {
            var error = APIError(.tooManyRequests, "too_many", "\(limit) \(what) are already open; try again later")
            error.headers[.retryAfter] = "1"
            throw error
        }
        return Ticket(self)
    }

    /// Places taken now.
    var taken: Int { open.withLock { $0 } }
}
