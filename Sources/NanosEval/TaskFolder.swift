import Foundation
import NanosCore

/// A task's files: copied to a scratch folder so that every run starts from the same
/// state, and listed with content hashes so that a check sees what the run changed.
enum TaskFolder {
    /// The most entries (files, folders, links) a task folder may hold.
    static let maxEntries = 1000
    /// The most bytes of files a task folder may hold.
    static let maxBytes = 64 << 20

    /// Regular files and symbolic links below `root`: relative path → content hash (for a
    /// link, its target). Links are never followed.
    static func snapshot(_ root: String) throws(EvalError) -> [String: String] {
        guard let walker = FileManager.default.enumerator(atPath: root) else {
            throw .invalidTask(root, "cannot be listed")
        }
        var files: [String: String] = [:]
        var entries = 0
        var bytes = 0
        while let relative = walker.nextObject() as? String {
            entries += 1
            guard entries <= maxEntries else { throw .invalidTask(root, "more than \(maxEntries) entries") }
            let path = root + "/" + relative
            var info = stat()
            guard lstat(path, &info) == 0 else { throw .invalidTask(path, "cannot be read (\(errno))") }
            switch info.st_mode & S_IFMT {
            case S_IFREG:
                bytes += Int(info.st_size)
                guard bytes <= maxBytes else { throw .invalidTask(root, "more than \(maxBytes >> 20) MiB of files") }
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw .invalidTask(path, "cannot be read")
                }
                files[relative] = ContentHash.hex([UInt8](data))
            case S_IFLNK:
                files[relative] = "link:" + ((try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "")
            default:
                continue
            }
        }
        return files
    }

    /// Copies `source` (checked against the bounds first) into a new scratch folder and
    /// returns the copy's path; ``remove(_:)`` deletes it.
    static func copy(_ source: String) throws(EvalError) -> String {
        _ = try snapshot(source)
        var template = Array(
            (NSTemporaryDirectory() as NSString).appendingPathComponent("nanos-eval-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ $0.baseAddress.flatMap { mkdtemp($0) } }) else {
            throw .invalidTask(source, "no scratch folder could be made (\(errno))")
        }
        let scratch = String(cString: made)
        let copy = scratch + "/task"
        do {
            try FileManager.default.copyItem(atPath: source, toPath: copy)
        } catch {
            remove(copy)
            throw .invalidTask(source, "could not be copied: \(error.localizedDescription)")
        }
        return copy
    }

    /// Deletes a copy made by ``copy(_:)`` and its scratch folder.
    static func remove(_ copy: String) {
        try? FileManager.default.removeItem(atPath: (copy as NSString).deletingLastPathComponent)
    }

    /// A file's text, if it is a regular file of at most `limit` bytes.
    static func text(_ root: String, _ relative: String, limit: Int = maxBytes) -> String? {
        let path = root + "/" + relative
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG, Int(info.st_size) <= limit,
            let data = FileManager.default.contents(atPath: path)
        else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}
