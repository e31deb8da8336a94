import Dispatch
import Foundation
import Synchronization
import NanosCompiler
import NanosKernel
import NanosManifest

/// JS agents: how fast one reaches its first syscall and what each extra one costs in
/// memory, next to spawning `node -e 0` in the same run.
public struct JSBenchResults: Sendable {
    /// Instantiate the compiled agent + run until its first syscall returns the run
    /// (the module is parsed once per process, as a fleet or server holds it).
    public var boot: Distribution
    /// The first agent of a freshly loaded image: a new instance, whose code WasmKit
    /// translates as it first runs (what a single `nanos run` pays).
    public var coldBoot: Distribution
    /// Parsing the agent's module, paid once per process per agent binary.
    public var parse: Distribution
    public var moduleBytes: Int
    public var spawnNode: Distribution?
    /// Agents alive at once in one process for the memory figure.
    public var agents: Int
    public var rssOneAgentBytes: Int
    public var rssAllAgentsBytes: Int

    public var rssPerExtraAgentBytes: Int {
        agents > 1 ? max(0, rssAllAgentsBytes - rssOneAgentBytes) / (agents - 1) : 0
    }

    func json() -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("boot", boot.json()), ("cold_boot", coldBoot.json()), ("module_parse", parse.json()),
            ("module_bytes", .int(Int64(moduleBytes))),
        ]
        if let spawnNode {
            members.append(("spawn_node_e_0", spawnNode.json()))
            members.append(("ratio_spawn_node_over_js_boot", .double(BenchResults.ratio(spawnNode.p50, boot.p50))))
        }
        members += [
            ("agents", .int(Int64(agents))),
            ("rss_one_agent_bytes", .int(Int64(rssOneAgentBytes))),
            ("rss_all_agents_bytes", .int(Int64(rssAllAgentsBytes))),
            ("rss_per_extra_agent_bytes", .int(Int64(rssPerExtraAgentBytes))),
        ]
        return .object(members)
    }

    func tableRows(_ row: (String, Distribution) -> String) -> [String] {
        var rows = [
            row("boot: JS agent (instantiate+1st call)", boot),
            row("boot: first JS agent of an image", coldBoot),
            row("JS agent module parse (once/process)", parse),
        ]
        if let spawnNode { rows.append(row("anchor: spawn node -e 0", spawnNode)) }
        return rows
    }

    func summaryLines() -> [String] {
        var lines: [String] = []
        if let spawnNode {
            lines.append(
                String(format: "spawn node -e 0 / JS agent boot: %.1f×", BenchResults.ratio(spawnNode.p50, boot.p50)))
        } else {
            lines.append("spawn node -e 0: node is not installed, no anchor")
        }
        lines.append(
            "RSS per extra JS agent (\(agents) alive in one process): \(rssPerExtraAgentBytes / 1024) KiB; "
                + "JS agent module \(moduleBytes / 1024) KiB")
        return lines
    }
}

extension Benchmarks {
    static let bootJS = """
        import { agent } from "nanos";
        agent.done("booted");
        """

    /// Logs once, which parks it in the host until every agent has logged, then ends.
    static let parkedJS = """
        import { agent } from "nanos";
        const scratch = [];
        for (let i = 0; i < 100; i++) scratch.push({ i, text: "agent state " + i });
        agent.log("parked " + scratch.length);
        agent.done("released");
        """

    static func measureJS(_ workspace: Workspace, compiler: GuestCompiler, runs: Int, agents: Int, spawnRuns: Int)
        throws
        -> JSBenchResults
    {
        let boot = try workspace.compile(compiler, name: "boot.js", source: bootJS)
        let bootBytes = try workspace.bytes(boot)
        let manifest = try workspace.manifest(binary: boot, maxSteps: 4, goal: "boot")

        var parseSamples: [Double] = []
        for _ in 0..<max(5, runs / 20) {
            let start = ContinuousClock.now
            _ = try Kernel.loadImage(bytes: bootBytes, source: "boot.js.wasm")
            parseSamples.append(nanoseconds(start.duration(to: .now)))
        }
        var coldSamples: [Double] = []
        for _ in 0..<5 {
            let fresh = try Kernel.loadImage(bytes: bootBytes, source: "boot.js.wasm")
            let start = ContinuousClock.now
            _ = try runChecked(manifest, image: fresh)
            coldSamples.append(nanoseconds(start.duration(to: .now)))
        }
        let image = try Kernel.loadImage(bytes: bootBytes, source: "boot.js.wasm")
        _ = try runChecked(manifest, image: image)
        var bootSamples: [Double] = []
        for _ in 0..<runs {
            let start = ContinuousClock.now
            let report = Kernel.run(manifest: manifest, image: image)
            bootSamples.append(nanoseconds(start.duration(to: .now)))
            guard report.status == .ok else { throw BenchError.agentFailed("boot.js", report) }
        }

        let parked = try workspace.compile(compiler, name: "parked.js", source: parkedJS)
        let parkedImage = try Kernel.loadImage(bytes: try workspace.bytes(parked), source: "parked.js.wasm")
        let parkedManifest = try workspace.manifest(binary: parked, maxSteps: 4, goal: "park")
        let one = try rssWithParkedAgents(1, manifest: parkedManifest, image: parkedImage)
        let all = try rssWithParkedAgents(agents, manifest: parkedManifest, image: parkedImage)

        let node = ["/usr/bin/node", "/usr/local/bin/node"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let spawnNode = try node.map { try measureSpawn([$0, "-e", "0"], runs: max(5, spawnRuns / 5)) }
        return JSBenchResults(
            boot: Distribution(bootSamples), coldBoot: Distribution(coldSamples), parse: Distribution(parseSamples),
            moduleBytes: bootBytes.count,
            spawnNode: spawnNode, agents: agents, rssOneAgentBytes: one, rssAllAgentsBytes: all)
    }

    /// Starts `count` agents on their own threads; each parks in its first `agent.log`
    /// until all are there, when the process's RSS is read; then all are released.
    static func rssWithParkedAgents(_ count: Int, manifest: Manifest, image: AgentImage) throws -> Int {
        let arrived = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let reports = ReportBox()
        let group = DispatchGroup()
        for _ in 0..<count {
            group.enter()
            Thread.detachNewThread {
                let options = RunOptions(logSink: { _, _ in
                    arrived.signal()
                    release.wait()
                })
                reports.append(Kernel.run(manifest: manifest, image: image, options: options))
                group.leave()
            }
        }
        for _ in 0..<count { arrived.wait() }
        let rss = RSSProbe.current()
        for _ in 0..<count { release.signal() }
        group.wait()
        if let failed = reports.all.first(where: { $0.status != .ok }) {
            throw BenchError.agentFailed("parked.js", failed)
        }
        return rss
    }
}

/// Reports gathered from agent threads.
final class ReportBox: Sendable {
    private let reports = Mutex<[RunReport]>([])

    func append(_ report: RunReport) { reports.withLock { $0.append(report) } }
    var all: [RunReport] { reports.withLock { $0 } }
}
