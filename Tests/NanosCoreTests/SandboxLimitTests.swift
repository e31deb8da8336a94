import Foundation
import NanosCore
import NanosTestSupport
import Testing

/// Each limit ends the run with its own status and exit code, and the host lives on.
@Suite struct SandboxLimitTests {
    @Test func infiniteLoopRunsOutOfFuel() throws {
        let fixture = try AgentFixture()
        let (report, _) = try fixture.run(
            wat: guest(body: "(loop $spin (br $spin)) (i32.const 0)"),
            manifest: """
                resources: {memory: 1MB, max_steps: 10, fuel: 1000000, timeout: 30s}
                permissions: {}
                """)
        #expect(report.status == .outOfFuel)
        #expect(report.exitCode == 4)
        #expect(report.fuelUsed > 900_000)
        #expect(report.message?.contains("resources.fuel") == true)
    }

    @Test func memoryBombHitsTheCap() throws {
        let fixture = try AgentFixture()
        let (report, _) = try fixture.run(
            wat: guest(body: "(loop $grow (drop (memory.grow (i32.const 4))) (br $grow)) (i32.const 0)"),
            manifest: """
                resources: {memory: 2MB, max_steps: 10, fuel: 100000000, timeout: 30s}
                permissions: {}
                """)
        #expect(report.status == .outOfMemory)
        #expect(report.exitCode == 5)
        #expect(report.message?.contains("resources.memory allows 2097152") == true)
        #expect(report.peakMemoryBytes <= 2 * 1024 * 1024)
    }

    @Test func initialMemoryOverTheCapIsRefused() throws {
        let fixture = try AgentFixture()
        let wat = """
            (module (memory (export "memory") 64) (func (export "run") (result i32) (i32.const 0)))
            """
        let (report, _) = try fixture.run(
            wat: wat,
            manifest: """
                resources: {memory: 1MB, max_steps: 10}
                permissions: {}
                """)
        #expect(report.status == .outOfMemory)
    }

    /// A guest decides how many bytes each step records; `resources.trace` caps their sum.
    @Test func aGuestFillingTheTraceEndsOutOfMemoryWithItsStepsKept() throws {
        let fixture = try AgentFixture()
        // Logs 64 KiB messages forever, each different (a counter in its first bytes).
        let wat = guest(
            imports: #"(import "nanos" "agent_log" (func $log (param i32 i32 i32) (result i32)))"#,
            body: """
                (loop $again
                  (i32.store (i32.const 0) (local.get $i))
                  (drop (call $log (i32.const 1) (i32.const 0) (i32.const 65536)))
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (br $again))
                (i32.const 0)
                """,
            locals: "(local $i i32)")
        let (report, _) = try fixture.run(
            wat: wat,
            manifest: """
                resources: {memory: 1MB, max_steps: 100000, trace: 1MB, timeout: 30s}
                permissions: {}
                """)
        #expect(report.status == .outOfMemory)
        #expect(report.exitCode == 5)
        #expect(report.message?.contains("resources.trace allows 1048576") == true)
        // 16 messages and their step records fill 1 MiB; the 16th passes it and is recorded
        // before the end.
        #expect(report.steps.count == 16)
        guard case .bytes(let message)? = report.steps.last?.args.last else {
            Issue.record("the last step has no message argument")
            return
        }
        #expect(message.count == 65536)
    }

    /// Reading the same file again shares the previous step's storage, so it does not use
    /// up the trace: 100 reads of 16 KiB (1.6 MB in all) under a 1 MiB cap.
    @Test func repeatedIdenticalStepsDoNotFillTheTrace() throws {
        let fixture = try AgentFixture()
        try fixture.write("big.txt", String(repeating: "x", count: 16384))
        let wat = guest(
            imports: #"(import "nanos" "fs_read" (func $read (param i32 i32) (result i64)))"#,
            data: #"(data (i32.const 0) "big.txt")"#,
            body: """
                (loop $again
                  (if (i64.ne (i64.shr_u (call $read (i32.const 0) (i32.const 7)) (i64.const 32)) (i64.const 16384))
                    (then (return (i32.const 1))))
                  (global.set $heap (i32.const 8192))
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (br_if $again (i32.lt_u (local.get $i) (i32.const 100))))
                (i32.const 0)
                """,
            locals: "(local $i i32)")
        let (report, _) = try fixture.run(
            wat: wat,
            manifest: """
                resources: {memory: 1MB, max_steps: 1000, trace: 1MB, timeout: 30s}
                permissions: {fs_read: [big.txt]}
                """)
        #expect(report.status == .ok)
        #expect(report.steps.count == 100)
    }

