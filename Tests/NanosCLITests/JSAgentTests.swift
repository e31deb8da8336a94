import Foundation
import Testing

/// JS and TS agents, compiled by `nanos compile` onto the QuickJS runtime and run by
/// `nanos run`, as a user does. No Node.js is involved after compiling.
@Suite struct JSAgentTests {
    /// Writes `source` and a manifest next to it, compiles, runs; returns the run's JSON report.
    func compileAndRun(
        _ source: String, named name: String = "agent.ts",
        resources: String = "memory: 64MB, max_steps: 50, timeout: 20s",
        permissions: String = "{}", in folder: TempFolder? = nil
    ) throws -> (report: [String: Any], result: CLI.Result) {
        let folder = try folder ?? TempFolder()
        let input = try folder.write(name, source)
        let compiled = try CLI.run(["compile", input, "-o", folder.path + "/agent.wasm"])
        try #require(compiled.exitCode == 0, "compile failed: \(compiled.stderr)")
        let manifest = try folder.write(
            "agent.nano",
            """
            name: js-test
            binary: agent.wasm
            goal: "the goal ✓"
            resources: {\(resources)}
            permissions: \(permissions)
            """)
        let result = try CLI.run(["run", manifest, "--json"], in: folder.path)
        return (try result.json(), result)
    }

    func steps(_ report: [String: Any]) -> [[String: Any]] {
        report["steps"] as? [[String: Any]] ?? []
    }

    /// The text of each agent.log step, in order.
    func logs(_ result: CLI.Result) -> [String] {
        result.stderr.split(separator: "\n").compactMap { line in
            guard let range = line.range(of: "] info: ") ?? line.range(of: "] error: ") ?? line.range(of: "] warn: ")
            else { return nil }
            return String(line[range.upperBound...])
        }
    }

    @Test func typeScriptWithInterfacesGenericsEnumsAndAsyncRuns() throws {
        let (report, result) = try compileAndRun(
            """
            import { agent } from "nanos";
            interface Box<T> { value: T }
            enum Color { Red = "red", Green = "green" }
            function wrap<T>(value: T): Box<T> { return { value }; }
            async function later(n: number): Promise<number> { await null; return n * 2; }
            const box: Box<Color> = wrap(Color.Green);
            const doubled = await later(21);
            let order: string[] = [];
            Promise.resolve().then(() => order.push("microtask"));
            order.push("sync");
            await Promise.resolve();
            console.log(`${box.value} ${doubled} ${order.join(",")} goal=${agent.getGoal()}`);
            agent.done("typed");
            """)
        #expect(report["status"] as? String == "ok", "stderr: \(result.stderr)")
        #expect(report["summary"] as? String == "typed")
        #expect(logs(result).contains("green 42 sync,microtask goal=the goal ✓"), "stderr: \(result.stderr)")
    }

    @Test func promisesStartedLastStillRunBeforeTheRunEnds() throws {
        let (report, result) = try compileAndRun(
            """
            import { agent } from "nanos";
            async function work() { for (let i = 0; i < 3; i++) await null; agent.log("async work finished"); }
            work();
            """, named: "agent.js")
        #expect(report["status"] as? String == "ok", "stderr: \(result.stderr)")
        #expect(logs(result).contains("async work finished"))
    }

    @Test func ungrantedReadThrowsNanosErrorWithEPERM() throws {
        let (report, result) = try compileAndRun(
            """
            import { fs, agent, NanosError } from "nanos";
            try {
              fs.readFile("/etc/passwd");
              agent.log("read it?!");
            } catch (e) {
              agent.log(`caught ${e instanceof NanosError} ${(e as any).code}`);
            }
            agent.done("checked");
            """)
        #expect(report["status"] as? String == "ok", "stderr: \(result.stderr)")
        #expect(logs(result).contains("caught true EPERM"), "stderr: \(result.stderr)")
        let read = try #require(steps(report).first { $0["name"] as? String == "fs.read" })
        #expect(read["ok"] as? Bool == false)
    }

