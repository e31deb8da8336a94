import Foundation
import Testing

/// Record, replay, fork and resume through the real binary (docs/replay.md).
@Suite(.serialized) struct TimeTravelTests {
    let folder: TempFolder
    let db: String

    init() throws {
        folder = try TempFolder()
        db = folder.path + "/runs.db"
    }

    /// Runs a manifest, recorded into this test's store; returns the run id and the report.
    func record(_ manifest: String, in directory: String? = nil) throws -> (id: String, report: [String: Any]) {
        let result = try CLI.run(["run", manifest, "--json", "-q", "--db", db], in: directory)
        let report = try result.json()
        return (try #require(report["run_id"] as? String, "no run_id: \(result.stderr)"), report)
    }

    func steps(_ report: [String: Any]) -> [[String: Any]] {
        report["steps"] as? [[String: Any]] ?? []
    }

    /// Every example is replayed from its record, identical step for step, and the replay
    /// makes no model, MCP, network or file operation: strace shows no connect, no process
    /// started but nanos itself, and no file opened in the example's folder but its module.
    @Test(arguments: [
        "examples/hello.nano", "examples/original_abi.nano", "examples/stream.nano", "examples/agent_js.nano",
        "examples/mcp_server_caller.nano", "examples/security_violation.nano", "examples/security_violation_js.nano",
        "examples/agent.nano",
    ])
    func replayReproducesEveryExampleWithoutTouchingTheWorld(manifest: String) throws {
        let (id, report) = try record(manifest)
        let log = folder.path + "/strace.log"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/strace")
        process.arguments = [
            "-f", "-qq", "-e", "trace=openat,open,connect,execve", "-o", log, CLI.binary, "replay", id, "--verify",
            "--json", "-q", "--db", db,
        ]
        process.currentDirectoryURL = URL(fileURLWithPath: CLI.repositoryRoot)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "replay --verify of \(manifest) failed")
        let calls = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        // The trace sees the replay open its module, so it would see any other file too.
        #expect(calls.contains { $0.contains("openat(") && $0.contains(".wasm\"") })
        // A lookup through the local name-service socket (nscd) is not the network.
        let connects = calls.filter { $0.contains("connect(") && !$0.contains("AF_UNIX") }
        #expect(connects.isEmpty, "the replay connected: \(connects.prefix(3))")
        let starts = calls.filter {
            $0.contains("execve(") && !$0.contains(CLI.binary) && !$0.contains("/proc/self/exe")
        }
        #expect(starts.isEmpty, "the replay started a process: \(starts.prefix(3))")
        let examples = CLI.repositoryRoot + "/examples/"
        let opened = calls.filter { ($0.contains("openat(") || $0.contains("open(")) && $0.contains(examples) }
            .filter { !$0.contains(".wasm\"") }
        #expect(opened.isEmpty, "the replay opened the agent's files: \(opened.prefix(3))")
        let model = calls.filter { $0.contains(".gguf") }
        #expect(model.isEmpty, "the replay opened the model: \(model.prefix(1))")
        // The replayed trace is the recorded one (--verify checked every step; the count too).
        let replay = try CLI.run(["replay", id, "--json", "-q", "--db", db])
        #expect(steps(try replay.json()).count == steps(report).count)
        #expect(try replay.json()["status"] as? String == report["status"] as? String)
    }

    /// A guest rebuilt with one line changed is refused up front; with --force it runs up
    /// to the first step that differs, which is named.
    @Test func aRebuiltGuestIsRefusedAndForcedStopsAtTheDivergentStep() throws {
        let source = """
            #include "nanos.h"
            NANOS_ENTRY int run(void) {
                nanos_log(1, "starting");
                int64_t r = nanos_sys_fs_read("a.txt", 5);
                if (r < 0) return 1;
                nanos_done("read it");
                return 0;
            }
            """
        try folder.write("agent.c", source)
        try folder.write("a.txt", "alpha")
        try folder.write("b.txt", "beta")
        try folder.write(
            "agent.nano",
            """
            name: rebuilt
            binary: agent.wasm
            tools: [fs_read]
            permissions:
              fs_read: [a.txt, b.txt]
            resources: {memory: 16MB, max_steps: 20, fuel: 100000000, timeout: 10s}
            """)
        let compile = { () throws -> CLI.Result in
            try CLI.run(["compile", self.folder.path + "/agent.c", "-o", self.folder.path + "/agent.wasm"])
        }
        #expect(try compile().exitCode == 0)
        let (id, report) = try record(folder.path + "/agent.nano")
        #expect(report["status"] as? String == "ok")
        try folder.write("agent.c", source.replacingOccurrences(of: "\"a.txt\", 5", with: "\"b.txt\", 5"))
        #expect(try compile().exitCode == 0)

        let refused = try CLI.run(["replay", id, "--db", db])
        #expect(refused.exitCode == 2)
        #expect(refused.stderr.contains("is not the module that was recorded"), "\(refused.stderr)")
        let forced = try CLI.run(["replay", id, "--force", "--db", db])
        #expect(forced.exitCode == 10)
        #expect(forced.stderr.contains("step 2 diverged"), "\(forced.stderr)")
        #expect(forced.stderr.contains(#"fs.read("a.txt")"#))
        #expect(forced.stderr.contains(#"fs.read("b.txt")"#))
    }

