import Foundation

/// Small file-system helpers over plain path strings.
enum Paths {
    static func join(_ base: String, _ components: String...) -> String {
        components.filter { !$0.isEmpty }.reduce(base) { path, component in
            path.hasSuffix("/") ? path + component : path + "/" + component
        }
    }

    static func lastComponent(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    /// The file name of `path` split at its last dot: "dir/a.b.c" gives ("a.b", "c").
    /// A name without a dot, or with only a leading one (".profile"), has no extension.
    static func splitExtension(_ path: String) -> (base: String, extension: String) {
        let fileName = lastComponent(path)
        guard let dot = fileName.lastIndex(of: "."), dot != fileName.startIndex else { return (fileName, "") }
        return (String(fileName[..<dot]), String(fileName[fileName.index(after: dot)...]))
    }

    static func parent(_ path: String) -> String {
        URL(fileURLWithPath: path).deletingLastPathComponent().path
    }

    static func standardized(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }

    static func resolvingSymlinks(_ path: String) -> String {
        URL(fileURLWithPath: path).resolvingSymlinksInPath().path
    }

    static func isFile(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
    }

    static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// Expands `*` in the components of an absolute pattern. Matches come newest
    /// version first ("llvm-19" before "llvm-9"), so the choice is deterministic.
    static func glob(_ pattern: String) -> [String] {
        var matches = ["/"]
        for component in pattern.split(separator: "/").map(String.init) {
            if !component.contains("*") {
                matches = matches.map { join($0, component) }.filter { FileManager.default.fileExists(atPath: $0) }
                continue
            }
            matches = matches.flatMap { directory -> [String] in
                let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
                return names.filter { wildcard(component, matches: $0) }
                    .sorted { versionOrder($0, $1) == .orderedDescending }
                    .map { join(directory, $0) }
            }
        }
        return matches
    }

    /// Whether `name` matches `pattern`, where `*` stands for any run of characters.
    static func wildcard(_ pattern: String, matches name: String) -> Bool {
        let parts = pattern.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
        guard let first = parts.first, let last = parts.last, name.hasPrefix(first) else { return false }
        if parts.count == 1 { return name == pattern }
        var rest = name.dropFirst(first.count)
        for middle in parts.dropFirst().dropLast() {
            guard let range = rest.range(of: middle) else { return false }
            rest = rest[range.upperBound...]
        }
        return rest.hasSuffix(last)
    }

    /// Compares names so that runs of digits compare as numbers: "19" > "9".
    static func versionOrder(_ a: String, _ b: String) -> ComparisonResult {
        let left = versionChunks(a)
        let right = versionChunks(b)
        for (x, y) in zip(left, right) where x != y {
            if let m = Int(x), let n = Int(y) { return m < n ? .orderedAscending : .orderedDescending }
            return x < y ? .orderedAscending : .orderedDescending
        }
        if left.count == right.count { return .orderedSame }
        return left.count < right.count ? .orderedAscending : .orderedDescending
    }

    private static func versionChunks(_ text: String) -> [String] {
        var chunks: [String] = []
        var current = ""
        var currentIsDigits = false
        for character in text {
            let isDigit = character.isASCII && character.isNumber
            if !current.isEmpty && isDigit != currentIsDigits {
                chunks.append(current)
                current = ""
            }
            current.append(character)
            currentIsDigits = isDigit
        }
        if !current.isEmpty { chunks.append(current) }
        return chunks
    }

    /// Writes `bytes` to `path` (creating its folder) through a temporary file in the same
    /// folder and a rename, so a reader sees either nothing or the whole file.
    static func writeAtomically(_ bytes: [UInt8], to path: String, what: String) throws(CompileError) {
        do {
            try FileManager.default.createDirectory(atPath: parent(path), withIntermediateDirectories: true)
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .io(path: path, reason: "cannot write \(what): \(error.localizedDescription)")
        }
    }

    /// Runs `body` in a fresh private folder inside `base`, removed afterwards.
    static func withTemporaryDirectory<T>(
        in base: String, _ body: (String) throws(CompileError) -> T
    ) throws(CompileError) -> T {
        // Absolute, because tools may run inside this folder.
        let directory = standardized(join(base, "nanos-compile-\(UUID().uuidString)"))
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .io(path: directory, reason: "cannot create a temporary folder: \(error.localizedDescription)")
        }
        defer { try? FileManager.default.removeItem(atPath: directory) }
        return try body(directory)
    }
}
