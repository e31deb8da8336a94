/// The two kinds of grant a manifest can give: `fs_read` and `fs_write`.
public enum FileAccess: Sendable, CaseIterable {
    case read, write

    /// The manifest's name for this grant, used in every explanation.
    public var grantName: String {
        switch self {
        case .read: "fs_read"
        case .write: "fs_write"
        }
    }
}

/// Why a path is or is not accessible, in words a user can act on.
public struct AccessDecision: Sendable, Equatable {
    public let allowed: Bool
    /// The grant that allows the access (`fs_read grant "data/*.txt"`), or why it is refused.
    public let rule: String
    /// The absolute, lexically normalised path that was judged.
    public let resolvedPath: String

    public init(allowed: Bool, rule: String, resolvedPath: String) {
        self.allowed = allowed
        self.rule = rule
        self.resolvedPath = resolvedPath
    }
}

/// One entry of a directory listing.
public struct DirectoryEntry: Sendable, Equatable {
    /// The raw value is the name the syscall ABI uses in `fs_list` results.
    public enum Kind: String, Sendable {
        case file
        case directory = "dir"
        case symlink
        case other
    }

    public let name: String
    /// What the entry itself is; a symlink is reported as a symlink, never followed.
    public let kind: Kind
    /// Size in bytes for regular files; 0 for everything else.
    public let size: Int

    public init(name: String, kind: Kind, size: Int) {
        self.name = name
        self.kind = kind
        self.size = size
    }
}

public enum FSError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The grants do not allow this access; `rule` says which rule refused it.
    case denied(path: String, rule: String)
    case notFound(path: String)
    /// The path cannot be used at all (empty, NUL byte, a directory where a file is needed...).
    case invalidPath(path: String, reason: String)
    /// The file or the data to write is bigger than the caller's limit.
    case tooLarge(path: String, limit: Int)
    /// The host file system failed in a way the grants have nothing to do with.
    case io(path: String, message: String)

    public var description: String {
        switch self {
        case .denied(_, let rule):
            "access denied: \(rule)"
        case .notFound(let path):
            "\(Self.display(path)): no such file or directory"
        case .invalidPath(let path, let reason):
            "invalid path \(Self.display(path)): \(reason)"
        case .tooLarge(let path, let limit):
            "\(Self.display(path)) is larger than the limit of \(limit) bytes"
        case .io(let path, let message):
            "\(Self.display(path)): \(message)"
        }
    }

    /// Quotes the path and makes NUL bytes visible, so a message never silently truncates.
    static func display(_ path: String) -> String {
        "\"" + path.replacingNULs() + "\""
    }
}

extension String {
    func replacingNULs() -> String {
        guard utf8.contains(0) else { return self }
        return String(unicodeScalars.map { $0 == "\0" ? "\\0" : String($0) }.joined())
    }
}
