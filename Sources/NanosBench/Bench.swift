import Foundation
import NanosCompiler
import NanosKernel
import NanosStore
import NanosMCP
import NanosManifest

public struct BenchOptions: Sendable {
    public var bootRuns: Int
    public var syscallRuns: Int
    public var spawnRuns: Int
    /// Reads timed together as one sample, on both sides alike, so the two `clock.now`
    /// calls that bracket a sample in the guest weigh 1/N on each read.
    public var readsPerSample: Int
    public var jsBootRuns: Int
    /// JS agents alive at once for the per-agent memory figure.
    public var jsAgents: Int
    /// `mcp.call` round trips to the time server (0 skips the MCP figure).
    public var mcpCalls: Int

    public init(
        bootRuns: Int = 1000, syscallRuns: Int = 100_000, spawnRuns: Int = 100, readsPerSample: Int = 10,
        jsBootRuns: Int = 200, jsAgents: Int = 16, mcpCalls: Int = 2000
    ) {
        self.bootRuns = bootRuns
        self.syscallRuns = syscallRuns
        self.spawnRuns = spawnRuns
        self.readsPerSample = max(1, readsPerSample)
        self.jsBootRuns = max(1, jsBootRuns)
        self.jsAgents = max(2, jsAgents)
        self.mcpCalls = max(0, mcpCalls)
    }
}

public enum BenchError: Error, CustomStringConvertible {
    case setup(String)
    case agentFailed(String, RunReport)

    public var description: String {
        switch self {
        case .setup(let message): return "benchmark set-up failed: \(message)"
        case .agentFailed(let name, let report):
            return "benchmark agent \(name) ended \(report.status.rawValue): \(report.message ?? "")"
        }
    }
}

/// Distribution of one measurement, in nanoseconds.
public struct Distribution: Sendable {
    public let samples: Int
    public let p50: Double
    public let p99: Double

    public init(_ values: [Double]) {
        let sorted = values.sorted()
        samples = sorted.count
        p50 = Distribution.percentile(sorted, 0.50)
        p99 = Distribution.percentile(sorted, 0.99)
    }

    static func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let index = min(sorted.count - 1, Int((Double(sorted.count - 1) * fraction).rounded()))
        return sorted[index]
    }

    func json() -> JSONValue {
        .object([
            ("samples", .int(Int64(samples))), ("p50_ns", .double(p50.rounded())), ("p99_ns", .double(p99.rounded())),
        ])
    }
}

public struct BenchResults: Sendable {
    public var bootC: Distribution
    public var bootSwift: Distribution
    public var spawnTrue: Distribution
    public var spawnPython: Distribution
    public var clockNow: Distribution
    public var fsRead64: Distribution
    /// `fs_read_into`: the same read, into the guest's own buffer (no call back into it).
    public var fsReadInto64: Distribution
    public var fsReadInto64K: Distribution
    public var hostRead64: Distribution
    public var hostRead64K: Distribution
    /// The host's 64 KiB read plus one copy of the bytes kept aside: the least a read that
    /// is recorded (every byte kept for replay) can cost, without the sandbox.
    public var hostRead64KKept: Distribution
    /// The same guests recorded into a trace store, as `nanos run` does by default.
    public var clockNowRecorded: Distribution
    public var fsRead64Recorded: Distribution
    /// The store's growth per step over a 1,000-step run (clock.now and fs.read of 64 B).
    public var storeBytesPerStep: Double
    /// Reads per timed sample in `fsRead64` and `hostRead64` (each sample is the batch's mean).
    public var readsPerSample: Int
    public var rssWithOneAgentBytes: Int
    public var js: JSBenchResults
    /// Nil when the MCP figure was skipped; `mcpSkipped` then says why.
    public var mcp: MCPBenchResults?
    public var mcpSkipped: String?

