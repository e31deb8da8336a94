import Foundation
import NanosCore
import NanosManifest
import WAT

/// A temporary agent folder: files, a manifest, and a WAT guest run through the core with
/// the services a test gives (the kernel's tests run it through the kernel instead).
public final class AgentFixture {
    public let directory: String

    public init() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("nanos-kernel-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        directory = url.resolvingSymlinksInPath().path
    }

    deinit {
        try? FileManager.default.removeItem(atPath: directory)
    }

    public func write(_ relativePath: String, _ text: String) throws {
        let url = URL(fileURLWithPath: directory + "/" + relativePath)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    public func read(_ relativePath: String) throws -> String {
        try String(contentsOfFile: directory + "/" + relativePath, encoding: .utf8)
    }

    public func manifest(_ body: String) throws -> Manifest {
        try Manifest.parse(yaml: body, directory: directory, sourcePath: directory + "/agent.nano")
    }

    /// Runs `wat` under the manifest text, collecting the agent's log lines.
    public func run(
        wat: String, manifest text: String, services: @escaping ServiceFactory
    ) throws -> (report: RunReport, log: [String]) {
        let log = LogCollector()
        let image = try AgentImage(wasm: try wat2wasm(wat), source: "guest.wat")
        let report = Core.run(
            manifest: try manifest(text), image: image, services: services, logSink: { _, line in log.append(line) })
        return (report, log.lines)
    }
}

public final class LogCollector: @unchecked Sendable {
    // @unchecked: the kernel calls the sink on the agent's thread only; tests read after the run.
    public private(set) var lines: [String] = []
    public init() {}
    public func append(_ line: String) { lines.append(line) }
}

/// A WAT module skeleton: exported memory, a bump `nanos_alloc`, the given imports, data and body.
public func guest(imports: String = "", data: String = "", body: String, locals: String = "") -> String {
    """
    (module
      \(imports)
      (memory (export "memory") 1)
      (global $heap (mut i32) (i32.const 8192))
      (func (export "nanos_alloc") (param $n i32) (result i32)
        (local $p i32)
        (local.set $p (global.get $heap))
        (global.set $heap (i32.add (global.get $heap) (local.get $n)))
        (local.get $p))
      \(data)
      (func (export "run") (result i32) \(locals)
        \(body))
    )
    """
}

/// The standard limits block most tests use.
public let basicResources = """
    resources:
      memory: 1MB
      max_steps: 100
      fuel: 100000000
      timeout: 10s
    """