    /// A fork at a model step of the default agent, with an edited answer: every step before
    /// it is the same, the step has the new answer, and the run goes another way after it.
    @Test func aForkAtAModelStepKeepsWhatCameBeforeAndChangesWhatComesAfter() throws {
        let (id, report) = try record("examples/agent.nano")
        let recorded = steps(report)
        let models = recorded.enumerated().filter { $0.element["name"] as? String == "llm.infer" }.map { $0.offset + 1 }
        let step = try #require(models.dropFirst().first, "the run made fewer than two model calls")
        let answer = #"{"tool":"fs_write","args":{"path":"out/secret.txt","content":"forked"}}"#
        let fork = try CLI.run(["fork", id, "--at", String(step), "--result-text", answer, "--json", "-q", "--db", db])
        let forked = try fork.json()
        let forkSteps = steps(forked)
        #expect(forkSteps.count >= step + 1, "\(fork.stderr)")
        let forkID = try #require(forked["run_id"] as? String)
        let diff = try CLI.run(["trace", "diff", id, forkID, "--db", db])
        #expect(
            diff.stdout.contains("identical up to step \(step - 1); step \(step) differs in its outcome"),
            "\(diff.stdout)")
        guard forkSteps.count > step else { return }
        let shown = try CLI.run(["trace", "show", forkID, "--step", String(step), "--json", "--db", db])
        let stepK = try #require(
            JSONSerialization.jsonObject(
                with: Data(shown.stdout.split(separator: "\n").last.map(String.init)?.utf8 ?? "".utf8))
                as? [String: Any])
        #expect(stepK["result"] as? String == answer)
        // The guest acted on the new answer: the next step is the write it was told to make.
        #expect(forkSteps[step]["name"] as? String == "fs.write")
        #expect((forkSteps[step]["args"] as? [Any])?.first as? String == "out/secret.txt")
        let runs = try CLI.run(["runs", "--json", "--db", db]).stdout
        #expect(runs.contains("\"parent\":\"\(id)\",\"fork_step\":\(step)"), "\(runs)")
    }

    /// A run of the default agent killed with SIGKILL after its third model answer is
    /// listed as interrupted; resumed, it asks the model nothing it already answered (the
    /// recorded steps come back in microseconds, a model call takes hundreds of
    /// milliseconds), and it ends as an uninterrupted run does.
    @Test func aKilledRunResumesWithoutAskingTheModelAgain() throws {
        let (whole, _) = try record("examples/agent.nano")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = ["run", "examples/agent.nano", "-q", "--db", db]
        process.currentDirectoryURL = URL(fileURLWithPath: CLI.repositoryRoot)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        var killedID: String?
        for _ in 0..<600 {
            Thread.sleep(forTimeInterval: 0.1)
            let runs = try JSONSerialization.jsonObject(
                with: Data(try CLI.run(["runs", "--json", "--db", db]).stdout.utf8))
            guard let running = (runs as? [[String: Any]])?.first(where: { $0["status"] as? String == "running" }),
                let id = running["id"] as? String
            else { continue }
            let shown = try CLI.run(["trace", "show", id, "--json", "--db", db]).stdout
            if shown.components(separatedBy: "\"name\":\"llm.infer\"").count - 1 >= 3 {
                kill(process.processIdentifier, SIGKILL)
                killedID = id
                break
            }
        }
        process.waitUntilExit()
        let id = try #require(killedID, "the run never reached its third model answer")
        let listed = try CLI.run(["runs", "--json", "--db", db]).stdout
        #expect(listed.contains("\"id\":\"\(id)\",\"agent\":\"agent\",\"status\":\"interrupted\""), "\(listed)")
        let before = try CLI.run(["trace", "show", id, "--json", "--db", db]).stdout.split(separator: "\n").count - 1

        let resume = try CLI.run(["resume", id, "--json", "-q", "--db", db])
        let resumed = try resume.json()
        #expect(resumed["replayed_steps"] as? Int == before, "\(resume.stderr)")
        let resumedSteps = steps(resumed)
        for step in resumedSteps.prefix(before) where step["name"] as? String == "llm.infer" {
            #expect((step["latency_ns"] as? Int ?? .max) < 5_000_000, "a recorded model answer was asked for again")
        }
        let diff = try CLI.run(["trace", "diff", whole, id, "--db", db])
        #expect(diff.stdout.contains("identical (timings aside)"), "\(diff.stdout)")
        #expect(
            try CLI.run(["runs", "--json", "--db", db]).stdout.contains(
                "\"id\":\"\(id)\",\"agent\":\"agent\",\"status\":\"\(resumed["status"] as? String ?? "")\""))
    }

    /// A run exported as JSON Lines and imported into another store replays there.
    @Test func anExportedRunReplaysFromAnotherStore() throws {
        let (id, _) = try record("examples/hello.nano")
        let file = folder.path + "/run.jsonl"
        #expect(try CLI.run(["trace", "export", id, "-o", file, "--db", db]).exitCode == 0)
        let other = folder.path + "/other.db"
        let imported = try CLI.run(["trace", "import", file, "--db", other])
        #expect(imported.exitCode == 0, "\(imported.stderr)")
        let newID = try #require(imported.stdout.split(separator: " ").dropFirst(3).first.map(String.init))
        let replay = try CLI.run(["replay", newID, "--verify", "--db", other])
        #expect(replay.exitCode == 0, "\(replay.stderr)")
        // --until stops after that step, as asked.
        let partial = try CLI.run(["replay", newID, "--until", "2", "--verify", "--json", "--db", other])
        #expect(partial.exitCode == 0, "\(partial.stderr)")
        #expect(try partial.json()["status"] as? String == "stopped")
        #expect(steps(try partial.json()).count == 2)
        #expect(try CLI.run(["trace", "gc", "--keep", "0", "--db", other]).stdout.contains("deleted 1 runs"))
    }
}