    @Test func deepRecursionTrapsWithItsReason() throws {
        let fixture = try AgentFixture()
        let wat = """
            (module
              (memory (export "memory") 1)
              (func $down (param $n i32) (result i32)
                (i32.add (call $down (i32.add (local.get $n) (i32.const 1))) (i32.const 1)))
              (func (export "run") (result i32) (call $down (i32.const 0))))
            """
        let (report, _) = try fixture.run(wat: wat, manifest: basicResources + "\npermissions: {}")
        #expect(report.status == .trap)
        #expect(report.exitCode == 8)
        #expect(report.message?.contains("call stack exhausted") == true)
    }

    @Test func guestTrapIsReportedWithItsMessage() throws {
        let fixture = try AgentFixture()
        let (report, _) = try fixture.run(
            wat: guest(body: "(unreachable)"), manifest: basicResources + "\npermissions: {}")
        #expect(report.status == .trap)
        #expect(report.message?.contains("unreachable") == true)
    }

    @Test func maxStepsEndsTheRunAfterTheLastAllowedSyscall() throws {
        let fixture = try AgentFixture()
        let (report, _) = try fixture.run(
            wat: guest(
                imports: #"(import "nanos" "clock_now" (func $now (result i64)))"#,
                body: "(loop $tick (drop (call $now)) (br $tick)) (i32.const 0)"),
            manifest: """
                resources: {memory: 1MB, max_steps: 25, fuel: 100000000, timeout: 30s}
                permissions: {}
                """)
        #expect(report.status == .maxSteps)
        #expect(report.exitCode == 7)
        #expect(report.steps.count == 25)
        #expect(report.steps.allSatisfy { $0.name == "clock.now" && $0.outcome.isSuccess })
    }

    @Test func wallClockTimeoutStopsAComputeLoop() throws {
        let fixture = try AgentFixture()
        let started = ContinuousClock.now
        let (report, _) = try fixture.run(
            wat: guest(body: "(loop $spin (br $spin)) (i32.const 0)"),
            manifest: """
                resources: {memory: 1MB, max_steps: 10, timeout: 300ms}
                permissions: {}
                """)
        #expect(report.status == .timeout)
        #expect(report.exitCode == 6)
        // The watchdog must actually stop the loop: the run cannot end before the deadline.
        #expect(started.duration(to: .now) >= .milliseconds(300))
    }

    @Test func nonZeroReturnFailsAndDenialMakesItDenied() throws {
        let fixture = try AgentFixture()
        let failed = try fixture.run(wat: guest(body: "(i32.const 9)"), manifest: basicResources + "\npermissions: {}")
        #expect(failed.report.status == .failed)
        #expect(failed.report.guestExitCode == 9)

        let denied = try fixture.run(
            wat: guest(
                imports: #"(import "nanos" "fs_read" (func $read (param i32 i32) (result i64)))"#,
                data: #"(data (i32.const 0) "secret.txt")"#,
                body: "(drop (call $read (i32.const 0) (i32.const 10))) (i32.const 1)"),
            manifest: basicResources + "\npermissions: {}")
        #expect(denied.report.status == .denied)
        #expect(denied.report.exitCode == 3)
    }

    @Test func statusesHaveDistinctExitCodes() {
        let codes = RunStatus.allCases.map(\.exitCode)
        #expect(Set(codes).count == RunStatus.allCases.count)
        #expect(!codes.contains(2), "2 is reserved for usage and manifest errors")
    }
}
