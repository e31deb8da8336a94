import Foundation
import NanosKernel
import NanosManifest
import NanosTestSupport
import Testing

/// The bus calls against a real in-process bus: what a guest sees for an unknown name, a
/// full inbox, a receive that times out, and a message with its host-stamped sender.
@Suite struct BusTests {
    static let imports = """
        (import "nanos" "agent_send" (func $send (param i32 i32 i32 i32) (result i32)))
        (import "nanos" "agent_recv" (func $recv (param i32) (result i64)))
        (import "nanos" "agent_peers" (func $peers (result i64)))
        (import "nanos" "agent_broadcast" (func $broadcast (param i32 i32) (result i32)))
        """
    static let data = """
        (data (i32.const 16) "nobody")
        (data (i32.const 32) "b")
        (data (i32.const 48) "x")
        (data (i32.const 64) "\\ff\\fe")
        """

    static func manifest(_ name: String) -> String {
        """
        name: \(name)
        \(basicResources)
        permissions: {}
        tools: [agent_send, agent_recv]
        """
    }

    func run(_ fixture: AgentFixture, _ name: String, _ body: String, bus: (any MessageBus)?) throws -> RunReport {
        let wat = guest(imports: Self.imports, data: Self.data, body: body, locals: "(local $i i32)")
        let image = try Kernel.loadImage(bytes: Array(wat.utf8), source: "guest.wat")
        return Kernel.run(
            manifest: try fixture.manifest(Self.manifest(name)), image: image, options: RunOptions(bus: bus))
    }

    @Test func sendsAreBoundedAndEveryOutcomeIsAValue() throws {
        let fixture = try AgentFixture()
        let bus = LocalBus(members: ["a", "b"])
        let report = try run(
            fixture, "a",
            """
            (drop (call $send (i32.const 16) (i32.const 6) (i32.const 48) (i32.const 1)))
            (block $full (loop $again
              (br_if $full (i32.ne (call $send (i32.const 32) (i32.const 1) (i32.const 48) (i32.const 1)) (i32.const 0)))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br $again)))
            (drop (call $send (i32.const 32) (i32.const 1) (i32.const 64) (i32.const 2)))
            (drop (call $recv (i32.const 50)))
            (drop (call $peers))
            (drop (call $broadcast (i32.const 48) (i32.const 1)))
            (local.get $i)
            (drop)
            (i32.const 0)
            """, bus: bus)
        #expect(report.status == .ok, "\(report.message ?? "")")
        let steps = report.steps
        try #require(steps.count == 1 + 65 + 4)
        #expect(steps[0].name == "agent.send" && steps[0].outcome.failure?.errno == .ENOENT)
        #expect(steps[1...64].allSatisfy { $0.outcome.isSuccess }, "an inbox takes 64 messages")
        #expect(steps[65].outcome.failure?.errno == .EAGAIN, "the 65th finds the inbox full")
        #expect(steps[65].outcome.failure?.message.contains("inbox is full") == true)
        #expect(steps[66].outcome.failure?.errno == .EINVAL, "a message must be UTF-8")
        // A receive that times out is an empty answer, not a failure.
        guard case .data(let nothing) = steps[67].outcome else { Issue.record("agent.recv failed"); return }
        #expect(nothing.isEmpty)
        guard case .data(let peers) = steps[68].outcome else { Issue.record("agent.peers failed"); return }
        #expect(String(decoding: peers, as: UTF8.self) == #"["b"]"#)
        // b's inbox is full: the broadcast reaches no one, and says so.
        guard case .value(let reached) = steps[69].outcome else { Issue.record("agent.broadcast failed"); return }
        #expect(reached == 0)

        // b takes the oldest message, stamped with its sender by the host.
        let received = try run(fixture, "b", "(drop (call $recv (i32.const 0))) (i32.const 0)", bus: bus)
        guard case .data(let message) = received.steps.first?.outcome else {
            Issue.record("b's agent.recv failed")
            return
        }
        #expect(String(decoding: message, as: UTF8.self) == #"{"from":"a","msg":"x"}"#)
    }

    @Test func aRunOutsideAFleetHasNoPeers() throws {
        let fixture = try AgentFixture()
        let report = try run(
            fixture, "alone",
            "(drop (call $send (i32.const 32) (i32.const 1) (i32.const 48) (i32.const 1))) (drop (call $peers)) (drop (call $recv (i32.const 10))) (i32.const 0)",
            bus: nil)
        #expect(report.steps.first?.outcome.failure?.errno == .ENOENT)
        guard case .data(let peers) = report.steps[1].outcome else { Issue.record("agent.peers failed"); return }
        #expect(String(decoding: peers, as: UTF8.self) == "[]")
        guard case .data(let nothing) = report.steps[2].outcome else { Issue.record("agent.recv failed"); return }
        #expect(nothing.isEmpty)
    }

    @Test func aClosedBusEndsAWaitingReceive() throws {
        let bus = LocalBus(members: ["a"])
        let started = ContinuousClock.now
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.1) { bus.close(reason: "the fleet's deadline passed") }
        #expect(throws: SyscallFailure.self) { try bus.receive(for: "a", until: .now + .seconds(30)) }
        #expect(started.duration(to: .now) < .seconds(10))
    }
}
