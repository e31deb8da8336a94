import Foundation

/// Files that ship with nanos (the default agent, benchmark data): beside an installed
/// binary under `share/nanos/`, or, in a build inside the repository, at their repository
/// path in the executable's folder or any folder above it.
public enum BundledFile {
    /// Where `installed` (relative to the install prefix) and `repository` (relative to the
    /// repository root) are looked for, in order.
    public static func candidates(
        installed: String, repository: String, executable: String? = Bundle.main.executablePath
    ) -> [String] {
        guard let executable else { return [] }
        var folder = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        var paths = [folder.deletingLastPathComponent().appendingPathComponent(installed).path]
        while folder.path != "/" {
            paths.append(folder.appendingPathComponent(repository).path)
            folder.deleteLastPathComponent()
        }
        return paths
    }

    /// The first readable candidate.
    public static func locate(_ candidates: [String]) -> String? {
        candidates.first { FileManager.default.isReadableFile(atPath: $0) }
    }
}
