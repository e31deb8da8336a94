import NanosJSON

/// The routes the OpenAPI document declares, read once from the embedded copy: an unknown
/// method on a known path is answered 405 with `Allow`, not 404 (the document is the truth).
enum RouteTable {
    /// Path pattern segments (`{id}` matches any one segment) and their methods, upper-cased.
    static let routes: [(segments: [Substring], methods: [String])] = {
        guard case .object(let paths)? = (try? JSONValue.parse(PackageResources.openapi_json))?["paths"] else {
            return []
        }
        return paths.map { path, operations in
            let methods: [String]
            if case .object(let members) = operations {
                methods = members.map { $0.0.uppercased() }
            } else {
                methods = []
            }
            return (path.split(separator: "/"), methods)
        }
    }()

    /// The methods declared for `path`, or nil when no route has that path.
    static func methods(for path: String) -> [String]? {
        let segments = path.split(separator: "/")
        for route in routes where route.segments.count == segments.count {
            let matches = zip(route.segments, segments).allSatisfy { pattern, segment in
                pattern.hasPrefix("{") || pattern == segment
            }
            if matches { return route.methods }
        }
        return nil
    }
}
