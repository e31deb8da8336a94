import Foundation
import NanosCore
import NanosTestSupport
import Testing

/// A service's outcome is one value: the run loop delivers it to the guest and records
/// exactly it (result, errno, counters, service log), in each way the ABI table says.
@Suite struct OutcomeTests {
    static let answer = SyscallOutcome(.data(Array("hello".utf8)), counters: ["widgets": 3], serviceLog: ["side line"])

    static func services(_ outcome: SyscallOutcome = answer) -> ServiceFactory {
        { _ in [TestServices.Fixed("fs_read", outcome)] }
    }

    @Test func theStepRecordsTheWholeOutcomeAndTheGuestGetsItsBytes() throws {
        let fixture = try AgentFixture()
        let (report, log) = try fixture.run(
            wat: guest(
                imports: """
                    (import "nanos" "fs_read" (func $read (param i32 i32) (result i64)))
                    (import "nanos" "agent_log" (func $log (param i32 i32 i32) (result i32)))
                    """,
                body: """
                    (local.set $r (call $read (i32.const 0) (i32.const 1)))
                    (drop (call $log (i32.const 1) (i32.wrap_i64 (local.get $r)) (i32.wrap_i64 (i64.shr_u (local.get $r) (i64.const 32)))))
                    (i32.const 0)
                    """, locals: "(local $r i64)"),
            manifest: basicResources + "\ntools: [fs_read]\npermissions: {fs_read: [x]}", services: Self.services())
        #expect(report.status == .ok)
        #expect(log == ["hello"])
        let step = try #require(report.steps.first)
        #expect(step.name == "fs.read")
        #expect(step.counters == ["widgets": 3])
        #expect(step.serviceLog == ["side line"])
        guard case .data(let bytes) = step.outcome else { Issue.record("not data: \(step.outcome)"); return }
        #expect(bytes == Array("hello".utf8))
    }

    /// The `_into` form writes into the guest's buffer and returns the length; a buffer too
    /// small gives -(needed << 8 | E2BIG), and the step records E2BIG with the size needed.
    @Test(arguments: [(16, 5), (3, -(5 << 8 | 4))])
    func intoFormWritesOrSaysHowMuchIsNeeded(capacity: Int, expected: Int) throws {
        let fixture = try AgentFixture()
        let (report, log) = try fixture.run(
            wat: guest(
                imports: """
                    (import "nanos" "fs_read_into" (func $read (param i32 i32 i32 i32) (result i64)))
                    (import "nanos" "agent_log" (func $log (param i32 i32 i32) (result i32)))
                    """,
                body: """
                    (local.set $r (call $read (i32.const 0) (i32.const 1) (i32.const 100) (i32.const \(capacity))))
                    (if (i64.gt_s (local.get $r) (i64.const 0))
                      (then (drop (call $log (i32.const 1) (i32.const 100) (i32.wrap_i64 (local.get $r))))))
                    (i32.wrap_i64 (local.get $r))
                    """, locals: "(local $r i64)"),
            manifest: basicResources + "\ntools: [fs_read]\npermissions: {fs_read: [x]}", services: Self.services())
        let step = try #require(report.steps.first)
        #expect(step.name == "fs.read")
        if expected > 0 {
            #expect(report.status == .failed)  // the guest returns the length, 5
            #expect(report.guestExitCode == 5)
            #expect(log == ["hello"])
        } else {
            #expect(report.guestExitCode == Int32(truncatingIfNeeded: expected))
            #expect(step.outcome.failure?.errno == .E2BIG)
            #expect(step.counters["needed_bytes"] == 5)
        }
    }

    @Test func theAgentCallsNeedNoGrant() throws {
        let fixture = try AgentFixture()
        let (report, log) = try fixture.run(
            wat: guest(
                imports: """
                    (import "nanos" "agent_log" (func $log (param i32 i32 i32) (result i32)))
                    (import "nanos" "agent_goal" (func $goal (result i64)))
                    """,
                data: #"(data (i32.const 0) "hi")"#,
                body: """
                    (drop (call $goal))
                    (call $log (i32.const 1) (i32.const 0) (i32.const 2))
                    """),
            manifest: basicResources + "\ngoal: be brief\ntools: [clock]\npermissions: {}")
        #expect(report.status == .ok)
        #expect(log == ["hi"])
        #expect(report.steps.map(\.name) == ["agent.goal", "agent.log"])
        #expect(report.steps.allSatisfy { $0.outcome.isSuccess })
    }

    @Test func aCallNoServiceAnswersFailsWithEIO() throws {
        let fixture = try AgentFixture()
        let (report, _) = try fixture.run(
            wat: guest(
                imports: #"(import "nanos" "fs_list" (func $list (param i32 i32) (result i64)))"#,
                body: "(i32.wrap_i64 (call $list (i32.const 0) (i32.const 1)))"),
            manifest: basicResources + "\ntools: [fs_read]\npermissions: {fs_read: [x]}", services: Self.services())
        #expect(report.steps.first?.outcome.failure?.errno == .EIO)
        #expect(report.guestExitCode == -Errno.EIO.rawValue)
    }

    @Test func aDeniedCallRecordsWhatTheGuestAskedFor() throws {
        let fixture = try AgentFixture()
        let (report, _) = try fixture.run(
            wat: guest(
                imports: #"(import "nanos" "fs_read" (func $read (param i32 i32) (result i64)))"#,
                data: #"(data (i32.const 0) "secret.txt")"#,
                body: "(i32.wrap_i64 (call $read (i32.const 0) (i32.const 10)))"),
            manifest: basicResources + "\ntools: [clock]\npermissions: {}", services: Self.services())
        let step = try #require(report.steps.first)
        #expect(step.outcome.failure?.errno == .EPERM)
        #expect(step.outcome.failure?.rule == "tools: [clock] does not include fs_read")
        #expect(step.args == [.bytes(Array("secret.txt".utf8))])
        #expect(report.status == .denied)
    }
}
