import Foundation
import NanosKernel
import NanosManifest
import NanosStore

/// `nanos bench --replay MANIFEST`: the agent run live once (recorded into a scratch store),
/// then replayed from its record `repetitions` times; replay time against live time.
public struct ReplayBenchResults: Sendable {
    public var agent: String
    public var steps: Int
    public var liveNanoseconds: Double
    public var replay: Distribution

    public func json() -> JSONValue {
        .object([
            ("agent", .string(agent)), ("steps", .int(Int64(steps))), ("live_ns", .double(liveNanoseconds)),
            ("replay", replay.json()), ("ratio_live_over_replay", .double(liveNanoseconds / max(1, replay.p50))),
        ])
    }

    public func table() -> String {
        [
            "agent \(agent): \(steps) steps",
            String(format: "live run:        %10.1f ms", liveNanoseconds / 1e6),
            String(
                format: "replay p50:      %10.3f ms (p99 %.3f ms, n=%d)", replay.p50 / 1e6, replay.p99 / 1e6,
                replay.samples),
            String(format: "live / replay:   %10.0f×", liveNanoseconds / max(1, replay.p50)),
        ].joined(separator: "\n")
    }
}

extension Benchmarks {
    public static func runReplay(manifestPath: String, defaultAgent: String?, repetitions: Int) throws
        -> ReplayBenchResults
    {
        let (manifest, text, absolute) = try Manifest.read(path: manifestPath)
        let folder = NSTemporaryDirectory() + "nanos-replay-bench-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try TraceStore(path: folder + "/runs.db")
        let started = ContinuousClock.now
        let live = Kernel.recordedRun(
            manifest: manifest, manifestText: text, manifestPath: absolute,
            options: RunOptions(defaultAgent: defaultAgent), store: store)
        let liveNanoseconds = Double(started.duration(to: .now).nanosecondCount)
        guard let id = live.runID else { throw BenchError.agentFailed(manifestPath, live.report) }
        var samples: [Double] = []
        for _ in 0..<max(1, repetitions) {
            let start = ContinuousClock.now
            let replay = try Kernel.replay(id, store: store)
            samples.append(Double(start.duration(to: .now).nanosecondCount))
            guard replay.difference == nil else { throw BenchError.agentFailed(manifestPath, replay.report) }
        }
        return ReplayBenchResults(
            agent: manifest.name, steps: live.report.steps.count, liveNanoseconds: liveNanoseconds,
            replay: Distribution(samples))
    }
}
