import Foundation
import Testing

/// The shipped examples, run through the real binary (built and compiled by `make test`).
@Suite(.serialized) struct ExampleTests {
    @Test func helloAgentSummarisesItsGrantedFile() throws {
        let summaryFile = CLI.repositoryRoot + "/examples/out/summary.txt"
        try? FileManager.default.removeItem(atPath: summaryFile)
        let result = try CLI.run(["run", "examples/hello.nano", "--json"])
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        let report = try result.json()
        #expect(report["status"] as? String == "ok")
        #expect(report["summary"] as? String == "notes.txt: 5 lines, 41 words → out/summary.txt")
        let written = try String(contentsOfFile: summaryFile, encoding: .utf8)
        #expect(written.contains("lines: 5"))
        #expect(written.contains("words: 41"))
        // Human output goes to stderr: the agent's log and the final status.
        #expect(result.stderr.contains("[hello] info: goal: Count the lines"))
    }

    @Test func securityViolationIsDeniedFiveTimesWithRules() throws {
        let result = try CLI.run(["run", "examples/security_violation.nano", "--json"])
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        let report = try result.json()
        #expect(report["status"] as? String == "ok")
        #expect(report["summary"] as? String == "5 attempts, 5 denied")
        let steps = try #require(report["steps"] as? [[String: Any]])
        let denied = steps.filter { $0["errno"] as? String == "EPERM" }
        #expect(denied.count == 5)
        #expect(denied.allSatisfy { ($0["rule"] as? String)?.isEmpty == false })
        let rules = denied.compactMap { $0["rule"] as? String }
        #expect(rules.contains { $0.contains("no fs_read grant matches /etc/passwd") })
        #expect(rules.contains { $0.contains("escapes the base directory") })
        #expect(rules.contains { $0.contains("symbolic link") })
        #expect(rules.contains { $0.contains("does not include web") })
        #expect(rules.contains { $0.contains("does not include fs_write") })
        #expect(!FileManager.default.fileExists(atPath: CLI.repositoryRoot + "/examples/out/pwned.txt"))
        // Each refused step still says what was attempted.
        let attempted = denied.compactMap { ($0["args"] as? [Any])?.first as? String }
        #expect(
            attempted == ["/etc/passwd", "../README.md", "data/escape_link", "https://example.com/", "out/pwned.txt"])
    }

    @Test func securityViolationInTypeScriptLandsEveryAttemptInItsCatch() throws {
        let result = try CLI.run(["run", "examples/security_violation_js.nano", "--json"])
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        let report = try result.json()
        #expect(report["summary"] as? String == "8 attempts, 8 blocked")
        let steps = try #require(report["steps"] as? [[String: Any]])
        // The seven attempts that reach the host (web.get among them) are refused there,
        // each with its rule.
        let denied = steps.filter { $0["errno"] as? String == "EPERM" }
        #expect(denied.count == 7)
        #expect(denied.contains { $0["name"] as? String == "web.fetch" })
        #expect(denied.allSatisfy { ($0["rule"] as? String)?.isEmpty == false })
        let caught = result.stderr.split(separator: "\n").filter { $0.contains("warn: attempt ") }
        #expect(caught.count == 8)
        #expect(!result.stderr.contains("ALLOWED"))
        #expect(!FileManager.default.fileExists(atPath: CLI.repositoryRoot + "/examples/out/pwned.txt"))
    }

    @Test func typeScriptAgentReadsAsksAndWrites() throws {
        let secretFile = CLI.repositoryRoot + "/examples/out/secret.txt"
        try? FileManager.default.removeItem(atPath: secretFile)
        let result = try CLI.run(["run", "examples/agent_js.nano", "--json"])
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        let report = try result.json()
        let steps = try #require(report["steps"] as? [[String: Any]])
        #expect(
            steps.compactMap { $0["name"] as? String }.filter { $0 != "agent.log" }
                == ["fs.read", "llm.infer", "fs.write", "agent.done"])
        let inference = try #require(steps.first { $0["name"] as? String == "llm.infer" })
        #expect(((inference["counters"] as? [String: Any])?["generated_tokens"] as? Int ?? 0) > 0)
        // Whatever the small model answered, the agent wrote it where it was allowed to.
        #expect(FileManager.default.fileExists(atPath: secretFile))
    }

    @Test func originalABIGuestRunsUnchanged() throws {
        let reportFile = CLI.repositoryRoot + "/examples/out/original_abi.txt"
        try? FileManager.default.removeItem(atPath: reportFile)
        let result = try CLI.run(["run", "examples/original_abi.nano", "--json"])
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        let written = try String(contentsOfFile: reportFile, encoding: .utf8)
        #expect(written.contains("granted read data/notes.txt: 239 bytes"))
        #expect(written.contains("ungranted read /etc/passwd: [Security] PERMISSION_DENIED"))
        let steps = try #require(try result.json()["steps"] as? [[String: Any]])
        #expect(
            steps.map { $0["name"] as? String } == [
                "env.get_manifest_goal", "env.fs_read", "env.fs_read", "env.fs_write",
            ])
    }

    @Test func traceFileHoldsEveryStepWithItsBytes() throws {
        let folder = try TempFolder()
        let trace = folder.path + "/hello.jsonl"
        let result = try CLI.run(["run", "examples/hello.nano", "--trace", trace, "--quiet"])
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        let lines = try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n")
        let steps = try lines.map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(
            steps.map { $0["name"] as? String } == [
                "agent.goal", "agent.log", "fs.read", "fs.write", "agent.log", "agent.done",
            ])
        let read = steps[2]
        #expect(read["args"] as? [String] == ["data/notes.txt"])
        let notes = try String(contentsOfFile: CLI.repositoryRoot + "/examples/data/notes.txt", encoding: .utf8)
        #expect(read["result"] as? String == notes)
        #expect(steps.allSatisfy { $0["latency_ns"] is Int && $0["fuel"] is Int && $0["memory"] is Int })
    }
}
