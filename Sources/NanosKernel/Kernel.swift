import Foundation
import Synchronization
import Logging
import NanosFS
import NanosLLM
import NanosManifest
import NanosWasm
import WasmKit

/// The outcome of one run: what `nanos run --json` prints and what front ends show.
public struct RunReport: Sendable {
    public var agent: String
    public var status: RunStatus
    public var exitCode: Int32 { status.exitCode }
    /// The summary the guest passed to `agent.done`.
    public var summary: String?
    /// Why the run ended, when it did not end ok (a trap's message, the limit that hit).
    public var message: String?
    /// The guest's own non-zero return or exit code, if it gave one.
    public var guestExitCode: Int32?
    public var steps: [Step] = []
    public var fuelUsed: UInt64 = 0
    public var peakMemoryBytes = 0
    /// Model tokens the run used: prompt plus generated, over every `llm.*` call.
    public var tokensUsed = 0
    public var durationNanoseconds: UInt64 = 0
    /// The limits the run was held to, defaults included; nil when it never started.
    public var limits: RunLimits?

    public init(agent: String, status: RunStatus) {
        self.agent = agent
        self.status = status
    }

    /// The report as JSON: status, exit code, summary, limits, each step (name, ok, errno,
    /// latency and, for denials, the rule), fuel used and peak memory.
    public func json() -> JSONValue {
        .object(summaryMembers + [("steps", .array(steps.map { $0.jsonObject(includePayloads: false) }))])
    }

    /// The same JSON text as `json()`, handed to `emit` a step at a time, so that a run of
    /// a million steps is never held as one JSON tree.
    public func writeJSON(_ emit: (String) -> Void) {
        var head = JSONValue.object(summaryMembers).serialized()
        head.removeLast()  // the closing brace; the steps follow
        emit(head + ",\"steps\":[")
        for (offset, step) in steps.enumerated() {
            emit((offset > 0 ? "," : "") + step.jsonObject(includePayloads: false).serialized())
        }
        emit("]}")
    }

    private var summaryMembers: [(String, JSONValue)] {
        var members: [(String, JSONValue)] = [
            ("agent", .string(agent)),
            ("status", .string(status.rawValue)),
            ("exit_code", .int(Int64(exitCode))),
            ("summary", summary.map(JSONValue.string) ?? .null),
        ]
        if let message { members.append(("message", .string(message))) }
        if let guestExitCode { members.append(("guest_exit_code", .int(Int64(guestExitCode)))) }
        members += [
            ("fuel_used", .int(Int64(clamping: fuelUsed))),
            ("peak_memory_bytes", .int(Int64(peakMemoryBytes))),
            ("tokens_used", .int(Int64(tokensUsed))),
            ("duration_ms", .double((Double(durationNanoseconds) / 1e6 * 1000).rounded() / 1000)),
        ]
        if let limits { members.append(("limits", limits.json())) }
        return members
    }
}

public enum KernelError: Error, Sendable, CustomStringConvertible {
    case noDefaultAgent(searched: [String])
    case unreadable(path: String, reason: String)
    case invalidModule(path: String, reason: String)

