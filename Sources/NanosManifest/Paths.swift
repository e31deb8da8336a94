import Foundation

/// Turns manifest paths into absolute ones, lexically: files named in a manifest
/// need not exist yet, so only the manifest's own folder has its symlinks resolved.
enum PathResolver {
    /// `path` made absolute against `base`, with `.` and `..` removed; a leading
    /// `~` is the user's home folder.
    static func absolute(_ path: String, base: String) -> String {
        if path == "~" || path.hasPrefix("~/") {
            return normalized(NSHomeDirectory() + "/" + path.dropFirst())
        }
        return normalized(path.hasPrefix("/") ? path : base + "/" + path)
    }

    /// The folder as an absolute path with symlinks resolved, or only made
    /// absolute when it does not exist.
    static func canonicalFolder(_ path: String, base: String) -> String {
        let absolute = absolute(path, base: base)
        guard let resolved = realpath(absolute, nil) else { return absolute }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    private static func normalized(_ path: String) -> String {
        var components: [Substring] = []
        for component in path.split(separator: "/") where component != "." {
            if component == ".." {
                _ = components.popLast()
            } else {
                components.append(component)
            }
        }
        return "/" + components.joined(separator: "/")
    }
}