    public func json() -> JSONValue {
        .object([
            (
                "boot",
                .object([
                    ("c_agent", bootC.json()), ("swift_agent", bootSwift.json()),
                    ("spawn_bin_true", spawnTrue.json()), ("spawn_python3", spawnPython.json()),
                    ("ratio_spawn_true_over_c_agent", .double(ratio(spawnTrue.p50, bootC.p50))),
                    ("ratio_spawn_python_over_c_agent", .double(ratio(spawnPython.p50, bootC.p50))),
                ])
            ),
            (
                "syscall",
                .object([
                    ("clock_now", clockNow.json()), ("fs_read_64b", fsRead64.json()),
                    ("fs_read_into_64b", fsReadInto64.json()), ("fs_read_into_64kib", fsReadInto64K.json()),
                    ("host_read_64b", hostRead64.json()), ("host_read_64kib", hostRead64K.json()),
                    ("host_read_64kib_kept", hostRead64KKept.json()),
                    ("clock_now_recorded", clockNowRecorded.json()), ("fs_read_64b_recorded", fsRead64Recorded.json()),
                    ("ratio_clock_now_recorded_over_not", .double(ratio(clockNowRecorded.p50, clockNow.p50))),
                    ("ratio_fs_read_recorded_over_not", .double(ratio(fsRead64Recorded.p50, fsRead64.p50))),
                    ("store_bytes_per_step", .double(storeBytesPerStep)),
                    ("reads_per_sample", .int(Int64(readsPerSample))),
                    ("ratio_fs_read_over_host_read", .double(ratio(fsRead64.p50, hostRead64.p50))),
                    ("ratio_fs_read_into_over_host_read_64b", .double(ratio(fsReadInto64.p50, hostRead64.p50))),
                    ("ratio_fs_read_into_over_host_read_64kib", .double(ratio(fsReadInto64K.p50, hostRead64K.p50))),
                    (
                        "ratio_fs_read_into_over_host_read_kept_64kib",
                        .double(ratio(fsReadInto64K.p50, hostRead64KKept.p50))
                    ),
                ])
            ),
            ("rss_with_one_agent_bytes", .int(Int64(rssWithOneAgentBytes))),
            ("js", js.json()),
            ("mcp", mcp.map { $0.json(clockNow: clockNow) } ?? .object([("skipped", .string(mcpSkipped ?? ""))])),
        ])
    }

    public func table() -> String {
        func row(_ name: String, _ distribution: Distribution) -> String {
            name.padding(toLength: 40, withPad: " ", startingAt: 0)
                + format(distribution.p50).padding(toLength: 14, withPad: " ", startingAt: 0)
                + format(distribution.p99).padding(toLength: 14, withPad: " ", startingAt: 0)
                + "n=\(distribution.samples)"
        }
        return
            ([
                "measurement".padding(toLength: 40, withPad: " ", startingAt: 0) + "p50           p99",
                row("boot: C agent (parse+instantiate+1st call)", bootC),
                row("boot: Swift agent", bootSwift),
                row("anchor: spawn /bin/true", spawnTrue),
                row("anchor: spawn python3 -c pass", spawnPython),
                row("syscall: clock.now round trip", clockNow),
                row("  the same, recorded", clockNowRecorded),
                row("syscall: fs.read 64 B round trip", fsRead64),
                row("  the same, recorded", fsRead64Recorded),
                row("syscall: fs.read_into 64 B", fsReadInto64),
                row("anchor: host open+read+close 64 B", hostRead64),
                row("syscall: fs.read_into 64 KiB", fsReadInto64K),
                row("anchor: host open+read+close 64 KiB", hostRead64K),
                row("anchor: the same + 1 copy kept", hostRead64KKept),
            ] + (mcp.map { [row("mcp.call round trip (time server)", $0.call)] } ?? []) + js.tableRows(row) + [
                "(fs.read and host read: each sample is the mean of \(readsPerSample) reads timed together)",
                "",
                String(format: "spawn /bin/true / C agent boot: %.1f×", ratio(spawnTrue.p50, bootC.p50)),
                String(format: "spawn python3 / C agent boot:   %.1f×", ratio(spawnPython.p50, bootC.p50)),
                String(format: "fs.read / host read:            %.2f×", ratio(fsRead64.p50, hostRead64.p50)),
                String(
                    format: "recorded / not: clock.now %.2f×, fs.read %.2f×", ratio(clockNowRecorded.p50, clockNow.p50),
                    ratio(fsRead64Recorded.p50, fsRead64.p50)),
                String(format: "trace store bytes per step:     %.0f", storeBytesPerStep),
                String(format: "fs.read_into / host, 64 B:      %.2f×", ratio(fsReadInto64.p50, hostRead64.p50)),
                String(format: "fs.read_into / host, 64 KiB:    %.2f×", ratio(fsReadInto64K.p50, hostRead64K.p50)),
                String(
                    format: "  / host + 1 copy kept:         %.2f×", ratio(fsReadInto64K.p50, hostRead64KKept.p50)),
                mcp.map {
                    String(
                        format: "mcp.call / clock.now:           %.0f× (%@)", ratio($0.call.p50, clockNow.p50),
                        $0.server)
                }
                    ?? "mcp.call: skipped (\(mcpSkipped ?? ""))",
                "RSS with one agent (no model):   \(rssWithOneAgentBytes / 1024) KiB",
            ] + js.summaryLines()).joined(separator: "\n")
    }

