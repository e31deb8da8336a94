import Foundation

/// The folder `nanos compile` may read sources from: the agent's own folder, or the
/// `--root` the user gives.
///
/// An agent's sources are input from whoever sent the agent. Without this, an import of
/// `../secret.txt` or `/home/me/.ssh/id_rsa` (esbuild loads `.txt` and `.json` as
/// strings) or a C `#embed` baked the file into the module, which then handed it to
/// the agent at run time with no permission at all. Every file a compile reads is
/// checked against the root, with symlinks resolved, before the tool that bundles or
/// compiles it runs.
struct SourceRoot: Sendable {
    /// Absolute, with symlinks resolved.
    let path: String

    init(_ folder: String) {
        path = SourceRoot.realPath(folder) ?? Paths.standardized(folder)
    }

    /// Whether `file` (absolute, or relative to the current folder) lies inside the root once
    /// its symlinks are resolved. A file that does not exist is judged by its parent.
    func contains(_ file: String) -> Bool {
        let absolute = Paths.standardized(file)
        let real =
            SourceRoot.realPath(absolute) ?? SourceRoot.realPath(Paths.parent(absolute)).map {
                $0 + "/" + Paths.lastComponent(absolute)
            } ?? absolute
        return real == path || real.hasPrefix(path == "/" ? "/" : path + "/")
    }

    /// Refuses `file` when it lies outside the root; `importer` and `specifier` name where
    /// the source asked for it.
    func require(_ file: String, importer: String, specifier: String) throws(CompileError) {
        guard contains(file) else {
            throw .outsideRoot(importer: importer, specifier: specifier, root: path)
        }
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
