import Foundation

/// The folder the server serves manifests from. Every path a request names is resolved
/// here: lexically first (`..` and absolute paths outside are refused even when nothing
/// is there), then through the file system, so a symlink that leads out is refused too.
struct ServeRoot: Sendable {
    /// Canonical (symlinks resolved), without a trailing slash.
    let path: String

    init(_ folder: String) {
        let absolute = URL(fileURLWithPath: folder).standardizedFileURL.path
        path = Self.realPath(absolute) ?? absolute
    }

    /// The longest path a request may name.
    static let maxPathBytes = 4096

    /// The canonical file for `requested` (relative to the root, or absolute inside it):
    /// 403 when it leads outside, 404 when there is no such file.
    func resolve(_ requested: String, field: String) throws(APIError) -> String {
        guard !requested.isEmpty, requested.utf8.count <= Self.maxPathBytes, !requested.contains("\0") else {
            throw APIError(.badRequest, "bad_path", "\(field): expected a path of 1 to \(Self.maxPathBytes) bytes")
        }
        let lexical = lexicalPath(requested)
        guard isInside(lexical) else {
            throw APIError(.forbidden, "outside_root", "\(field): \(requested) is outside the served root")
        }
        guard let real = Self.realPath(lexical) else {
            throw APIError(.notFound, "not_found", "\(field): \(requested) does not exist under the served root")
        }
        guard isInside(real) else {
            throw APIError(
                .forbidden, "outside_root", "\(field): \(requested) leads outside the served root (a symbolic link)")
        }
        return real
    }

    /// Whether a path a manifest names (already absolute, or relative to the root) stays inside.
    func contains(_ path: String) -> Bool {
        let lexical = lexicalPath(path)
        guard isInside(lexical) else { return false }
        // A file that exists must not lead out through a link; one that does not yet exist
        // is judged by the nearest folder above it that does.
        var probe = lexical
        while probe != "/" {
            if let real = Self.realPath(probe) { return isInside(real) }
            probe = (probe as NSString).deletingLastPathComponent
        }
        return false
    }

    /// Whether a grant glob stays inside: its folder part (up to the first wildcard) must.
    func containsGlob(_ glob: String, base: String) -> Bool {
        let components = glob.split(separator: "/", omittingEmptySubsequences: false)
        if components.contains("..") { return false }
        let fixed = components.prefix { !$0.contains("*") && !$0.contains("?") && !$0.contains("[") }
        let prefix = fixed.joined(separator: "/")
        let absolute = glob.hasPrefix("/") ? (prefix.isEmpty ? "/" : prefix) : base + "/" + prefix
        return contains(absolute)
    }

    /// The relative path of a file inside the root, for answers (never the host's folders).
    func relative(_ absolute: String) -> String {
        absolute.hasPrefix(path + "/") ? String(absolute.dropFirst(path.count + 1)) : absolute
    }

    private func lexicalPath(_ requested: String) -> String {
        let joined = requested.hasPrefix("/") ? requested : path + "/" + requested
        return URL(fileURLWithPath: joined).standardizedFileURL.path
    }

    private func isInside(_ candidate: String) -> Bool {
        candidate == path || candidate.hasPrefix(path + "/")
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
