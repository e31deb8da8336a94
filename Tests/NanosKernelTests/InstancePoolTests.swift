import Foundation
import NanosCompiler
import NanosManifest
import NanosTestSupport
import Testing

@testable import NanosCore
import NanosKernel

/// Reused instances of a JS agent: each run must see the agent exactly as compiled,
/// whatever the run before it did.
@Suite struct InstancePoolTests {
    /// Compiles `source` (JS) with the real compiler and loads it once, as a server or fleet does.
    func image(_ fixture: AgentFixture, _ source: String) throws -> AgentImage {
        try fixture.write("agent.js", source)
        let output = fixture.directory + "/agent.wasm"
        try GuestCompiler().compile(CompileRequest(input: fixture.directory + "/agent.js", output: output))
        return try Kernel.loadImage(path: output)
    }

    func run(
        _ fixture: AgentFixture, _ image: AgentImage, resources: String = "memory: 64MB, max_steps: 20, timeout: 5s"
    )
        throws -> (report: RunReport, log: [String])
    {
        let log = LogCollector()
        let manifest = try fixture.manifest(
            """
            name: pooled
            goal: "count"
            resources: {\(resources)}
            permissions: {}
            """)
        let report = Kernel.run(
            manifest: manifest, image: image, options: RunOptions(logSink: { _, line in log.append(line) }))
        return (report, log.lines)
    }

    @Test func aReusedInstanceStartsFromTheCompiledState() throws {
        let fixture = try AgentFixture()
        let image = try image(
            fixture,
            """
            import { agent } from "nanos";
            globalThis.visits = (globalThis.visits ?? 0) + 1;
            agent.log("visits " + globalThis.visits);
            agent.done("counted");
            """)
        let pool = try #require(image.pool, "JS agents are reusable")
        for _ in 0..<3 {
            let (report, log) = try run(fixture, image)
            #expect(report.status == .ok)
            #expect(log == ["visits 1"])
        }
        #expect(pool.idleCount == 1, "one instance served all three runs")
    }

    @Test func anInstanceStoppedMidLoopIsRestoredForTheNextRun() throws {
        let fixture = try AgentFixture()
        let image = try image(
            fixture,
            """
            import { agent } from "nanos";
            const goal = agent.getGoal();
            if (goal === "spin") { globalThis.dirty = true; for (;;) {} }
            agent.done(globalThis.dirty ? "dirty" : "clean");
            """)
        let manifest = { (goal: String) in
            try fixture.manifest(
                """
                name: pooled
                goal: "\(goal)"
                resources: {memory: 64MB, max_steps: 20, timeout: 300ms}
                permissions: {}
                """)
        }
        let spun = Kernel.run(manifest: try manifest("spin"), image: image)
        #expect(spun.status == .timeout)
        let next = Kernel.run(manifest: try manifest("count"), image: image)
        #expect(next.status == .ok)
        #expect(next.summary == "clean")
    }

    @Test func anInstanceWhoseMemoryGrewIsDropped() throws {
        let fixture = try AgentFixture()
        let image = try image(
            fixture,
            """
            import { agent } from "nanos";
            const big = new Uint8Array(8 * 1024 * 1024);
            big[big.length - 1] = 1;
            agent.done("grew " + big.length);
            """)
        let pool = try #require(image.pool)
        let (report, _) = try run(fixture, image)
        #expect(report.status == .ok)
        #expect(pool.idleCount == 0)
        #expect(try run(fixture, image).report.status == .ok)
    }

    @Test func modulesWithUnrestorableStateAreNotPooled() throws {
        let image = try Kernel.loadImage(
            bytes: Array(
                #"(module (memory (export "memory") 1) (func (export "run") (result i32) (i32.const 0)))"#.utf8),
            source: "guest.wat")
        #expect(image.pool == nil)
    }

    @Test func runsOfOneBinaryShareItsImageUntilTheFileChanges() throws {
        let fixture = try AgentFixture()
        let first = try image(fixture, "import { agent } from \"nanos\"; agent.done(\"one\");")
        let again = try Kernel.loadImage(path: fixture.directory + "/agent.wasm")
        #expect(first.pool === again.pool, "the same file gives the same image and pool")
        // A recompiled binary is a new file version: a new image.
        let changed = try image(fixture, "import { agent } from \"nanos\"; agent.done(\"two\");")
        #expect(changed.pool !== first.pool)
        #expect(
            Kernel.run(
                manifest: try fixture.manifest(
                    "name: changed\nresources: {memory: 64MB, max_steps: 5}\npermissions: {}"), image: changed
            ).summary == "two")
    }
}