    func format(_ nanoseconds: Double) -> String {
        if nanoseconds < 10_000 { return String(format: "%.0f ns", nanoseconds) }
        if nanoseconds < 10_000_000 { return String(format: "%.1f µs", nanoseconds / 1000) }
        return String(format: "%.1f ms", nanoseconds / 1_000_000)
    }

    func ratio(_ numerator: Double, _ denominator: Double) -> Double {
        BenchResults.ratio(numerator, denominator)
    }

    static func ratio(_ numerator: Double, _ denominator: Double) -> Double {
        denominator > 0 ? (numerator / denominator * 100).rounded() / 100 : .nan
    }
}

/// `nanos bench`: boot, syscall round trips and RSS, each next to a real alternative
/// measured in the same run.
public enum Benchmarks {
    public static func run(options: BenchOptions) throws -> BenchResults {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let compiler = try GuestCompiler()

        let bootC = try workspace.compile(compiler, name: "boot.c", source: GuestSources.bootC)
        let bootSwift = try workspace.compile(compiler, name: "boot.swift", source: GuestSources.bootSwift)
        let syscalls = try workspace.compile(compiler, name: "syscalls.c", source: GuestSources.syscallsC)
        try Data(repeating: UInt8(ascii: "x"), count: 64).write(
            to: URL(fileURLWithPath: workspace.path + "/data64.bin"))
        try Data(repeating: UInt8(ascii: "y"), count: 65536).write(
            to: URL(fileURLWithPath: workspace.path + "/data64k.bin"))

        let bootManifest = try workspace.manifest(binary: bootC, maxSteps: 4, goal: "boot")
        let bootSwiftManifest = try workspace.manifest(binary: bootSwift, maxSteps: 4, goal: "boot")

        // RSS with one agent: sampled by the log sink while the agent is inside a syscall.
        let rss = RSSProbe()
        _ = try runChecked(
            bootManifest, bytes: try workspace.bytes(bootC), options: RunOptions(logSink: { _, _ in rss.sample() }))

        let bootCResult = try measureBoot(bootManifest, bytes: try workspace.bytes(bootC), runs: options.bootRuns)
        let bootSwiftResult = try measureBoot(
            bootSwiftManifest, bytes: try workspace.bytes(bootSwift), runs: options.bootRuns)
        let spawnTrue = try measureSpawn(["/bin/true"], runs: options.spawnRuns)
        let spawnPython = try measureSpawn([pythonPath(), "-c", "pass"], runs: max(10, options.spawnRuns / 4))

        // Interleave the sandboxed and the direct reads in rounds, so that both see the
        // same machine noise; each distribution pools all rounds.
        let rounds = 10
        let perRound = max(1, options.syscallRuns / rounds)
        let batch = options.readsPerSample
        let readSamplesPerRound = max(1, perRound / batch)
        var clockSamples: [Double] = []
        var readSamples: [Double] = []
        var intoSamples: [Double] = []
        var bigIntoSamples: [Double] = []
        var hostSamples: [Double] = []
        var bigHostSamples: [Double] = []
        var keptHostSamples: [Double] = []
        var clockRecordedSamples: [Double] = []
        var readRecordedSamples: [Double] = []
        let store = try TraceStore(path: workspace.path + "/runs.db")
        var mcpSamples: [Double] = []
        // The MCP rounds share one time server: this session holds it between the agents'
        // runs (as agents alive at once would), so each round measures calls, not a start.
        let mcpSkipped = options.mcpCalls == 0 ? "--mcp-calls 0" : timeServerMissing()
        let mcpPerRound = max(1, options.mcpCalls / rounds)
        let mcpManifest = try mcpManifest(workspace, binary: syscalls, samples: mcpPerRound, output: "deltas-mcp.bin")
        let mcpHolder = MCPSession(servers: mcpSkipped == nil ? mcpManifest.mcpServers : [])
        defer { mcpHolder.close() }
        for _ in 0..<rounds {
            clockSamples += try measureSyscalls(workspace, syscalls, mode: "clock", samples: perRound, batch: 1)
            readSamples += try measureSyscalls(
                workspace, syscalls, mode: "read", samples: readSamplesPerRound, batch: batch)
            clockRecordedSamples += try measureSyscalls(
                workspace, syscalls, mode: "clock", samples: perRound, batch: 1, recordingInto: store)
            readRecordedSamples += try measureSyscalls(
                workspace, syscalls, mode: "read", samples: readSamplesPerRound, batch: batch, recordingInto: store)
            intoSamples += try measureSyscalls(
                workspace, syscalls, mode: "into", samples: readSamplesPerRound, batch: batch)
            hostSamples += measureHostRead(
                workspace.path + "/data64.bin", bytes: 64, samples: readSamplesPerRound, batch: batch)
            bigIntoSamples += try measureSyscalls(
                workspace, syscalls, mode: "big", samples: readSamplesPerRound, batch: batch)
            bigHostSamples += measureHostRead(
                workspace.path + "/data64k.bin", bytes: 65536, samples: readSamplesPerRound, batch: batch)
            keptHostSamples += measureHostRead(
                workspace.path + "/data64k.bin", bytes: 65536, samples: readSamplesPerRound, batch: batch,
                keepingCopy: true)
            if mcpSkipped == nil {
                mcpSamples += try measureSyscalls(
                    workspace, syscalls, manifest: mcpManifest, output: "deltas-mcp.bin", batch: 1)
            }
        }
        let clock = Distribution(clockSamples)
        let storeBytesPerStep = try measureStoreBytesPerStep(workspace, syscalls)
        let read = Distribution(readSamples)
        let host = Distribution(hostSamples)
        let js = try measureJS(
            workspace, compiler: compiler, runs: options.jsBootRuns, agents: options.jsAgents,
            spawnRuns: options.spawnRuns)

        return BenchResults(
            bootC: bootCResult, bootSwift: bootSwiftResult, spawnTrue: spawnTrue, spawnPython: spawnPython,
            clockNow: clock, fsRead64: read, fsReadInto64: Distribution(intoSamples),
            fsReadInto64K: Distribution(bigIntoSamples), hostRead64: host, hostRead64K: Distribution(bigHostSamples),
            hostRead64KKept: Distribution(keptHostSamples),
            clockNowRecorded: Distribution(clockRecordedSamples), fsRead64Recorded: Distribution(readRecordedSamples),
            storeBytesPerStep: storeBytesPerStep,
            readsPerSample: batch, rssWithOneAgentBytes: rss.peak,
            js: js,
            mcp: mcpSkipped == nil
                ? MCPBenchResults(
                    call: Distribution(mcpSamples),
                    server: "mcp-server-time \(ServerCommand.timeServerVersion), tools/call get_current_time")
                : nil,
            mcpSkipped: mcpSkipped)
    }

