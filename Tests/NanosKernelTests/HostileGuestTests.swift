import Foundation
import NanosKernel
import NanosManifest
import NanosCompiler
import Synchronization
import NanosTestSupport
import Testing

/// Regression tests for what a hostile guest, module or manifest did to the host before
/// the hardening issue: each failed (a crash, a limit escaped) before its fix.
@Suite struct HostileGuestTests {
    // MARK: Load bounds

    @Test func watNestedSixThousandDeepIsRefusedNotACrash() throws {
        let depth = 6_000
        let wat =
            "(module (func (export \"run\") (result i32) " + String(repeating: "(i32.add (i32.const 1) ", count: depth)
            + "(i32.const 0)" + String(repeating: ")", count: depth) + "))"
        do {
            _ = try Kernel.loadImage(bytes: Array(wat.utf8), source: "deep.wat")
            Issue.record("a 6,000-deep WAT file loaded")
        } catch {
            #expect("\(error)".contains("deeper than \(WATSource.maxNesting) levels"))
        }
    }

    @Test func watNestedAsDeepAsAllowedStillLoadsOnASmallStack() throws {
        // Just inside the bound, parsed from a thread with a 512 KiB stack: the parser runs
        // on its own large stack, whatever thread asks.
        let depth = WATSource.maxNesting - 3
        let wat =
            "(module (func (export \"run\") (result i32) " + String(repeating: "(i32.add (i32.const 1) ", count: depth)
            + "(i32.const 0)" + String(repeating: ")", count: depth) + "))"
        let loaded = Mutex(false)
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            loaded.withLock { $0 = (try? Kernel.loadImage(bytes: Array(wat.utf8), source: "deep.wat")) != nil }
            done.signal()
        }
        thread.stackSize = 512 << 10
        thread.start()
        done.wait()
        #expect(loaded.withLock { $0 })
    }

    @Test func nestedBlockCommentsCountAsNesting() throws {
        let wat = String(repeating: "(;", count: 5_000) + String(repeating: ";)", count: 5_000) + "(module)"
        #expect(throws: ImageError.self) { try Kernel.loadImage(bytes: Array(wat.utf8), source: "c.wat") }
    }

    @Test func threeMillionNestedBlocksAreRefusedBeforeParsing() throws {
        let depth = 3_000_000
        var blocks: [UInt8] = [0x00]
        blocks += Array(repeating: [UInt8]([0x02, 0x40]), count: depth).flatMap { $0 }
        blocks += [UInt8](repeating: 0x0B, count: depth + 1)
        let body = wasmModule(body: blocks)
        let started = ContinuousClock.now
        #expect(throws: ImageError.self) { try Kernel.loadImage(bytes: body, source: "nested.wasm") }
        #expect(started.duration(to: .now) < .seconds(5))
    }

    @Test func blocksNestedPastTheBoundInASmallFunctionAreRefused() throws {
        let depth = ModuleBounds.maxNesting + 1
        var body: [UInt8] = [0x00]
        body += Array(repeating: [UInt8]([0x02, 0x40]), count: depth).flatMap { $0 }
        body += [UInt8](repeating: 0x0B, count: depth + 1)
        do {
            _ = try Kernel.loadImage(bytes: wasmModule(body: body), source: "nested.wasm")
            Issue.record("\(depth) nested blocks loaded")
        } catch {
            #expect("\(error)".contains("nests blocks deeper than \(ModuleBounds.maxNesting) levels"))
        }
    }

    @Test func aLocalsBombIsRefusedBeforeWasmKitExpandsIt() throws {
        // One declaration group, a few bytes, asking for 4 billion locals.
        let body: [UInt8] = [0x01] + leb(0xFFFF_FFFF) + [0x7F, 0x0B]
        do {
            _ = try Kernel.loadImage(bytes: wasmModule(body: body), source: "locals.wasm")
            Issue.record("a locals bomb loaded")
        } catch {
            #expect("\(error)".contains("declares more than \(ModuleBounds.maxLocalsPerFunction) locals"))
        }
    }

    @Test func aNonModuleBinaryIsRefusedWithoutEchoingItsBytes() throws {
        let fixture = try AgentFixture()
        try fixture.write("notes.txt", "PRIVATE-NOTES: the launch code is 0000")
        try fixture.write("agent.nano", "binary: notes.txt\n" + basicResources + "\npermissions: {}")
        let report = Kernel.run(manifest: try Manifest.load(path: fixture.directory + "/agent.nano"))
        #expect(report.status == .invalidModule)
        #expect(report.exitCode == 9)
        #expect(report.message?.contains("not a WebAssembly module") == true)
        #expect(report.message?.contains("PRIVATE") == false)
        #expect(report.message?.contains("launch") == false)
    }

    @Test func aDeviceAsTheBinaryIsRefusedWithoutReadingIt() throws {
        let fixture = try AgentFixture()
        try fixture.write("agent.nano", "binary: /dev/zero\n" + basicResources + "\npermissions: {}")
        let report = Kernel.run(manifest: try Manifest.load(path: fixture.directory + "/agent.nano"))
        #expect(report.status == .invalidModule)
        #expect(report.message?.contains("not a regular file") == true)
    }

    // MARK: Run-time bounds

    @Test func stepsCountAgainstTheTraceSoAnEmptyCallLoopEnds() throws {
        let fixture = try AgentFixture()
        let (report, _) = try fixture.run(
            wat: guest(
                imports: #"(import "nanos" "clock_now" (func $now (result i64)))"#,
                body: "(loop $again (drop (call $now)) (br $again)) (i32.const 0)"),
            manifest: """
                resources: {memory: 1MB, max_steps: 1000000, trace: 4MB, fuel: 100000000000, timeout: 60s}
                tools: [clock]
                permissions: {}
                """)
        #expect(report.status == .outOfMemory)
        #expect(report.steps.count < 1_000_000)
        #expect(report.message?.contains("resources.trace") == true)
    }

    @Test func logMessagesStopAtTheLogBudgetAndTheRunGoesOn() throws {
        let fixture = try AgentFixture()
        // 200 messages of 64 KiB each: 12.5 MiB asked, 1 MiB (the default) emitted.
        let body = """
            (local $i i32)
            (loop $again
              (drop (call $log (i32.const 1) (i32.const 0) (i32.const 65536)))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $again (i32.lt_u (local.get $i) (i32.const 200))))
            (i32.const 0)
            """
        let (report, log) = try fixture.run(
            wat: guest(
                imports: #"(import "nanos" "agent_log" (func $log (param i32 i32 i32) (result i32)))"#, body: body),
            manifest: "resources: {memory: 2MB, max_steps: 1000, timeout: 30s}\npermissions: {}")
        #expect(report.status == .ok)
        #expect(log.reduce(0) { $0 + $1.utf8.count } <= RunLimits.defaultLogBytes)
        #expect(log.count == RunLimits.defaultLogBytes / 65_536)
        #expect(report.steps.last?.outcome.failure?.errno == .EQUOTA)
        #expect(report.steps.last?.outcome.failure?.message.contains("resources.logs") == true)
    }

    @Test func theReportShowsTheDefaultLimits() throws {
        let fixture = try AgentFixture()
        let (report, _) = try fixture.run(
            wat: guest(body: "(i32.const 0)"), manifest: "resources: {memory: 1MB, max_steps: 10}\npermissions: {}")
        let limits = try #require(report.limits)
        #expect(limits.fuel == RunLimits.defaultFuel)
        #expect(limits.timeout == RunLimits.defaultTimeout)
        #expect(limits.defaulted.isSuperset(of: ["fuel", "timeout", "trace", "logs"]))
        #expect(RunLimits.defaultTimeout <= .seconds(60))
        let json = report.json().serialized()
        #expect(json.contains("\"limits\":{\"memory\":1048576,\"max_steps\":10,\"fuel\":\(RunLimits.defaultFuel)"))
    }

    @Test func trapMessagesCarryNoBacktraceOrHostAddress() throws {
        let fixture = try AgentFixture()
        let wat = """
            (module
              (memory (export "memory") 1)
              (func $inner (i32.store (i32.const 70000) (i32.const 1)))
              (func $outer (call $inner))
              (func (export "run") (result i32) (call $outer) (i32.const 0)))
            """
        let (report, _) = try fixture.run(wat: wat, manifest: basicResources + "\npermissions: {}")
        #expect(report.status == .trap)
        let message = try #require(report.message)
        #expect(message == "out of bounds memory access")
        #expect(message.range(of: "0x[0-9a-f]{6,}", options: .regularExpression) == nil)
    }

    @Test func deepRecursionTrapsWithAShortMessage() throws {
        let fixture = try AgentFixture()
        let wat = """
            (module
              (memory (export "memory") 1)
              (func $down (param $n i32) (result i32)
                (i32.add (call $down (i32.add (local.get $n) (i32.const 1))) (i32.const 1)))
              (func (export "run") (result i32) (call $down (i32.const 0))))
            """
        let (report, _) = try fixture.run(
            wat: wat, manifest: "resources: {memory: 1MB, max_steps: 10, stack: 64MB, timeout: 30s}\npermissions: {}")
        #expect(report.status == .trap)
        #expect((report.message?.utf8.count ?? .max) < 200)
    }

    @Test func aGrammarNestedThirtyThousandDeepIsEINVALNotACrash() throws {
        let fixture = try AgentFixture()
        let depth = 30_000
        let grammar = "root ::= " + String(repeating: "(", count: depth) + "[a]" + String(repeating: ")", count: depth)
        let request = Array(#"{"prompt":"hi","grammar":""#.utf8) + Array(grammar.utf8) + Array(#""}"#.utf8)
        let body = """
            (if (i64.eq (call $infer (i32.const 1024) (i32.const \(request.count))) (i64.const -3))
              (then (return (i32.const 0))))
            (i32.const 1)
            """
        let wat = """
            (module
              (import "nanos" "llm_infer" (func $infer (param i32 i32) (result i64)))
              (memory (export "memory") 2)
              (global $heap (mut i32) (i32.const 100000))
              (func (export "nanos_alloc") (param $n i32) (result i32)
                (local $p i32)
                (local.set $p (global.get $heap))
                (global.set $heap (i32.add (global.get $heap) (local.get $n)))
                (local.get $p))
              (data (i32.const 1024) "\(request.map { String(format: "\\%02x", $0) }.joined())")
              (func (export "run") (result i32) \(body)))
            """
        let (report, _) = try fixture.run(wat: wat, manifest: basicResources + "\ntools: [llm]\npermissions: {}")
        #expect(report.status == .ok)
        #expect(report.steps.first?.outcome.failure?.message.contains("deeper than 64 levels") == true)
    }
}

/// A module with one function `() -> ()` whose body (locals and code) is `body`.
func wasmModule(body: [UInt8]) -> [UInt8] {
    func section(_ id: UInt8, _ contents: [UInt8]) -> [UInt8] { [id] + leb(UInt64(contents.count)) + contents }
    return [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00]
        + section(1, [0x01, 0x60, 0x00, 0x00])
        + section(3, [0x01, 0x00])
        + section(10, [0x01] + leb(UInt64(body.count)) + body)
}

func leb(_ value: UInt64) -> [UInt8] {
    var value = value
    var bytes: [UInt8] = []
    repeat {
        var byte = UInt8(value & 0x7F)
        value >>= 7
        if value != 0 { byte |= 0x80 }
        bytes.append(byte)
    } while value != 0
    return bytes
}
