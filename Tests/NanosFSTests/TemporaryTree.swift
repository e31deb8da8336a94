import Foundation

@testable import NanosFS

/// A real directory tree for one test, removed when the test drops it.
final class TemporaryTree {
    /// Absolute, with symlinks resolved, so it compares equal to the paths the module reports.
    let path: String

    init() throws {
        let base = FileManager.default.temporaryDirectory
            .appendingPathComponent("nanosfs-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        path = URL(fileURLWithPath: base).resolvingSymlinksInPath().path
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    func absolute(_ relative: String) -> String { path + "/" + relative }

    func directory(_ relative: String) throws {
        try FileManager.default.createDirectory(atPath: absolute(relative), withIntermediateDirectories: true)
    }

    func file(_ relative: String, _ text: String) throws {
        let url = URL(fileURLWithPath: absolute(relative))
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    func symlink(_ relative: String, to destination: String) throws {
        try FileManager.default.createSymbolicLink(atPath: absolute(relative), withDestinationPath: destination)
    }

    func contents(_ relative: String) throws -> String {
        try String(contentsOfFile: absolute(relative), encoding: .utf8)
    }

    func exists(_ relative: String) -> Bool {
        FileManager.default.fileExists(atPath: absolute(relative))
    }

    func fileSystem(
        read: [String], write: [String] = [], resolution: PathResolution = .automatic, readsHardlinks: Bool = false
    ) throws -> SandboxedFileSystem {
        SandboxedFileSystem(
            grants: try PathGrants(read: read, write: write, baseDirectory: path, readsHardlinks: readsHardlinks),
            resolution: resolution)
    }

    func hardlink(_ relative: String, to existing: String) throws {
        try FileManager.default.linkItem(atPath: absolute(existing), toPath: absolute(relative))
    }
}

extension FSError {
    var isDenied: Bool { if case .denied = self { true } else { false } }

    var rule: String? { if case .denied(_, let rule) = self { rule } else { nil } }
}

/// Runs `body` and returns the FSError it throws, or nil when it succeeds.
func fsError<T>(_ body: () throws(FSError) -> T) -> FSError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error
    }
}

func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

extension PathResolution: CustomStringConvertible {
    public var description: String {
        switch self {
        case .automatic: "openat2"
        case .componentWalk: "component walk"
        }
    }
}