    /// A checked run, recorded into `store` when one is given; returns the report and the run's id.
    @discardableResult
    static func recordedRun(_ manifest: Manifest, bytes: [UInt8], store: TraceStore?) throws -> (RunReport, String?) {
        guard let store else { return (try runChecked(manifest, bytes: bytes), nil) }
        let image = try Kernel.loadImage(bytes: bytes, source: manifest.binary ?? "guest.wasm")
        let info = RunInfo(
            id: RunInfo.newID(), agent: manifest.name, manifestPath: manifest.sourcePath ?? "", manifestText: "",
            modulePath: image.source, moduleHash: image.digest)
        let recorder = try store.begin(info)
        var options = RunOptions()
        options.recording.recorder = recorder
        let report = try runChecked(manifest, image: image, options: options)
        try recorder.finish(report)
        return (report, info.id)
    }

    static func runChecked(_ manifest: Manifest, bytes: [UInt8], options: RunOptions = RunOptions()) throws -> RunReport
    {
        try runChecked(
            manifest, image: try Kernel.loadImage(bytes: bytes, source: manifest.binary ?? "guest.wasm"),
            options: options)
    }

    static func runChecked(_ manifest: Manifest, image: AgentImage, options: RunOptions = RunOptions()) throws
        -> RunReport
    {
        let report = Kernel.run(manifest: manifest, image: image, options: options)
        guard report.status == .ok else { throw BenchError.agentFailed(manifest.binary ?? "", report) }
        return report
    }

