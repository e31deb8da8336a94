import Foundation
import Logging
@_exported import NanosCore
import NanosCompiler
import NanosFS
import NanosLLM
import NanosManifest

/// How a front end wants a run wired up.
public struct RunOptions: Sendable {
    public var logSink: LogSink
    /// Overrides the model chosen from the manifest (tests, shared engines).
    public var model: (any LanguageModel)?
    /// The binary to run when the manifest has no `binary:` (the front end finds the
    /// default agent; the kernel does not look for files of its own).
    public var defaultAgent: String?
    /// A record that answers the run's calls (replay, fork, resume), and the store its
    /// steps go to. A run answered wholly from a record gets no services at all: it can
    /// make no model call, tool call, request or file access.
    public var recording: RunRecording
    /// The fleet's bus, when the agent is one of a fleet (the manifest's name is its
    /// name on the bus); nil for a single run, which has no peers.
    public var bus: (any MessageBus)?

    public init(
        logSink: @escaping LogSink = { _, _ in }, model: (any LanguageModel)? = nil, defaultAgent: String? = nil,
        recording: RunRecording = RunRecording(), bus: (any MessageBus)? = nil
    ) {
        self.logSink = logSink
        self.model = model
        self.defaultAgent = defaultAgent
        self.recording = recording
        self.bus = bus
    }
}

/// The kernel: the core with the standard services plugged in (files, llm, mcp, net,
/// bus, clock, random, notes). Every front end starts agents through it.
public enum Kernel {
    static let logger = Logger(label: "nanos.kernel")

    /// Loads and validates an agent binary: `.wasm`, or `.wat` text compiled by the
    /// compiler's WAT front end. Images are kept per file until the file changes.
    public static func loadImage(path: String) throws(ImageError) -> AgentImage {
        guard path.hasSuffix(".wat") else { return try AgentImage.load(path: path) }
        return try AgentImage.load(path: path, limit: WATSource.maxTextBytes) { text throws(ImageError) in
            try watToWasm(text, source: path)
        }
    }

    /// An image from module bytes, or WAT text when `source` ends in `.wat`.
    public static func loadImage(bytes: [UInt8], source: String) throws(ImageError) -> AgentImage {
        try AgentImage(wasm: source.hasSuffix(".wat") ? try watToWasm(bytes, source: source) : bytes, source: source)
    }

    private static func watToWasm(_ text: [UInt8], source: String) throws(ImageError) -> [UInt8] {
        do {
            return try WATSource.compile(text)
        } catch {
            throw .invalidModule(path: source, reason: error.description)
        }
    }

    /// Runs the agent a manifest describes. Never throws: a binary that cannot be loaded
    /// or a grant that cannot be set up is a report with the reason.
    public static func run(manifest: Manifest, options: RunOptions = RunOptions()) -> RunReport {
        // Loading counts against the run's deadline: a module is the agent's input too.
        let started = ContinuousClock.now
        guard let binary = manifest.binary ?? options.defaultAgent else {
            return Core.failedReport(
                manifest, "the manifest has no `binary:` and no default agent was found", status: .invalidModule)
        }
        do throws(ImageError) {
            return run(manifest: manifest, image: try loadImage(path: binary), options: options, started: started)
        } catch {
            return Core.failedReport(manifest, error.description, status: .invalidModule)
        }
    }

    public static func run(manifest: Manifest, image: AgentImage, options: RunOptions = RunOptions()) -> RunReport {
        run(manifest: manifest, image: image, options: options, started: .now)
    }

    static func run(manifest: Manifest, image: AgentImage, options: RunOptions, started: ContinuousClock.Instant)
        -> RunReport
    {
        let files: SandboxedFileSystem
        do {
            files = SandboxedFileSystem(
                grants: try PathGrants(
                    read: manifest.permissions.fsRead, write: manifest.permissions.fsWrite,
                    baseDirectory: manifest.directory, readsHardlinks: manifest.permissions.readsHardlinks))
        } catch {
            return Core.failedReport(manifest, "permissions: \(error)")
        }
        let services: ServiceFactory
        if let script = options.recording.script, !script.goesLive {
            services = { _ in [] }
        } else {
            services = standardServices(
                files: files, model: options.model ?? LanguageModels.make(for: manifest.model), bus: options.bus)
        }
        logger.debug("starting agent", metadata: ["agent": "\(manifest.name)", "binary": "\(image.source)"])
        let report = Core.run(
            manifest: manifest, image: image, services: services, recording: options.recording,
            logSink: options.logSink, started: started)
        logger.debug(
            "agent ended",
            metadata: [
                "agent": "\(manifest.name)", "status": "\(report.status.rawValue)", "steps": "\(report.steps.count)",
            ])
        return report
    }

    /// The services every run gets; each answers only what the manifest's policy lets through.
    static func standardServices(files: SandboxedFileSystem, model: any LanguageModel, bus: (any MessageBus)?)
        -> ServiceFactory
    {
        { context in
            [
                FileService(files: files), LLMService(model: model, context: context), MCPService(context: context),
                NetService(context: context), BusService(bus: bus, context: context), ClockService(), RandomService(),
                NotesService(),
            ]
        }
    }
}
