import Foundation
import Hummingbird
import NanosCore
import NanosManifest

/// `/v1/manifests`: the `.nano` files under the root.
extension ServeState {
    func addManifestRoutes(to router: Router<BasicRequestContext>) {
        router.get("/v1/manifests") { _, _ in
            jsonResponse(.object([("manifests", .array(self.manifestPaths().map(self.manifestEntry)))]))
        }
    }

    static let maxManifestDepth = 4
    static let maxManifests = 1000

    /// Paths (relative to the root) of the `.nano` files at most four folders down, sorted;
    /// hidden folders and links that lead out of the root are skipped.
    func manifestPaths() -> [String] {
        var found: [String] = []
        var folders: [(path: String, depth: Int)] = [(root.path, 0)]
        let files = FileManager.default
        while let (folder, depth) = folders.popLast(), found.count < Self.maxManifests {
            guard let names = try? files.contentsOfDirectory(atPath: folder) else { continue }
            for name in names.sorted() where !name.hasPrefix(".") {
                let path = folder + "/" + name
                guard let real = ServeRoot.realPath(path), root.contains(real) else { continue }
                var isFolder: ObjCBool = false
                guard files.fileExists(atPath: real, isDirectory: &isFolder) else { continue }
                if isFolder.boolValue {
                    // Only real folders are walked: a link to a folder inside would list its files twice.
                    if depth + 1 < Self.maxManifestDepth, real == path { folders.append((path, depth + 1)) }
                } else if name.hasSuffix(".nano") {
                    found.append(root.relative(path))
                    if found.count >= Self.maxManifests { break }
                }
            }
        }
        return found.sorted()
    }

    func manifestEntry(_ path: String) -> JSONValue {
        do {
            let manifest = try Manifest.load(path: root.path + "/" + path)
            return .object([
                ("path", .string(path)), ("name", .string(manifest.name)),
                ("goal", manifest.goal.map(JSONValue.string) ?? .null),
                ("binary", manifest.binary.map { .string(root.relative($0)) } ?? .null),
                ("error", .null),
            ])
        } catch {
            return .object([
                ("path", .string(path)), ("name", .null), ("goal", .null), ("binary", .null),
                ("error", .string(error.description)),
            ])
        }
    }
}