    /// Boot = parse the module + set up grants + instantiate + run until the guest's
    /// first syscall (`agent.done`) returns the run.
    static func measureBoot(_ manifest: Manifest, bytes: [UInt8], runs: Int) throws -> Distribution {
        _ = try runChecked(manifest, bytes: bytes)
        var samples: [Double] = []
        samples.reserveCapacity(runs)
        for _ in 0..<runs {
            let start = ContinuousClock.now
            let image = try Kernel.loadImage(bytes: bytes, source: "boot.wasm")
            let report = Kernel.run(manifest: manifest, image: image)
            let elapsed = start.duration(to: .now)
            guard report.status == .ok else { throw BenchError.agentFailed("boot", report) }
            samples.append(nanoseconds(elapsed))
        }
        return Distribution(samples)
    }

    /// The guest brackets `batch` calls with `clock.now` and writes the deltas to a file;
    /// a sample is the delta divided by `batch`. With `batch` 1 in clock mode, a sample is
    /// one full guest → host → guest round trip.
    static func measureSyscalls(
        _ workspace: Workspace, _ binary: String, mode: String, samples: Int, batch: Int,
        recordingInto store: TraceStore? = nil
    ) throws -> [Double] {
        let output = "deltas-\(mode).bin"
        let manifest = try workspace.manifest(
            binary: binary, maxSteps: samples * (batch + 2) + 16, goal: "\(mode) \(samples) \(batch) \(output)",
            read: ["data64.bin", "data64k.bin"], write: [output])
        return try measureSyscalls(
            workspace, binary, manifest: manifest, output: output, batch: batch, recordingInto: store)
    }

