import Foundation
import NanosKernel
import NanosTestSupport
import Testing

/// ABI v1 and the original ABI, driven by WAT guests through the real kernel.
@Suite struct SyscallABITests {
    static let fsImports = """
        (import "nanos" "fs_read" (func $read (param i32 i32) (result i64)))
        (import "nanos" "fs_write" (func $write (param i32 i32 i32 i32) (result i32)))
        (import "nanos" "agent_log" (func $log (param i32 i32 i32) (result i32)))
        (import "nanos" "agent_done" (func $done (param i32 i32) (result i32)))
        """

    @Test func hostilePointersGetEINVALAndTheHostLivesOn() throws {
        let fixture = try AgentFixture()
        try fixture.write("notes.txt", "hello")
        // Each call must return -EINVAL (-3); the guest counts them and reports the count.
        let body = """
            (local $bad i32)
            ;; pointer past the end of the 64 KiB memory
            (if (i64.eq (call $read (i32.const 70000) (i32.const 4)) (i64.const -3))
              (then (local.set $bad (i32.add (local.get $bad) (i32.const 1)))))
            ;; negative length
            (if (i64.eq (call $read (i32.const 0) (i32.const -1)) (i64.const -3))
              (then (local.set $bad (i32.add (local.get $bad) (i32.const 1)))))
            ;; a 4 GiB length: 0xFFFFFFFF
            (if (i32.eq (call $write (i32.const 0) (i32.const 9) (i32.const 0) (i32.const 0xFFFFFFFF)) (i32.const -3))
              (then (local.set $bad (i32.add (local.get $bad) (i32.const 1)))))
            ;; a range that would wrap around the 32-bit address space
            (if (i32.eq (call $log (i32.const 1) (i32.const 0xFFFFFFF0) (i32.const 32)) (i32.const -3))
              (then (local.set $bad (i32.add (local.get $bad) (i32.const 1)))))
            ;; 2 GiB from 0: inside i32, far outside memory
            (if (i32.eq (call $write (i32.const 0) (i32.const 9) (i32.const 0) (i32.const 0x7FFFFFFF)) (i32.const -3))
              (then (local.set $bad (i32.add (local.get $bad) (i32.const 1)))))
            (i32.store8 (i32.const 100) (i32.add (i32.const 48) (local.get $bad)))
            (drop (call $done (i32.const 100) (i32.const 1)))
            (i32.const 1)
            """
        let (report, _) = try fixture.run(
            wat: guest(imports: Self.fsImports, data: #"(data (i32.const 0) "notes.txt")"#, body: body),
            manifest: basicResources + "\npermissions: {fs_read: [notes.txt], fs_write: [notes.txt]}")
        #expect(report.status == .ok)
        #expect(report.summary == "5")
        let failures = report.steps.compactMap { $0.outcome.failure }
        #expect(failures.count == 5)
        #expect(failures.allSatisfy { $0.errno == .EINVAL })
    }

    @Test func grantedReadReturnsTheFileThroughNanosAlloc() throws {
        let fixture = try AgentFixture()
        try fixture.write("notes.txt", "the quick brown fox")
        // Read the file, then pass the returned (ptr, len) straight to agent.done.
        let body = """
            (local $r i64)
            (local.set $r (call $read (i32.const 0) (i32.const 9)))
            (if (i64.lt_s (local.get $r) (i64.const 0)) (then (return (i32.const 1))))
            (drop (call $done (i32.wrap_i64 (local.get $r)) (i32.wrap_i64 (i64.shr_u (local.get $r) (i64.const 32)))))
            (i32.const 2)
            """
        let (report, _) = try fixture.run(
            wat: guest(imports: Self.fsImports, data: #"(data (i32.const 0) "notes.txt")"#, body: body),
            manifest: basicResources + "\npermissions: {fs_read: [notes.txt]}")
        #expect(report.status == .ok)
        #expect(report.summary == "the quick brown fox")
        let read = try #require(report.steps.first)
        #expect(read.name == "fs.read")
        #expect(read.args == [.bytes(Array("notes.txt".utf8))])
        if case .data(let bytes) = read.outcome {
            #expect(bytes == Array("the quick brown fox".utf8))
        } else {
            Issue.record("fs.read should have returned data, got \(read.outcome)")
        }
        #expect(read.latencyNanoseconds > 0)
        #expect(read.memoryBytes == 65536)
    }

    @Test func repeatedCallsRecordWhatEachOneSentAndGot() throws {
        let fixture = try AgentFixture()
        try fixture.write("notes.txt", "first")
        // Read, change the file, read the same path again, then change the path's bytes in
        // place ("notes.txt" -> "ootes.txt") and read from the same address.
        let body = """
            (drop (call $read (i32.const 0) (i32.const 9)))
            (drop (call $write (i32.const 0) (i32.const 9) (i32.const 16) (i32.const 7)))
            (drop (call $read (i32.const 0) (i32.const 9)))
            (i32.store8 (i32.const 0) (i32.const 111))
            (drop (call $read (i32.const 0) (i32.const 9)))
            (i32.const 0)
            """
        let (report, _) = try fixture.run(
            wat: guest(
                imports: Self.fsImports, data: #"(data (i32.const 0) "notes.txt") (data (i32.const 16) "changed")"#,
                body: body),
            manifest: basicResources + "\npermissions: {fs_read: [notes.txt, ootes.txt], fs_write: [notes.txt]}")
        #expect(report.status == .ok)
        let reads = report.steps.filter { $0.name == "fs.read" }
        #expect(
            reads.map(\.args) == [
                [.bytes(Array("notes.txt".utf8))], [.bytes(Array("notes.txt".utf8))], [.bytes(Array("ootes.txt".utf8))],
            ])
        let results = reads.map { step -> String in
            switch step.outcome {
            case .data(let bytes): return String(decoding: bytes, as: UTF8.self)
            case .value(let value): return "\(value)"
            case .failure(let failure): return failure.errno.description
            }
        }
        #expect(results == ["first", "changed", "ENOENT"])
    }

    @Test func deniedCallsReturnEPERMWithTheRuleInTheTrace() throws {
        let fixture = try AgentFixture()
        try fixture.write("notes.txt", "ok")
        try fixture.write("secret.txt", "no")
        let body = """
            (drop (call $read (i32.const 0) (i32.const 10)))
            (drop (call $write (i32.const 16) (i32.const 9) (i32.const 0) (i32.const 2)))
            (i32.const 0)
            """
        let (report, _) = try fixture.run(
            wat: guest(
                imports: Self.fsImports,
                data: #"(data (i32.const 0) "secret.txt") (data (i32.const 16) "notes.txt")"#, body: body),
            manifest: basicResources
                + "\ntools: [fs_read, agent]\npermissions: {fs_read: [notes.txt], fs_write: [notes.txt]}")
        #expect(report.status == .ok)
        let failures = report.steps.compactMap { $0.outcome.failure }
        #expect(failures.count == 2)
        #expect(failures.allSatisfy { $0.errno == .EPERM })
        // The path was outside the fs_read grants.
        #expect(failures[0].rule?.contains("notes.txt") == true)
        // fs_write is granted by permissions but not listed in tools:, which decides.
        #expect(failures[1].rule == "tools: [agent, fs_read] does not include fs_write")
        // A refused call still records what it tried, for the audit trail.
        #expect(report.steps[1].args == [.bytes(Array("notes.txt".utf8)), .bytes(Array("se".utf8))])
        #expect(try fixture.read("notes.txt") == "ok")
    }

    @Test func lastErrorExplainsTheFailure() throws {
        let fixture = try AgentFixture()
        let body = """
            (local $e i64)
            (drop (call $read (i32.const 0) (i32.const 10)))
            (local.set $e (call $last_error))
            (drop (call $done (i32.wrap_i64 (local.get $e)) (i32.wrap_i64 (i64.shr_u (local.get $e) (i64.const 32)))))
            (i32.const 1)
            """
        let (report, _) = try fixture.run(
            wat: guest(
                imports: Self.fsImports + #"(import "nanos" "last_error" (func $last_error (result i64)))"#,
                data: #"(data (i32.const 0) "secret.txt")"#, body: body),
            manifest: basicResources + "\npermissions: {}")
        #expect(report.status == .ok)
        #expect(report.summary == "fs.read denied: the manifest does not grant fs_read")
    }

    @Test func doneEndsTheRunAtOnce() throws {
        let fixture = try AgentFixture()
        let body = """
            (drop (call $done (i32.const 0) (i32.const 4)))
            (drop (call $log (i32.const 1) (i32.const 0) (i32.const 4)))
            (i32.const 1)
            """
        let (report, log) = try fixture.run(
            wat: guest(imports: Self.fsImports, data: #"(data (i32.const 0) "fini")"#, body: body),
            manifest: basicResources + "\npermissions: {}")
        #expect(report.status == .ok)
        #expect(report.summary == "fini")
        #expect(report.steps.map(\.name) == ["agent.done"])
        #expect(log.isEmpty)
    }

    @Test func llmWithoutAModelFailsWithEIO() throws {
        let fixture = try AgentFixture()
        let body = """
            (if (i64.eq (call $infer (i32.const 0) (i32.const 5)) (i64.const -5)) (then (return (i32.const 0))))
            (i32.const 1)
            """
        let (report, _) = try fixture.run(
            wat: guest(
                imports: #"(import "nanos" "llm_infer" (func $infer (param i32 i32) (result i64)))"#,
                data: #"(data (i32.const 0) "hello")"#, body: body),
            manifest: basicResources + "\ntools: [llm]\npermissions: {}")
        #expect(report.status == .ok)
        #expect(report.steps.first?.outcome.failure?.message.contains("no model configured") == true)
    }

    @Test func toolsAbsentGrantsOnlyWhatTheManifestAskedFor() throws {
        let fixture = try AgentFixture()
        let body = """
            (drop (call $now))
            (drop (call $rand (i32.const 4)))
            (drop (call $read (i32.const 0) (i32.const 9)))
            (drop (call $fetch (i32.const 0) (i32.const 9)))
            (i32.const 0)
            """
        let imports = """
            (import "nanos" "clock_now" (func $now (result i64)))
            (import "nanos" "random_bytes" (func $rand (param i32) (result i64)))
            (import "nanos" "fs_read" (func $read (param i32 i32) (result i64)))
            (import "nanos" "web_fetch" (func $fetch (param i32 i32) (result i64)))
            """
        let (report, _) = try fixture.run(
            wat: guest(imports: imports, data: #"(data (i32.const 0) "notes.txt")"#, body: body),
            manifest: basicResources + "\npermissions: {}")
        #expect(report.steps.map(\.outcome.isSuccess) == [true, true, false, false])
        #expect(report.steps[2].outcome.failure?.rule?.contains("permissions.fs_read is empty") == true)
        #expect(report.steps[3].outcome.failure?.rule?.contains("permissions.network is false") == true)
    }

    /// `fs_read_into` reads the file into the guest's buffer: the guest sees the bytes, the
    /// step records them as `fs_read` would, a buffer too small gets the size it needs and
    /// is left untouched, and a buffer past the end of memory is EINVAL.
    @Test func readIntoWritesTheFileInPlaceAndRecordsItsBytes() throws {
        let fixture = try AgentFixture()
        try fixture.write("notes.txt", "hello, file")
        let body = """
            (local $r i64)
            ;; fits: 11 bytes at 200, logged from there
            (local.set $r (call $into (i32.const 0) (i32.const 9) (i32.const 200) (i32.const 64)))
            (if (i64.ne (local.get $r) (i64.const 11)) (then (return (i32.const 1))))
            (drop (call $log (i32.const 1) (i32.const 200) (i32.const 11)))
            ;; too small: -(11 << 8 | E2BIG), and the buffer at 300 keeps its "zz"
            (local.set $r (call $into (i32.const 0) (i32.const 9) (i32.const 300) (i32.const 4)))
            (if (i64.ne (local.get $r) (i64.const -2820)) (then (return (i32.const 2))))
            (drop (call $log (i32.const 1) (i32.const 300) (i32.const 2)))
            ;; the buffer runs off the end of the 64 KiB memory
            (local.set $r (call $into (i32.const 0) (i32.const 9) (i32.const 65530) (i32.const 64)))
            (if (i64.ne (local.get $r) (i64.const -3)) (then (return (i32.const 3))))
            ;; the plain form, for the same file
            (drop (call $read (i32.const 0) (i32.const 9)))
            (i32.const 0)
            """
        let imports = """
            (import "nanos" "fs_read_into" (func $into (param i32 i32 i32 i32) (result i64)))
            (import "nanos" "fs_read" (func $read (param i32 i32) (result i64)))
            (import "nanos" "agent_log" (func $log (param i32 i32 i32) (result i32)))
            """
        let (report, log) = try fixture.run(
            wat: guest(
                imports: imports, data: #"(data (i32.const 0) "notes.txt") (data (i32.const 300) "zz")"#, body: body),
            manifest: basicResources + "\ntools: [fs_read]\npermissions: {fs_read: [notes.txt]}")
        #expect(report.status == .ok)
        #expect(log == ["hello, file", "zz"])
        let reads = report.steps.filter { $0.name == "fs.read" }
        #expect(reads.count == 4)
        guard reads.count == 4 else { return }
        guard case .data(let direct) = reads[0].outcome, case .data(let plain) = reads[3].outcome else {
            Issue.record("not data: \(reads[0].outcome), \(reads[3].outcome)")
            return
        }
        #expect(direct == Array("hello, file".utf8))
        #expect(plain == direct)
        #expect(reads[1].outcome.failure?.errno == .E2BIG)
        #expect(reads[1].counters["needed_bytes"] == 11)
        #expect(reads[2].outcome.failure?.errno == .EINVAL)
    }

    @Test func wasiOutputBecomesLogSteps() throws {
        let fixture = try AgentFixture()
        let wat = """
            (module
              (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "path_open"
                (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
              (memory (export "memory") 1)
              (data (i32.const 0) "\\08\\00\\00\\00\\06\\00\\00\\00hello\\0a")
              (func (export "run") (result i32)
                (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 32)))
                ;; any other WASI call answers ENOTCAPABLE (76) without touching the host
                (if (i32.ne (call $path_open (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)
                      (i64.const 0) (i64.const 0) (i32.const 0) (i32.const 0)) (i32.const 76))
                  (then (return (i32.const 1))))
                (i32.const 0)))
            """
        let (report, log) = try fixture.run(wat: wat, manifest: basicResources + "\npermissions: {}")
        #expect(report.status == .ok)
        #expect(log == ["hello"])
        #expect(report.steps.map(\.name) == ["agent.log"])
    }

    @Test func unknownImportsAndMissingAllocatorAreRefusedBeforeStart() throws {
        let fixture = try AgentFixture()
        let unknown = try fixture.run(
            wat: guest(imports: #"(import "nanos" "teleport" (func $t (result i32)))"#, body: "(i32.const 0)"),
            manifest: basicResources + "\npermissions: {}")
        #expect(unknown.report.status == .invalidModule)
        #expect(unknown.report.message?.contains("nanos.teleport") == true)

        let wrongType = try fixture.run(
            wat: guest(imports: #"(import "nanos" "clock_now" (func $t (result i32)))"#, body: "(i32.const 0)"),
            manifest: basicResources + "\npermissions: {}")
        #expect(wrongType.report.message?.contains("nanos.clock_now has type") == true)

        let noAllocator = """
            (module (import "nanos" "agent_goal" (func $g (result i64))) (memory (export "memory") 1)
              (func (export "run") (result i32) (i32.const 0)))
            """
        let missing = try fixture.run(wat: noAllocator, manifest: basicResources + "\npermissions: {}")
        #expect(missing.report.status == .invalidModule)
        #expect(missing.report.message?.contains("nanos_alloc") == true)
    }

    /// A hostile `nanos_alloc` that makes a syscall while the host is placing a result in
    /// it: the run ends as a trap naming the call, the host lives on, and the outer step is
    /// in the trace.
    @Test(arguments: ["(drop (call $goal))", "(drop (call $lastError))"])
    func allocatorThatMakesASyscallEndsTheRunAsATrap(reentry: String) throws {
        let fixture = try AgentFixture()
        let wat = """
            (module
              (import "nanos" "agent_goal" (func $goal (result i64)))
              (import "nanos" "last_error" (func $lastError (result i64)))
              (memory (export "memory") 1)
              (func (export "nanos_alloc") (param $n i32) (result i32)
                \(reentry)
                (i32.const 4096))
              (func (export "run") (result i32)
                (drop (call $goal))
                (i32.const 0)))
            """
        let run = try fixture.run(wat: wat, manifest: basicResources + "\ngoal: hello\npermissions: {}")
        #expect(run.report.status == .trap)
        #expect(run.report.message?.contains("nanos_alloc called") == true)
        #expect(run.report.message?.contains(reentry.contains("goal") ? "agent.goal" : "last_error") == true)
        #expect(run.report.steps.count == 1)
        #expect(run.report.steps.first?.name == "agent.goal")
        #expect(run.report.steps.first?.outcome.failure?.errno == .EIO)
    }

    @Test func originalABIGuestReadsAndGetsInBandDenials() throws {
        let fixture = try AgentFixture()
        try fixture.write("notes.txt", "original notes")
        try fixture.write("secret.txt", "top secret")
        // run_agent: read notes.txt and secret.txt into two buffers, write each to its own file.
        let wat = """
            (module
              (import "env" "fs_read" (func $read (param i32 i32 i32 i32) (result i32)))
              (import "env" "fs_write" (func $write (param i32 i32 i32 i32 i32 i32) (result i32)))
              (memory (export "memory") 1)
              (data (i32.const 0) "notes.txt")
              (data (i32.const 16) "secret.txt")
              (data (i32.const 32) "out1.txt")
              (data (i32.const 48) "out2.txt")
              (func (export "run_agent")
                (local $n i32)
                (local.set $n (call $read (i32.const 0) (i32.const 9) (i32.const 1024) (i32.const 256)))
                (drop (call $write (i32.const 32) (i32.const 8) (i32.const 1024) (local.get $n) (i32.const 4096) (i32.const 64)))
                (local.set $n (call $read (i32.const 16) (i32.const 10) (i32.const 2048) (i32.const 256)))
                (drop (call $write (i32.const 48) (i32.const 8) (i32.const 2048) (local.get $n) (i32.const 4096) (i32.const 64)))
                ;; a hostile out pointer must not crash the host
                (drop (call $read (i32.const 0) (i32.const 9) (i32.const 65530) (i32.const 256)))))
            """
        let (report, _) = try fixture.run(
            wat: wat,
            manifest: basicResources + "\npermissions: {fs_read: [notes.txt], fs_write: [\"out*.txt\"]}")
        #expect(report.status == .ok)
        #expect(try fixture.read("out1.txt") == "original notes")
        #expect(try fixture.read("out2.txt") == "[Security] PERMISSION_DENIED")
        #expect(
            report.steps.map(\.name) == ["env.fs_read", "env.fs_write", "env.fs_read", "env.fs_write", "env.fs_read"])
        #expect(report.steps[2].outcome.failure?.errno == .EPERM)
        #expect(report.steps[4].outcome.failure?.errno == .EINVAL)
    }

    @Test func traceLinesCarryEveryByte() throws {
        let fixture = try AgentFixture()
        try fixture.write("notes.txt", "line\n\"quoted\"")
        let (report, _) = try fixture.run(
            wat: guest(
                imports: Self.fsImports, data: #"(data (i32.const 0) "notes.txt")"#,
                body: "(drop (call $read (i32.const 0) (i32.const 9))) (i32.const 0)"),
            manifest: basicResources + "\npermissions: {fs_read: [notes.txt]}")
        let line = try #require(report.steps.first).jsonObject().serialized()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["name"] as? String == "fs.read")
        #expect(object["args"] as? [String] == ["notes.txt"])
        #expect(object["result"] as? String == "line\n\"quoted\"")
        #expect(object["ok"] as? Bool == true)
        #expect((object["latency_ns"] as? Int ?? 0) > 0)
        #expect(object["memory"] as? Int == 65536)
        #expect(object["fuel"] != nil)
    }
}