    public var description: String {
        switch self {
        case .noDefaultAgent(let searched):
            return "the manifest has no `binary:` and the default agent is not built (run `make`, or set "
                + "\(DefaultAgent.environmentVariable)); looked in \(searched.joined(separator: ", "))"
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

/// How a front end wants a run wired up.
public struct RunOptions: Sendable {
    public var logSink: LogSink
    /// Overrides the model chosen from the manifest (tests, shared engines).
    public var model: (any LanguageModel)?

    public init(logSink: @escaping LogSink = { _, _ in }, model: (any LanguageModel)? = nil) {
        self.logSink = logSink
        self.model = model
    }
}

/// The kernel API every front end uses to start agents.
public enum Kernel {
    static let logger = Logger(label: "nanos.kernel")

    /// Loads and validates an agent binary: `.wasm`, or `.wat` text compiled in memory.
    ///
    /// Images are kept per file for the life of the process (until the file changes),
    /// so every run of one binary shares the parsed module and its used instances.
    public static func loadImage(path: String) throws(KernelError) -> AgentImage {
        let stamp = FileStamp(path: path)
        if let stamp, let image = ImageCache.shared.image(path: path, stamp: stamp) { return image }
        let image = try readImage(path: path)
        if let stamp { ImageCache.shared.keep(image, path: path, stamp: stamp) }
        return image
    }

    private static func readImage(path: String) throws(KernelError) -> AgentImage {
        let limit = path.hasSuffix(".wat") ? WATSource.maxTextBytes : ModuleBounds.maxModuleBytes
        return try loadImage(bytes: try readRegularFile(path, limit: limit), source: path)
    }

    /// The bytes of a regular file of at most `limit` bytes. A device, a FIFO or an
    /// oversized file is refused before anything is read (`binary: /dev/zero` never ends).
    static func readRegularFile(_ path: String, limit: Int) throws(KernelError) -> [UInt8] {
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

    /// An image from module bytes, or WAT text when `source` ends in `.wat`. Both are
    /// checked against ``ModuleBounds`` before WasmKit parses them.
    public static func loadImage(bytes: [UInt8], source: String) throws(KernelError) -> AgentImage {
        var wasm = bytes
        if source.hasSuffix(".wat") {
            do {
                wasm = try WATSource.compile(bytes)
            } catch {
                throw .invalidModule(path: source, reason: error.description)
            }
        } else {
            do {
                try ModuleBounds.check(wasm)
            } catch {
                throw .invalidModule(path: source, reason: error.description)
            }
        }
        do {
            return AgentImage(module: try parseWasm(bytes: wasm), source: source)
        } catch {
            throw .invalidModule(path: source, reason: "\(error)")
        }
    }

    /// Runs the agent a manifest describes. Never throws: a binary that cannot be loaded
    /// or a grant that cannot be set up is a `failed` report with the reason.
    public static func run(manifest: Manifest, options: RunOptions = RunOptions()) -> RunReport {
        // Loading counts against the run's deadline: a module is the agent's input too.
        let started = ContinuousClock.now
        do throws(KernelError) {
            let binary: String
            if let configured = manifest.binary {
                binary = configured
            } else {
                binary = try DefaultAgent.locate()
            }
            return run(manifest: manifest, image: try loadImage(path: binary), options: options, started: started)
        } catch {
            return failedReport(manifest, error.description, status: .invalidModule)
        }
    }

    public static func run(manifest: Manifest, image: AgentImage, options: RunOptions = RunOptions()) -> RunReport {
        run(manifest: manifest, image: image, options: options, started: .now)
    }

    /// `started`: when the run began, before its module was loaded; its deadline counts from then.
    static func run(manifest: Manifest, image: AgentImage, options: RunOptions, started: ContinuousClock.Instant) -> RunReport {
        let files: SandboxedFileSystem
        do {
            files = SandboxedFileSystem(
                grants: try PathGrants(
                    read: manifest.permissions.fsRead, write: manifest.permissions.fsWrite,
                    baseDirectory: manifest.directory, readsHardlinks: manifest.permissions.readsHardlinks))
        } catch {
            return failedReport(manifest, "permissions: \(error)")
        }
        let model = options.model ?? LanguageModels.make(for: manifest.model)
        logger.debug("starting agent", metadata: ["agent": "\(manifest.name)", "binary": "\(image.source)"])
        let report = Sandbox.execute(
            image: image, manifest: manifest, files: files, model: model, logSink: options.logSink, started: started)
        logger.debug(
            "agent ended",
            metadata: [
                "agent": "\(manifest.name)", "status": "\(report.status.rawValue)", "steps": "\(report.steps.count)",
            ])
        return report
    }

    static func failedReport(_ manifest: Manifest, _ message: String, status: RunStatus = .failed) -> RunReport {
        var report = RunReport(agent: manifest.name, status: status)
        report.message = message
        return report
    }
}