    /// Runs the syscall guest under `manifest` and reads back the deltas it wrote to `output`;
    /// with `store`, the run is recorded into it as `nanos run` records.
    static func measureSyscalls(
        _ workspace: Workspace, _ binary: String, manifest: Manifest, output: String, batch: Int,
        recordingInto store: TraceStore? = nil
    ) throws -> [Double] {
        _ = try recordedRun(manifest, bytes: try workspace.bytes(binary), store: store)
        let data = try Data(contentsOf: URL(fileURLWithPath: workspace.path + "/" + output))
        var deltas: [Double] = []
        deltas.reserveCapacity(data.count / 8)
        data.withUnsafeBytes { raw in
            for offset in stride(from: 0, to: raw.count - 7, by: 8) {
                deltas.append(
                    Double(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int64.self)))
                        / Double(batch))
            }
        }
        return deltas
    }

    /// The same batches as the guest's: `batch` open + read + close of `bytes`, timed together.
    /// The store's growth per step: a 1,000-step run (500 × clock.now pairs, then 500 ×
    /// fs.read of 64 B) recorded into a fresh store, its size after minus before.
    static func measureStoreBytesPerStep(_ workspace: Workspace, _ syscalls: String) throws -> Double {
        let store = try TraceStore(path: workspace.path + "/steps.db")
        try store.checkpoint()
        let before = store.sizeBytes
        var steps = 0
        for (mode, samples, batch) in [("clock", 250, 1), ("read", 50, 10)] {
            let output = "deltas-size-\(mode).bin"
            let manifest = try workspace.manifest(
                binary: syscalls, maxSteps: 2_000, goal: "\(mode) \(samples) \(batch) \(output)",
                read: ["data64.bin"], write: [output])
            let (report, _) = try recordedRun(manifest, bytes: try workspace.bytes(syscalls), store: store)
            steps += report.steps.count
        }
        try store.checkpoint()
        return Double(store.sizeBytes - before) / Double(max(1, steps))
    }

    /// The host's own open+read+close of `path`; with `keepingCopy`, each read's bytes are
    /// also copied aside, as a recorder keeps them.
    static func measureHostRead(
        _ path: String, bytes: Int, samples count: Int, batch: Int, keepingCopy: Bool = false
    ) -> [Double] {
        var samples: [Double] = []
        samples.reserveCapacity(count)
        var buffer = [UInt8](repeating: 0, count: bytes)
        var kept = [UInt8](repeating: 0, count: bytes)
        for _ in 0..<count {
            let start = ContinuousClock.now
            for _ in 0..<batch {
                let fd = open(path, O_RDONLY | O_CLOEXEC)
                if fd >= 0 {
                    let got = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, bytes) }
                    close(fd)
                    if keepingCopy, got > 0 {
                        kept.withUnsafeMutableBytes { destination in
                            buffer.withUnsafeBytes {
                                destination.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0.prefix(got)))
                            }
                        }
                    }
                }
            }
            let elapsed = start.duration(to: .now)
            samples.append(nanoseconds(elapsed) / Double(batch))
        }
        return samples
    }

    /// A duration in nanoseconds, with the fraction, for the distributions.
    static func nanoseconds(_ duration: Duration) -> Double {
        Double(duration.nanosecondCount)
    }

    /// Debian's interpreter when present: a version-manager shim in front of `python3`
    /// would add a shell start to the anchor.
    static func pythonPath() -> String {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") ? "/usr/bin/python3" : "python3"
    }

    /// Spawns with posix_spawn and waits: the cheapest way to start a process, so the
    /// anchor is as fair to the alternative as it can be.
    static func measureSpawn(_ command: [String], runs: Int) throws -> Distribution {
        var samples: [Double] = []
        let arguments = command.map { strdup($0) } + [nil]
        defer { for argument in arguments { free(argument) } }
        for _ in 0..<runs {
            let start = ContinuousClock.now
            var pid: pid_t = 0
            let rc = posix_spawnp(&pid, command[0], nil, nil, arguments, environ)
            guard rc == 0 else {
                throw BenchError.setup(
                    "cannot spawn \(command.joined(separator: " ")): \(String(cString: strerror(rc)))")
            }
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            let elapsed = start.duration(to: .now)
            samples.append(nanoseconds(elapsed))
        }
        return Distribution(samples)
    }
}

/// Samples this process's resident set size (Linux /proc).
final class RSSProbe: @unchecked Sendable {
    // @unchecked: written only from the agent's thread during a run, read after it.
    private(set) var peak = 0

    func sample() {
        peak = max(peak, RSSProbe.current())
    }

    static func current() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let kilobytes = line.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
            return kilobytes * 1024
        }
        return 0
    }
}

/// A private temp folder holding the benchmark guests, data and manifests.
struct Workspace {
    let path: String

    init() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("nanos-bench-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        } catch {
            throw BenchError.setup("cannot create \(base.path): \(error)")
        }
        path = base.resolvingSymlinksInPath().path
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }

    func compile(_ compiler: GuestCompiler, name: String, source: String) throws -> String {
        let input = path + "/" + name
        let output = input + ".wasm"
        try source.write(toFile: input, atomically: true, encoding: .utf8)
        _ = try compiler.compile(CompileRequest(input: input, output: output, optimize: true))
        return output
    }

    func bytes(_ file: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: file)))
    }

    /// `extra` is YAML appended at the top level (such as `mcp_servers:`).
    func manifest(
        binary: String, maxSteps: Int, goal: String, read: [String] = [], write: [String] = [], extra: String = ""
    ) throws -> Manifest {
        func list(_ items: [String]) -> String { "[" + items.map { "\"\($0)\"" }.joined(separator: ", ") + "]" }
        let yaml = """
            name: bench
            binary: \(binary)
            goal: "\(goal)"
            resources:
              memory: 64MB
              max_steps: \(maxSteps)
            permissions:
              fs_read: \(list(read))
              fs_write: \(list(write))
            \(extra)
            """
        return try Manifest.parse(yaml: yaml, directory: path, sourcePath: nil)
    }
}

