import Foundation
import Synchronization
import Logging
import NanosFS
import NanosLLM
import NanosManifest
import WAT
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
    public var durationNanoseconds: UInt64 = 0

    public init(agent: String, status: RunStatus) {
        self.agent = agent
        self.status = status
    }

    /// The report as JSON: status, exit code, summary, each step (name, ok, errno,
    /// latency and, for denials, the rule), fuel used and peak memory.
    public func json() -> JSONValue {
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
            ("duration_ms", .double((Double(durationNanoseconds) / 1e6 * 1000).rounded() / 1000)),
            ("steps", .array(steps.map { $0.jsonObject(includePayloads: false) })),
        ]
        return .object(members)
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
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .unreadable(path: path, reason: (error as NSError).localizedDescription)
        }
        return try loadImage(bytes: Array(data), source: path)
    }

    public static func loadImage(bytes: [UInt8], source: String) throws(KernelError) -> AgentImage {
        var wasm = bytes
        if source.hasSuffix(".wat") {
            do {
                wasm = try wat2wasm(String(decoding: bytes, as: UTF8.self))
            } catch {
                throw .invalidModule(path: source, reason: "\(error)")
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
        do throws(KernelError) {
            let binary: String
            if let configured = manifest.binary {
                binary = configured
            } else {
                binary = try DefaultAgent.locate()
            }
            return run(manifest: manifest, image: try loadImage(path: binary), options: options)
        } catch {
            return failedReport(manifest, error.description)
        }
    }

    public static func run(manifest: Manifest, image: AgentImage, options: RunOptions = RunOptions()) -> RunReport {
        let files: SandboxedFileSystem
        do {
            files = SandboxedFileSystem(
                grants: try PathGrants(
                    read: manifest.permissions.fsRead, write: manifest.permissions.fsWrite,
                    baseDirectory: manifest.directory))
        } catch {
            return failedReport(manifest, "permissions: \(error)")
        }
        let model = options.model ?? LanguageModels.make(for: manifest.model)
        logger.debug("starting agent", metadata: ["agent": "\(manifest.name)", "binary": "\(image.source)"])
        let report = Sandbox.execute(image: image, manifest: manifest, files: files, model: model, logSink: options.logSink)
        logger.debug(
            "agent ended",
            metadata: [
                "agent": "\(manifest.name)", "status": "\(report.status.rawValue)", "steps": "\(report.steps.count)",
            ])
        return report
    }

    static func failedReport(_ manifest: Manifest, _ message: String) -> RunReport {
        var report = RunReport(agent: manifest.name, status: .failed)
        report.message = message
        return report
    }
}
