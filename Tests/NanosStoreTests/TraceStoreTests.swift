import Foundation
import NanosCore
@testable import NanosStore
import Testing

/// The trace store keeps every step as it was recorded, stores each distinct payload
/// once, tells an interrupted run from a running one, and prunes.
@Suite struct TraceStoreTests {
    let folder: String

    init() throws {
        folder = NSTemporaryDirectory() + "nanos-store-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    func info(_ id: String = RunInfo.newID()) -> RunInfo {
        RunInfo(
            id: id, agent: "test", manifestPath: folder + "/a.nano", manifestText: "name: test\n",
            modulePath: folder + "/a.wasm", moduleHash: "00")
    }

    static let sample: [Step] = [
        Step(
            index: 1, name: "fs.read", args: [.bytes(Array("notes.txt".utf8))], outcome: .data([0, 1, 2, 255]),
            latencyNanoseconds: 1200, fuelUsed: 7, memoryBytes: 65536),
        Step(
            index: 2, name: "clock.now", args: [], outcome: .value(-42), latencyNanoseconds: 30, fuelUsed: 3,
            memoryBytes: 65536),
        Step(
            index: 3, name: "llm.infer", args: [.bytes(Array("{}".utf8)), .int(-7)],
            outcome: .failure(SyscallFailure(.EPERM, "denied", rule: "tools has no llm")), latencyNanoseconds: 5,
            fuelUsed: 0, memoryBytes: 131072, counters: ["prompt_tokens": 3, "generated_tokens": 4],
            serviceLog: ["a line"]),
    ]

    @Test func stepsComeBackAsRecorded() throws {
        let store = try TraceStore(path: folder + "/runs.db")
        let recorder = try store.begin(info("run1"))
        for step in Self.sample { recorder.record(step, durable: step.index == 3) }
        var report = RunReport(agent: "test", status: .ok)
        report.steps = Self.sample
        report.summary = "done"
        try recorder.finish(report)
        let stored = try store.run("run1")
        #expect(stored.info.status == "ok")
        #expect(stored.info.summary == "done")
        #expect(stored.info.steps == 3)
        #expect(stored.info.tokens == 7)
        #expect(TraceComparison.firstDifference(stored.steps, Self.sample) == nil)
        #expect(stored.steps[2].outcome.failure?.rule == "tools has no llm")
        #expect(stored.steps[2].serviceLog == ["a line"])
        #expect(stored.steps.map(\.latencyNanoseconds) == [1200, 30, 5])
        // A prefix of the id finds it.
        #expect(try store.run("run").info.id == "run1")
    }

    @Test func repeatedBytesAreStoredOnce() throws {
        let path = folder + "/runs.db"
        let store = try TraceStore(path: path)
        let big = [UInt8](repeating: 7, count: 65536)
        for run in 0..<2 {
            let recorder = try store.begin(info("r\(run)"))
            for index in 1...200 {
                recorder.record(
                    Step(
                        index: index, name: "fs.read", args: [.bytes(Array("big.bin".utf8))], outcome: .data(big),
                        latencyNanoseconds: 1, fuelUsed: 1, memoryBytes: 1), durable: false)
            }
            try recorder.finish(RunReport(agent: "test", status: .ok))
        }
        // 400 steps of 64 KiB would be 25 MiB; stored once, the database stays small.
        #expect(store.sizeBytes < 2 << 20)
        #expect(try store.steps(of: "r1").count == 200)
    }

    @Test func aRunWhoseProcessIsGoneIsInterrupted() throws {
        let path = folder + "/runs.db"
        let store = try TraceStore(path: path)
        _ = try store.begin(info("alive"))
        #expect(try store.runInfo("alive").status == "running")
        // Another process recorded a run and was killed: its pid is no longer running.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run()
        child.waitUntilExit()
        try store.insert(info("dead"), pid: Int(child.processIdentifier), processStart: nil)
        #expect(try store.runInfo("dead").status == "interrupted")
        #expect(try store.runInfo("alive").status == "running")
    }

    @Test func garbageCollectionKeepsTheNewest() throws {
        let store = try TraceStore(path: folder + "/runs.db")
        for index in 0..<5 {
            var run = info("g\(index)")
            run.startedAt = Date(timeIntervalSince1970: 1_000_000 + Double(index))
            let recorder = try store.begin(run)
            recorder.record(Self.sample[0], durable: false)
            try recorder.finish(RunReport(agent: "test", status: .ok))
        }
        #expect(try store.collectGarbage(keep: 2) == 3)
        #expect(try store.runs().map(\.id) == ["g4", "g3"])
        #expect(throws: StoreError.self) { try store.run("g0") }
    }
}