/// The benchmark guests, compiled at bench time with `nanos compile`'s own driver.
enum GuestSources {
    static let bootC = """
        #include "nanos.h"
        NANOS_ENTRY int run(void) {
            nanos_log(NANOS_LOG_INFO, "booted");
            nanos_done("booted");
            return 0;
        }
        """

    static let bootSwift = """
        @_expose(wasm, "run")
        @_cdecl("run")
        func run() -> Int32 {
            Nanos.log("booted")
            Nanos.done("booted")
        }
        """

    /// `goal` = "<clock|read|into|big|mcp> <samples> <batch> <output file>": writes `samples` deltas,
    /// each the time of `batch` calls bracketed by two `clock.now` calls (in clock mode,
    /// one pair of back-to-back `clock.now` calls; read is `fs_read` of 64 B through
    /// `nanos_alloc`, into and big are `fs_read_into` of 64 B and 64 KiB into the guest's
    /// buffer; in mcp mode, `mcp.call` of the time server's get_current_time, after one
    /// untimed call that warms the server up).
    ///
    /// The guest hands the host one reused buffer as its `nanos_alloc` (as a tight loop
    /// would), so the figure is the syscall's cost, not the guest's malloc/free.
    static let syscallsC = """
        #define NANOS_NO_ALLOC
        #include "nanos.h"
        static char scratch[1 << 17];
        __attribute__((export_name("nanos_alloc")))
        void * nanos_alloc(int32_t size) {
            if (size < 0 || size >= (int32_t)sizeof(scratch)) return NULL;
            scratch[size] = 0;
            return scratch;
        }
        static int parse_int(const char *s) { int n = 0; while (*s >= '0' && *s <= '9') n = n * 10 + (*s++ - '0'); return n; }
        NANOS_ENTRY int run(void) {
            char goal[256];
            int64_t raw = nanos_sys_agent_goal();
            int32_t len = (int32_t)(raw >> 32);
            if (raw <= 0 || len >= (int32_t)sizeof(goal)) return 2;
            memcpy(goal, scratch, (size_t)len);
            goal[len] = 0;
            /* goal: "<c|r>... <samples> <batch> <file>" */
            char *space = strchr(goal, ' ');
            if (!space) return 2;
            int count = parse_int(space + 1);
            char *batchText = strchr(space + 1, ' ');
            if (!batchText) return 2;
            int batch = parse_int(batchText + 1);
            char *out = strchr(batchText + 1, ' ');
            if (count <= 0 || batch <= 0 || !out) return 2;
            out++;
            int64_t *deltas = malloc(sizeof(int64_t) * (size_t)count);
            if (!deltas) return 3;
            int reading = goal[0] == 'r', calling = goal[0] == 'm', into = goal[0] == 'i', big = goal[0] == 'b';
            static const char args[] = "{\\"timezone\\":\\"UTC\\"}";
            if (calling && nanos_sys_mcp_call("time", 4, "get_current_time", 16, args, sizeof args - 1) < 0) return 6;
            for (int i = 0; i < count; i++) {
                int64_t start = nanos_clock_now();
                if (reading) {
                    for (int j = 0; j < batch; j++) {
                        int64_t r = nanos_sys_fs_read("data64.bin", 10);
                        if ((r >> 32) != 64) return 4;
                    }
                } else if (into || big) {
                    const char *file = big ? "data64k.bin" : "data64.bin";
                    int64_t expected = big ? 65536 : 64;
                    for (int j = 0; j < batch; j++) {
                        if (nanos_sys_fs_read_into(file, big ? 11 : 10, scratch, (int32_t)sizeof scratch) != expected) return 4;
                    }
                } else if (calling) {
                    for (int j = 0; j < batch; j++) {
                        if (nanos_sys_mcp_call("time", 4, "get_current_time", 16, args, sizeof args - 1) < 0) return 6;
                    }
                }
                deltas[i] = nanos_clock_now() - start;
            }
            int rc = nanos_fs_write(out, deltas, sizeof(int64_t) * (size_t)count);
            if (rc != 0) return 5;
            nanos_done("measured");
            return 0;
        }
        """
}
