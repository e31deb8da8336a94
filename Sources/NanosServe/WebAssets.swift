import Hummingbird

/// The debugger's files and the OpenAPI document, compiled into the binary (Web/): the
/// page works offline and needs nothing installed beside nanos.
enum WebAssets {
    struct Asset: Sendable {
        let bytes: [UInt8]
        let contentType: String
    }

    /// URL path → file. Every file in Web/ is listed here (a test checks each is served).
    static let files: [String: Asset] = [
        "/": Asset(bytes: PackageResources.index_html, contentType: "text/html; charset=utf-8"),
        "/index.html": Asset(bytes: PackageResources.index_html, contentType: "text/html; charset=utf-8"),
        "/app.js": Asset(bytes: PackageResources.app_js, contentType: "text/javascript; charset=utf-8"),
        "/style.css": Asset(bytes: PackageResources.style_css, contentType: "text/css; charset=utf-8"),
        "/api.js": Asset(bytes: PackageResources.api_js, contentType: "text/javascript; charset=utf-8"),
        "/dom.js": Asset(bytes: PackageResources.dom_js, contentType: "text/javascript; charset=utf-8"),
        "/inspector.js": Asset(bytes: PackageResources.inspector_js, contentType: "text/javascript; charset=utf-8"),
        "/charts.js": Asset(bytes: PackageResources.charts_js, contentType: "text/javascript; charset=utf-8"),
        "/openapi.json": Asset(bytes: PackageResources.openapi_json, contentType: "application/json"),
    ]

    /// The paths served without a token: the page itself holds no data.
    static var publicPaths: Set<String> {
        Set(files.keys.filter { $0 != "/openapi.json" }).union(["/healthz", "/favicon.ico"])
    }
}

extension ServeState {
    func addWebRoutes(to router: Router<BasicRequestContext>) {
        for (path, asset) in WebAssets.files {
            let buffer = ByteBuffer(bytes: asset.bytes)
            router.get(RouterPath(path)) { _, _ in
                Response(
                    status: .ok, headers: [.contentType: asset.contentType, .cacheControl: "no-cache"],
                    body: ResponseBody(byteBuffer: buffer))
            }
        }
        router.get("/favicon.ico") { _, _ in Response(status: .noContent) }
        router.get("/healthz") { _, _ in
            jsonResponse(.object([("status", .string("ok")), ("version", .string(self.configuration.version))]))
        }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(
                    byteBuffer: ByteBuffer(
                        string: self.metrics.exposition(
                            liveRuns: self.registry.liveCount, openStreams: self.streams.taken))))
        }
    }
}
