import Foundation
import NanosKernel
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