    @Test func filesRoundTripNonASCIIText() throws {
        let folder = try TempFolder()
        let (report, result) = try compileAndRun(
            """
            import { fs, agent } from "nanos";
            const text = "héllo wörld — 日本語 🎉";
            fs.writeFile("out.txt", text);
            const back = fs.readFile("out.txt");
            agent.log(back === text ? "same" : "different: " + back);
            const names = fs.list(".").map((entry) => entry.name);
            agent.log(names.includes("out.txt") ? "listed" : "not listed");
            agent.done("ok");
            """, permissions: #"{fs_read: ["*", "."], fs_write: ["out.txt"]}"#, in: folder)
        #expect(report["status"] as? String == "ok", "stderr: \(result.stderr)")
        #expect(logs(result).contains("same"), "stderr: \(result.stderr)")
        #expect(logs(result).contains("listed"), "stderr: \(result.stderr)")
        #expect(try folder.read("out.txt") == "héllo wörld — 日本語 🎉")
    }

    @Test func consoleAndExitCodesReachTheTrace() throws {
        let (report, result) = try compileAndRun(
            """
            console.log("plain", 1, { a: [1, 2] });
            console.error("bad news");
            process.exit(3);
            console.log("never");
            """, named: "agent.js")
        #expect(report["status"] as? String == "failed", "stderr: \(result.stderr)")
        #expect(report["guest_exit_code"] as? Int == 3)
        let logSteps = steps(report).filter { $0["name"] as? String == "agent.log" }
        #expect(logSteps.count == 2)
        #expect(!logs(result).contains("never"))
    }

    @Test func uncaughtErrorFailsTheRunWithItsMessage() throws {
        let (report, result) = try compileAndRun(
            """
            function inner(): never { throw new TypeError("no such thing"); }
            inner();
            """)
        #expect(report["status"] as? String == "failed", "stderr: \(result.stderr)")
        #expect(result.stderr.contains("TypeError: no such thing"), "stderr: \(result.stderr)")
    }

    @Test func endlessLoopEndsWithTimeout() throws {
        let (report, result) = try compileAndRun(
            "for (;;) {}", named: "agent.js", resources: "memory: 64MB, max_steps: 10, timeout: 500ms")
        #expect(report["status"] as? String == "timeout", "stderr: \(result.stderr)")
        #expect(result.exitCode == 6)
    }

    @Test func endlessLoopWithFuelEndsOutOfFuel() throws {
        let (report, _) = try compileAndRun(
            "for (;;) {}", named: "agent.js", resources: "memory: 64MB, max_steps: 10, fuel: 50000000, timeout: 20s")
        #expect(report["status"] as? String == "out_of_fuel")
    }

    @Test func allocationBombEndsOutOfMemory() throws {
        let (report, result) = try compileAndRun(
            """
            const hoard = [];
            for (;;) hoard.push(new Array(100000).fill(7));
            """, named: "agent.js", resources: "memory: 32MB, max_steps: 10, timeout: 30s")
        #expect(report["status"] as? String == "out_of_memory", "stderr: \(result.stderr)")
        #expect(result.exitCode == 5)
    }

    @Test func deepRecursionIsARangeErrorTheAgentCatches() throws {
        let (report, result) = try compileAndRun(
            """
            import { agent } from "nanos";
            function dive(n: number): number { return dive(n + 1) + 1; }
            try {
              dive(0);
              agent.done("no limit?!");
            } catch (e) {
              agent.done(`caught ${(e as Error).name}`);
            }
            """)
        let status = report["status"] as? String
        // A trap is acceptable too, but QuickJS's own limit should come first.
        #expect(status == "ok", "stderr: \(result.stderr)")
        #expect(report["summary"] as? String == "caught RangeError")
    }

    @Test func syntaxErrorsNameFileLineAndColumn() throws {
        let folder = try TempFolder()
        let source = try folder.write("broken.ts", "const ok = 1;\nlet x: number = ;\n")
        let result = try CLI.run(["compile", source, "-o", folder.path + "/broken.wasm"])
        #expect(result.exitCode == 1)
        #expect(result.stderr.contains("broken.ts:2:17: error:"), "stderr: \(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/broken.wasm"))
    }

    @Test func typecheckReportsTypeErrorsWithTheirPosition() throws {
        let folder = try TempFolder()
        let source = try folder.write(
            "typed.ts",
            "import { agent } from \"nanos\";\nconst count: number = \"three\";\nagent.done(String(count));\n")
        let unchecked = try CLI.run(["compile", source, "-o", folder.path + "/a.wasm"])
        #expect(unchecked.exitCode == 0, "without --typecheck, types are only stripped: \(unchecked.stderr)")
        let checked = try CLI.run(["compile", "--typecheck", source, "-o", folder.path + "/b.wasm"])
        #expect(checked.exitCode == 1)
        #expect(checked.stderr.contains("typed.ts:2:7: error TS2322"), "stderr: \(checked.stderr)")
    }

    @Test func originalImportPathsResolveToTheSDK() throws {
        let folder = try TempFolder()
        let (report, result) = try compileAndRun(
            """
            import { agent } from "../nanos-sdk/index.js";
            import sdk from "@nanos/sdk";
            import { fs_api } from "nanos";
            agent.log(typeof sdk.fs.readFile + " " + typeof fs_api.writeFile);
            agent.done("resolved");
            """, in: folder)
        #expect(report["status"] as? String == "ok", "stderr: \(result.stderr)")
        #expect(logs(result).contains("function function"))
    }

    @Test func unknownImportsAreCompileErrorsNamingTheSpecifier() throws {
        let folder = try TempFolder()
        let source = try folder.write(
            "agent.ts", "import { readFileSync } from \"fs\";\nreadFileSync(\"/etc/passwd\");\n")
        let result = try CLI.run(["compile", source, "-o", folder.path + "/agent.wasm"])
        #expect(result.exitCode == 1)
        #expect(result.stderr.contains("\"fs\""), "stderr: \(result.stderr)")
    }

    @Test func compilingTwiceGivesIdenticalBytes() throws {
        let folder = try TempFolder()
        let source = try folder.write(
            "agent.ts", "import { agent } from \"nanos\";\nconst n: number = 2;\nagent.done(`twice ${n}`);\n")
        for output in ["first.wasm", "second.wasm"] {
            let result = try CLI.run(["compile", source, "-o", folder.path + "/" + output])
            #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        }
        let first = try Data(contentsOf: URL(fileURLWithPath: folder.path + "/first.wasm"))
        let second = try Data(contentsOf: URL(fileURLWithPath: folder.path + "/second.wasm"))
        #expect(first.count > 100_000)
        #expect(first == second)
    }

    @Test func mcpCallsThroughTheSDKReturnValuesAndThrowNanosErrors() throws {
        let (report, result) = try compileAndRun(
            """
            import { mcp, agent, NanosError } from "nanos";
            function code(action: () => unknown): string {
              try { action(); return "sent"; } catch (e) { return e instanceof NanosError ? e.code : String(e); }
            }
            const tools = mcp.listTools("test").map((tool) => tool.name).sort();
            const echoed = mcp.call("test", "echo", { text: "héllo", times: 2 });
            const readme = mcp.readResource("test", "note://readme").contents[0].text ?? "";
            const prompt = mcp.getPrompt("test", "review", { code: "x = 1" }).messages.length;
            agent.log(`tools ${tools.includes("echo")} | ${echoed.text.includes("héllo héllo")} | ${readme.length > 0} | ${prompt}`);
            agent.log(`schema ${code(() => mcp.call("test", "echo", { text: "", times: 9 }))}`);
            agent.log(`tool error ${code(() => mcp.call("test", "fail", { message: "no" }))}`);
            agent.log(`unknown server ${code(() => mcp.call("rogue", "echo", {}))}`);
            const history = mcp.call("test", "history");
            agent.log(`history ${JSON.stringify(history.structuredContent ?? history.text)}`);
            agent.done("mcp");
            """,
            permissions: "{}\nmcp_servers:\n\(try MCPAgentTests.testServer())")
        #expect(report["status"] as? String == "ok", "stderr: \(result.stderr)")
        let lines = logs(result)
        #expect(lines.contains("tools true | true | true | 1"), "stderr: \(result.stderr)")
        #expect(lines.contains("schema EINVAL"))
        #expect(lines.contains("tool error EIO"))
        #expect(lines.contains("unknown server ENOENT"))
        // The call refused by its schema never reached the server.
        let history = try #require(lines.first { $0.hasPrefix("history ") })
        #expect(history.components(separatedBy: "echo").count == 2, "\(history)")
    }
}
