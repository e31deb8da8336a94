import Foundation
import Hummingbird
import Logging
import NIOCore
import NanosStore

/// `nanos serve`: the HTTP API and the web debugger over one trace store (docs/serve.md).
public struct NanosServer: Sendable {
    let state: ServeState

    /// Checks the configuration and opens the store; nothing listens yet.
    public init(configuration: ServeConfiguration) throws(ServeStartError) {
        try configuration.validate()
        let store: TraceStore
        do throws(StoreError) {
            store = try TraceStore(path: configuration.storePath)
        } catch {
            throw ServeStartError(error.description)
        }
        state = ServeState(configuration: configuration, store: store)
    }

    /// Serves until the process is told to stop (SIGINT or SIGTERM); `onListening` gets the
    /// address once the socket is bound (the port is known then, also when 0 was asked).
    public func run(onListening: @escaping @Sendable (String) -> Void) async throws {
        let configuration = state.configuration
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: ErrorMiddleware(metrics: state.metrics))
        if let origin = configuration.corsOrigin {
            router.add(middleware: SingleOriginCORSMiddleware(origin: origin))
        }
        if let token = configuration.token {
            router.add(middleware: BearerAuthMiddleware(token: Array(token.utf8), publicPaths: WebAssets.publicPaths))
        }
        state.addWebRoutes(to: router)
        state.addRunRoutes(to: router)
        state.addTimeTravelRoutes(to: router)
        state.addManifestRoutes(to: router)
        state.addOriginalRoutes(to: router)
        var logger = Logger(label: "nanos.serve")
        logger.logLevel = .warning
        let host =
            configuration.host.hasPrefix("[") ? String(configuration.host.dropFirst().dropLast()) : configuration.host
        let application = Application(
            router: router,
            configuration: ApplicationConfiguration(
                address: .hostname(host, port: configuration.port), serverName: "nanos"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? configuration.port
                let shown = host.contains(":") ? "[\(host)]" : host
                onListening("http://\(shown):\(port)/")
            },
            logger: logger)
        defer { state.registry.cancelAll() }
        try await application.runService()
    }
}
