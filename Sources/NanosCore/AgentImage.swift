import Foundation
import NanosManifest
import Synchronization
import WasmKit

/// Everything about an agent that the kernel needs to start it.
public struct AgentImage: Sendable {
    public let module: Module
    public let source: String
    /// ``ContentHash`` of the module's bytes: what a recorded run names its module by, so a
    /// replay can tell a rebuilt guest from the one recorded. Empty when the image was made
    /// from a parsed module.
    public let digest: String
    /// Used instances kept for the next run of this image; nil when it cannot be reused.
    let pool: InstancePool?
    /// The interpreter stack the module asks for when the manifest sets no
    /// `resources.stack` (JS agents record theirs in their `nanos.js` section).
    let preferredStackBytes: Int?
    /// Whether the module is a JS agent (it carries a `nanos.js` section).
    let isJSAgent: Bool

    public init(module: Module, source: String, digest: String = "") {
        self.module = module
        self.source = source
        self.digest = digest
        let jsAgent = JSAgentSection(module: module)
        pool = jsAgent == nil ? nil : InstancePool.forModule(module)
        preferredStackBytes = jsAgent?.stackBytes
        isJSAgent = jsAgent != nil
    }
}

/// The `nanos.js` custom section `nanos compile` writes into JS agents (``JSImageFormat``).
struct JSAgentSection {
    /// A module may ask for a larger stack than the default, but no more than a manifest may.
    static let maximumStackBytes = Resources.maximumStackBytes

    let stackBytes: Int?

    init?(module: Module) {
        guard let section = module.customSections.first(where: { $0.name == JSImageFormat.sectionName }) else {
            return nil
        }
        let json = try? JSONValue.parse(Array(section.bytes))
        stackBytes = json?[JSImageFormat.stackBytesKey]?.intValue.map {
            min(max(Int($0), 64 << 10), JSAgentSection.maximumStackBytes)
        }
    }
}

/// Why an agent binary could not be loaded.
public enum ImageError: Error, Sendable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case invalidModule(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "cannot read agent binary \(path): \(reason)"
        case .invalidModule(let path, let reason):
            return "\(path) is not a valid WebAssembly module: \(reason)"
        }
    }
}

/// What identifies one version of a file: a changed file gets a new image.
struct FileStamp: Equatable, Sendable {
    let device: UInt64
    let inode: UInt64
    let size: Int64
    let modifiedSeconds: Int
    let modifiedNanoseconds: Int

    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        modifiedSeconds = info.st_mtim.tv_sec
        modifiedNanoseconds = info.st_mtim.tv_nsec
    }
}

/// Agent images by path, at most `capacity` of them (the oldest goes first).
final class ImageCache: Sendable {
    static let shared = ImageCache()
    static let capacity = 32

    private struct Entry {
        let stamp: FileStamp
        let image: AgentImage
    }

    private let entries = Mutex<(byPath: [String: Entry], order: [String])>(([:], []))

    func image(path: String, stamp: FileStamp) -> AgentImage? {
        entries.withLock { entries in
            guard let entry = entries.byPath[path], entry.stamp == stamp else { return nil }
            return entry.image
        }
    }

    func keep(_ image: AgentImage, path: String, stamp: FileStamp) {
        entries.withLock { entries in
            if entries.byPath[path] == nil { entries.order.append(path) }
            entries.byPath[path] = Entry(stamp: stamp, image: image)
            while entries.order.count > ImageCache.capacity {
                entries.byPath[entries.order.removeFirst()] = nil
            }
        }
    }
}

extension AgentImage {
    /// Loads and validates a binary module, checked against ``ModuleBounds`` before
    /// WasmKit parses it.
    ///
    /// Images are kept per file for the life of the process (until the file changes), so
    /// every run of one binary shares the parsed module and its used instances. `convert`
    /// turns the file's bytes into module bytes first (the kernel passes WAT text to the
    /// compiler); `limit` caps what is read.
    public static func load(
        path: String, limit: Int = ModuleBounds.maxModuleBytes,
        convert: ([UInt8]) throws(ImageError) -> [UInt8] = { $0 }
    ) throws(ImageError) -> AgentImage {
        let stamp = FileStamp(path: path)
        if let stamp, let image = ImageCache.shared.image(path: path, stamp: stamp) { return image }
        let image = try AgentImage(wasm: try convert(try readRegularFile(path, limit: limit)), source: path)
        if let stamp { ImageCache.shared.keep(image, path: path, stamp: stamp) }
        return image
    }

    /// An image from module bytes, checked against ``ModuleBounds`` before WasmKit parses them.
    public init(wasm: [UInt8], source: String) throws(ImageError) {
        do {
            try ModuleBounds.check(wasm)
        } catch {
            throw .invalidModule(path: source, reason: error.description)
        }
        do {
            self.init(module: try parseWasm(bytes: wasm), source: source, digest: ContentHash.hex(wasm))
        } catch {
            throw .invalidModule(path: source, reason: "\(error)")
        }
    }

    /// The bytes of a regular file of at most `limit` bytes. A device, a FIFO or an
    /// oversized file is refused before anything is read (`binary: /dev/zero` never ends).
    public static func readRegularFile(_ path: String, limit: Int) throws(ImageError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw .unreadable(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .unreadable(path: path, reason: String(cString: strerror(errno))) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw .unreadable(path: path, reason: "not a regular file") }
        guard info.st_size <= limit else {
            throw .invalidModule(path: path, reason: "the file is \(info.st_size) bytes; at most \(limit)")
        }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var count = 0
        while count < bytes.count {
            let got = bytes.withUnsafeMutableBytes { buffer in
                guard let base = buffer.baseAddress else { return 0 }
                return read(fd, base + count, buffer.count - count)
            }
            if got < 0, errno == EINTR { continue }
            guard got > 0 else { break }
            count += got
        }
        // The file may have shrunk since fstat.
        if count < bytes.count { bytes.removeSubrange(count...) }
        return bytes
    }
}
