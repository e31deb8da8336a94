import Foundation
import NanosCore
import NanosManifest
import WAT

/// A temporary agent folder: files, a manifest, and a WAT guest run through the core, with
/// the test services below plugged in.
final class AgentFixture {
    let directory: String

    init() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("nanos-kernel-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        directory = url.resolvingSymlinksInPath().path
    }

    deinit {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func write(_ relativePath: String, _ text: String) throws {
        let url = URL(fileURLWithPath: directory + "/" + relativePath)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    func read(_ relativePath: String) throws -> String {
        try String(contentsOfFile: directory + "/" + relativePath, encoding: .utf8)
    }

    func manifest(_ body: String) throws -> Manifest {
        try Manifest.parse(yaml: body, directory: directory, sourcePath: directory + "/agent.nano")
    }

    /// Runs `wat` under the manifest text, collecting the agent's log lines.
    func run(
        wat: String, manifest text: String, services: @escaping ServiceFactory = TestServices.standard
    ) throws -> (report: RunReport, log: [String]) {
        let log = LogCollector()
        let image = try AgentImage(wasm: try wat2wasm(wat), source: "guest.wat")
        let report = Core.run(
            manifest: try manifest(text), image: image, services: services, logSink: { _, line in log.append(line) })
        return (report, log.lines)
    }
}

final class LogCollector: @unchecked Sendable {
    // @unchecked: the kernel calls the sink on the agent's thread only; tests read after the run.
    private(set) var lines: [String] = []
    func append(_ line: String) { lines.append(line) }
}

/// A WAT module skeleton: exported memory, a bump `nanos_alloc`, the given imports, data and body.
func guest(imports: String = "", data: String = "", body: String, locals: String = "") -> String {
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
let basicResources = """
    resources:
      memory: 1MB
      max_steps: 100
      fuel: 100000000
      timeout: 10s
    """

/// Services for core tests: no sandboxing of their own (the core's policy still applies),
/// just enough to drive the run loop.
enum TestServices {
    static let standard: ServiceFactory = { context in [Files(directory: context.manifest.directory), Clock()] }

    /// `fs_read` of a file in the agent's folder.
    final class Files: Service {
        let directory: String
        init(directory: String) { self.directory = directory }

        var handlers: [String: SyscallHandler] {
            [
                "fs_read": { [directory] arguments in
                    let path = directory + "/" + String(decoding: arguments.bytes(0), as: UTF8.self)
                    guard let data = FileManager.default.contents(atPath: path) else {
                        return .failure(SyscallFailure(.ENOENT, "no such file"))
                    }
                    return .data(Array(data))
                }
            ]
        }
    }

    /// `clock_now`, counting up from 1.
    final class Clock: Service {
        private var now: Int64 = 0
        var handlers: [String: SyscallHandler] {
            [
                "clock_now": { _ in
                    self.now += 1
                    return .value(self.now)
                }
            ]
        }
    }

    /// Answers `name` with `outcome`, whatever the arguments.
    final class Fixed: Service {
        let name: String
        let outcome: SyscallOutcome
        init(_ name: String, _ outcome: SyscallOutcome) {
            self.name = name
            self.outcome = outcome
        }
        var handlers: [String: SyscallHandler] { [name: { [outcome] _ in outcome }] }
    }
}
