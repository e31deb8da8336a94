import Foundation
import Testing

/// Errors and edge cases a user meets at the command line.
@Suite struct CommandLineTests {
    @Test func manifestErrorsNameTheLineAndSuggestAFix() throws {
        let folder = try TempFolder()
        let manifest = try folder.write(
            "agent.nano",
            """
            name: typo
            binary: agent.wasm
            resources:
              memroy: 64MB
              max_steps: 5
            permissions: {}
            """)
        let result = try CLI.run(["run", manifest])
        #expect(result.exitCode == 2)
        #expect(result.stderr.contains("agent.nano:4:3"))
        #expect(result.stderr.contains("memroy"))
        #expect(result.stderr.contains("did you mean `memory`?"))
    }

    @Test func missingBinaryIsAnInvalidModuleThatSaysWhy() throws {
        let folder = try TempFolder()
        let manifest = try folder.write(
            "agent.nano",
            """
            binary: missing.wasm
            resources: {memory: 1MB, max_steps: 5}
            permissions: {}
            """)
        let result = try CLI.run(["run", manifest, "--json"])
        #expect(result.exitCode == 9)
        let report = try result.json()
        #expect(report["status"] as? String == "invalid_module")
        #expect((report["message"] as? String)?.contains("missing.wasm") == true)
    }

    @Test func limitsGiveDistinctExitCodesThroughTheBinary() throws {
        let folder = try TempFolder()
        try folder.write(
            "loop.wat",
            #"(module (memory (export "memory") 1) (func (export "run") (result i32) (loop $l (br $l)) (i32.const 0)))"#
        )
        let cases: [(String, Int32, String)] = [
            ("fuel: 100000", 4, "out_of_fuel"),
            ("timeout: 200ms", 6, "timeout"),
        ]
        for (limit, code, status) in cases {
            let manifest = try folder.write(
                "loop.nano",
                """
                binary: loop.wat
                resources: {memory: 1MB, max_steps: 5, \(limit)}
                permissions: {}
                """)
            let result = try CLI.run(["run", manifest, "--json"])
            #expect(result.exitCode == code)
            #expect(try result.json()["status"] as? String == status)
        }
    }

    @Test func compilerErrorsReachTheUserUnchanged() throws {
        let folder = try TempFolder()
        let source = try folder.write(
            "broken.c", "#include \"nanos.h\"\nNANOS_ENTRY int run(void) {\n  return 0 +;\n}\n")
        let result = try CLI.run(["compile", source, "-o", folder.path + "/broken.wasm"])
        #expect(result.exitCode == 1)
        #expect(result.stderr.contains("broken.c:3:"))
        #expect(result.stderr.contains("error: expected expression"))
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/broken.wasm"))
    }

    @Test func compilingTwiceGivesIdenticalBytes() throws {
        let folder = try TempFolder()
        for source in ["examples/security_violation.c", "examples/hello.swift"] {
            let first = folder.path + "/first.wasm"
            let second = folder.path + "/second.wasm"
            #expect(try CLI.run(["compile", source, "-o", first]).exitCode == 0)
            #expect(try CLI.run(["compile", source, "-o", second]).exitCode == 0)
            let a = try Data(contentsOf: URL(fileURLWithPath: first))
            let b = try Data(contentsOf: URL(fileURLWithPath: second))
            #expect(!a.isEmpty && a == b, "\(source) compiled to different bytes")
        }
    }

    @Test func benchReportsEveryFigureWithItsAnchors() throws {
        let result = try CLI.run([
            "bench", "--json", "--boot-runs", "20", "--syscall-runs", "2000", "--js-boot-runs", "20", "--js-agents",
            "4",
            "--mcp-calls", "50",
        ])
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        let report = try result.json()
        let boot = try #require(report["boot"] as? [String: Any])
        let syscall = try #require(report["syscall"] as? [String: Any])
        for key in ["c_agent", "swift_agent", "spawn_bin_true", "spawn_python3"] {
            let figure = try #require(boot[key] as? [String: Any], "missing boot.\(key)")
            #expect((figure["p50_ns"] as? Double ?? 0) > 0)
        }
        // Reads are timed in batches (10 by default), one sample per batch.
        #expect(syscall["reads_per_sample"] as? Int == 10)
        for (key, samples) in [("clock_now", 2000), ("fs_read_64b", 200), ("host_read_64b", 200)] {
            let figure = try #require(syscall[key] as? [String: Any], "missing syscall.\(key)")
            #expect((figure["p50_ns"] as? Double ?? 0) > 0)
            #expect(figure["samples"] as? Int == samples, "syscall.\(key)")
        }
        #expect((syscall["ratio_fs_read_over_host_read"] as? Double ?? 0) > 0)
        #expect((report["rss_with_one_agent_bytes"] as? Int ?? 0) > 1_000_000)
        let js = try #require(report["js"] as? [String: Any])
        let jsBoot = try #require(js["boot"] as? [String: Any])
        #expect(jsBoot["samples"] as? Int == 20)
        #expect((jsBoot["p50_ns"] as? Double ?? 0) > 0)
        #expect(((js["cold_boot"] as? [String: Any])?["p50_ns"] as? Double ?? 0) > 0)
        #expect(js["agents"] as? Int == 4)
        #expect((js["rss_all_agents_bytes"] as? Int ?? 0) > (js["rss_one_agent_bytes"] as? Int ?? .max))
        #expect((js["spawn_node_e_0"] as? [String: Any])?["p50_ns"] != nil)
        // An MCP hop to the real time server, next to the in-process syscall of the same run.
        let mcp = try #require(report["mcp"] as? [String: Any])
        let call = try #require(mcp["mcp_call"] as? [String: Any])
        #expect(call["samples"] as? Int == 50)
        #expect(
            (call["p50_ns"] as? Double ?? 0) > (syscall["clock_now"] as? [String: Any])?["p50_ns"] as? Double
                ?? .infinity)
        #expect((mcp["ratio_mcp_call_over_clock_now"] as? Double ?? 0) > 1)
        #expect((mcp["server"] as? String)?.hasPrefix("mcp-server-time ") == true)
    }
}
