/// A manifest's `fs_read` and `fs_write` patterns, compiled once.
///
/// Relative patterns are relative to `baseDirectory` (the manifest's folder). A bare `*`
/// therefore means "any file directly in the base directory", not "everything" as it did
/// in the original project. `..` in a pattern is resolved lexically, so
/// `../shared/**` grants a sibling folder; a `..` after a wildcard is refused.
public struct PathGrants: Sendable {
    /// The base directory, lexically normalised.
    public let baseDirectory: String
    /// The patterns as written in the manifest.
    public let read: [String]
    public let write: [String]

    let readGrants: [Grant]
    let writeGrants: [Grant]
    /// Distinct grant roots; a grant refers to its root by index.
    let rootPaths: [String]
    private let base: NormalizedPath

    struct Grant: Sendable {
        let access: FileAccess
        /// As written in the manifest, for explanations.
        let written: String
        /// Absolute and normalised.
        let pattern: GlobPattern
        let rootIndex: Int

        var explanation: String { "\(access.grantName) grant \"\(written)\"" }
    }

    /// Whether a file with more than one hard link may be read (see `readsHardlinks` in
    /// docs/security-fs.md). Such files are never written.
    public let readsHardlinks: Bool

    public init(read: [String], write: [String], baseDirectory: String, readsHardlinks: Bool = false) throws(FSError) {
        self.readsHardlinks = readsHardlinks
        let base = NormalizedPath(baseDirectory)
        guard base.isAbsolute, !baseDirectory.utf8.contains(0) else {
            throw .invalidPath(
                path: baseDirectory,
                reason: "the base directory must be an absolute path (the manifest's folder)")
        }
        var rootPaths: [String] = []
        readGrants = try Self.compile(read, access: .read, base: base.string, roots: &rootPaths)
        writeGrants = try Self.compile(write, access: .write, base: base.string, roots: &rootPaths)
        self.read = read
        self.write = write
        self.baseDirectory = base.string
        self.base = base
        self.rootPaths = rootPaths
    }

    private static func compile(
        _ patterns: [String], access: FileAccess, base: String, roots: inout [String]
    ) throws(FSError) -> [Grant] {
        var grants: [Grant] = []
        for written in patterns {
            guard !written.isEmpty else {
                throw .invalidPath(path: written, reason: "an \(access.grantName) pattern must not be empty")
            }
            guard !written.utf8.contains(0) else {
                throw .invalidPath(path: written, reason: "the \(access.grantName) pattern contains a NUL byte")
            }
            let pattern = GlobPattern(written.hasPrefix("/") ? written : base + "/" + written)
            guard !pattern.hasUnresolvedParent else {
                throw .invalidPath(
                    path: written,
                    reason: "'..' after a wildcard in an \(access.grantName) pattern cannot be resolved; "
                        + "write the pattern without it")
            }
            let root = pattern.literalRoot
            let rootIndex: Int
            if let existing = roots.firstIndex(of: root) {
                rootIndex = existing
            } else {
                rootIndex = roots.count
                roots.append(root)
            }
            grants.append(Grant(access: access, written: written, pattern: pattern, rootIndex: rootIndex))
        }
        return grants
    }

    /// The first grant, in manifest order, that matches `path`.
    func grant(matching path: NormalizedPath, access: FileAccess) -> Grant? {
        grants(for: access).first { $0.pattern.matches(path) }
    }

    func grants(for access: FileAccess) -> [Grant] {
        switch access {
        case .read: readGrants
        case .write: writeGrants
        }
    }

    /// Makes a requested path absolute and resolves `.`/`..` lexically.
    /// A relative path must not climb above the base directory.
    func resolve(_ path: String) throws(FSError) -> NormalizedPath {
        guard !path.isEmpty else {
            throw .invalidPath(path: path, reason: "the path is empty")
        }
        var text = path
        let resolved = text.withUTF8 { input -> Result<NormalizedPath, FSError> in
            guard !input.contains(0) else {
                return .failure(.invalidPath(path: path, reason: "the path contains a NUL byte"))
            }
            if input.first == NormalizedPath.slash {
                var absolute = NormalizedPath(isAbsolute: true, reservingCapacity: input.count)
                absolute.append(input)
                return .success(absolute)
            }
            var joined = NormalizedPath(below: base, reservingCapacity: input.count + 1)
            guard !joined.append(input) else {
                return .failure(
                    .denied(
                        path: joined.string,
                        rule: "path escapes the base directory: \(FSError.display(path)) climbs above "
                            + "\(baseDirectory) with '..' (to \(joined.string)); relative paths must stay inside it"))
            }
            return .success(joined)
        }
        return try resolved.get()
    }

    /// The refusal when no grant of this kind matches.
    func noGrantDenial(_ path: NormalizedPath, access: FileAccess, directory: Bool = false) -> FSError {
        let patterns = grants(for: access).map(\.written)
        let granted = patterns.isEmpty ? "the manifest has none" : "granted: " + patterns.joined(separator: ", ")
        let what = directory ? "covers directory" : "matches"
        return .denied(
            path: path.string,
            rule: "no \(access.grantName) grant \(what) \(path.string) (\(granted))")
    }
}
