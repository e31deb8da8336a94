import Foundation
import NanosNATS
import Testing

/// `nanos orchestrate` and `nanos node`, driven as a user drives them: a fleet on
/// threads, and a fleet across node processes on a real nats-server (JetStream) that
/// each test starts on 127.0.0.1 with a store of its own.
@Suite(.serialized) struct FleetTests {
    @Test func aLocalFleetPassesMessagesAndRecordsEveryAgentUnderOneFleet() throws {
        let folder = try TempFolder()
        let db = folder.path + "/runs.db"
        let result = try CLI.run(["orchestrate", "examples/fleet_ring.nano", "--json", "--db", db])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let report = try result.json()
        let agents = FleetFixture.agents(report)
        #expect(Set(agents.keys) == ["alpha", "beta", "gamma"])
        #expect(
            agents["beta"]?["summary"] as? String
                == "sent 3 to gamma, received 3 from alpha, checksum bbedc29d, 0 retries")
        let messages = report["messages"] as? [[String: Any]] ?? []
        #expect(messages.count == 3 && messages.allSatisfy { $0["count"] as? Int == 3 }, "\(messages)")
        #expect(result.stderr.contains("alpha → beta: 3"))

        // Each agent's run is in the store under the fleet's id, and replays exactly.
        let fleet = try #require(report["fleet_id"] as? String)
        let runs = try CLI.run(["runs", "--fleet", fleet, "--json", "--db", db])
        let listed = try JSONSerialization.jsonObject(with: Data(runs.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(Set(listed.compactMap { $0["agent"] as? String }) == ["alpha", "beta", "gamma"])
        let id = try #require(listed.first?["id"] as? String)
        let replay = try CLI.run(["replay", id, "--verify", "--db", db])
        #expect(replay.exitCode == 0 && replay.stderr.contains("identical"), "\(replay.stderr)")
    }

    @Test func theNewsroomExampleSendsTheResearchToTheWriterOnTheBundledModel() throws {
        let report = CLI.repositoryRoot + "/examples/out/report.txt"
        try? FileManager.default.removeItem(atPath: report)
        let folder = try TempFolder()
        let result = try CLI.run(["orchestrate", "examples/fleet.nano", "--json", "--db", folder.path + "/runs.db"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let json = try result.json()
        let agents = FleetFixture.agents(json)
        #expect(agents["researcher"]?["summary"] as? String == "sent the notes and their summary to writer")
        #expect(agents["writer"]?["summary"] as? String == "wrote out/report.txt from researcher's message")
        #expect((agents["writer"]?["tokens"] as? Int ?? 0) > 0, "the writer asked the model for a title")
        let messages = json["messages"] as? [[String: Any]] ?? []
        #expect(messages.count == 1 && messages.first?["from"] as? String == "researcher")
        let written = try String(contentsOfFile: report, encoding: .utf8)
        #expect(written.contains("Notes (from researcher):\nMeeting notes, Tuesday"), "\(written)")
    }

    @Test func theNetworkExampleScriptRunsAFleetOnTwoNodes() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["examples/fleet-network/run.sh"]
        process.currentDirectoryURL = URL(fileURLWithPath: CLI.repositoryRoot)
        var environment = ProcessInfo.processInfo.environment
        environment["NANOS"] = CLI.binary
        environment["NO_COLOR"] = "1"
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(output)")
        #expect(output.contains("fleet ring: ok · 3/3 agents ok"), "\(output)")
        #expect(
            output.contains("[node-a] node node-a: taking jobs") && output.contains("[node-b] node node-b: taking jobs")
        )
    }

    @Test func aFleetManifestWithoutAgentsIsAUsageError() throws {
        let folder = try TempFolder()
        let manifest = try folder.write(
            "one.nano", "name: one\nresources: {memory: 1MB, max_steps: 10}\npermissions: {}\ngoal: alone\n")
        let result = try CLI.run(["orchestrate", manifest])
        #expect(result.exitCode == 2)
        #expect(result.stderr.contains("has no `agents:`"), "\(result.stderr)")
    }

    @Test func twoNodesAndTheOrchestratorFinishAFleet() throws {
        let server = try NATSServerProcess()
        let folder = try TempFolder()
        let manifest = try folder.write("ring.nano", FleetFixture.ring(["a", "b", "c", "d"], rounds: 5, llm: false))
        let first = try NodeProcess(name: "node-1", nats: server.url, folder: folder.path, db: folder.path + "/1.db")
        let second = try NodeProcess(name: "node-2", nats: server.url, folder: folder.path, db: folder.path + "/2.db")
        #expect(first.waitFor("taking jobs") && second.waitFor("taking jobs"))
        let result = try CLI.run(
            ["orchestrate", manifest, "--nats", server.url, "--json", "-q", "--db", folder.path + "/o.db"])
        #expect(result.exitCode == 0, "\(result.stderr)\n\(first.text)\n\(second.text)")
        let agents = FleetFixture.agents(try result.json())
        #expect(agents.count == 4)
        for (name, agent) in agents {
            #expect(agent["status"] as? String == "ok", "\(name): \(agent)")
            #expect(["node-1", "node-2"].contains(agent["node"] as? String ?? ""))
            #expect((agent["summary"] as? String)?.hasPrefix("sent 5 to ") == true)
        }
        // A node stops cleanly on SIGTERM.
        first.signal(SIGTERM)
        #expect(first.process.terminationStatus == 0, "\(first.text)")
    }

    @Test func aWrongCredentialIsRefused() throws {
        let server = try NATSServerProcess(auth: .token("right-token-0123456789"))
        let folder = try TempFolder()
        let wrong = try folder.write("wrong.token", "wrong-token-0123456789\n")
        let node = try NodeProcess(
            name: "node-1", nats: server.url, folder: folder.path, db: folder.path + "/n.db",
            ["--nats-token-file", wrong])
        #expect(node.waitForExit() == 13, "\(node.text)")
        #expect(node.text.contains("NATS refused the credentials"), "\(node.text)")
        let orchestrate = try CLI.run(["orchestrate", "examples/fleet_ring.nano", "--nats", server.url])
        #expect(orchestrate.exitCode == 13, "\(orchestrate.stderr)")
        #expect(orchestrate.stderr.contains("refused the credentials"))

        // The right token works.
        let right = try folder.write("right.token", "right-token-0123456789\n")
        let good = try NodeProcess(
            name: "node-2", nats: server.url, folder: folder.path, db: folder.path + "/n2.db",
            ["--nats-token-file", right])
        #expect(good.waitFor("taking jobs"), "\(good.text)")
    }

    @Test func aNodeRefusesAManifestThatExceedsItsPolicyAndTheReasonIsShown() throws {
        let server = try NATSServerProcess()
        let folder = try TempFolder()
        let manifest = try folder.write(
            "ring.nano",
            FleetFixture.ring(["a", "b"], rounds: 1, llm: false).replacingOccurrences(
                of: "permissions: {}", with: "permissions:\n  fs_write: [\"out/report.txt\"]"))
        let policy = try folder.write("policy.yaml", "fs_read: [\"data/**\"]\nmax_memory: 64MB\n")
        let node = try NodeProcess(
            name: "strict", nats: server.url, folder: folder.path, db: folder.path + "/n.db", ["--policy", policy])
        #expect(node.waitFor("taking jobs"), "\(node.text)")
        let result = try CLI.run(["orchestrate", manifest, "--nats", server.url, "--json", "-q", "--deadline", "30s"])
        #expect(result.exitCode == 1, "\(result.stderr)")
        let agents = FleetFixture.agents(try result.json())
        for name in ["a", "b"] {
            #expect(agents[name]?["status"] as? String == "refused")
            let message = agents[name]?["message"] as? String ?? ""
            #expect(
                message.contains("node strict") && message.contains("permissions.fs_write: out/report.txt"),
                "\(message)")
        }
        #expect(result.stderr.contains("permissions.fs_write: out/report.txt is outside this node's policy"))
    }

    @Test func aKilledNodesAgentIsResumedElsewhereWithoutRepeatingAModelCall() throws {
        let folder = try TempFolder()
        let manifest = try folder.write("ring.nano", FleetFixture.ring(["left", "right"], rounds: 40, llm: true))
        // What the fleet ends with when nothing fails.
        let undisturbed = try CLI.run(["orchestrate", manifest, "--json", "-q", "--db", folder.path + "/local.db"])
        #expect(undisturbed.exitCode == 0, "\(undisturbed.stderr)")
        let expected = FleetFixture.agents(try undisturbed.json())

        let server = try NATSServerProcess()
        let doomed = try NodeProcess(name: "doomed", nats: server.url, folder: folder.path, db: folder.path + "/a.db")
        #expect(doomed.waitFor("taking jobs"))
        let orchestrate = BackgroundCLI(
            ["orchestrate", manifest, "--nats", server.url, "--json", "-q", "--db", folder.path + "/o.db"],
            in: folder.path)
        #expect(doomed.waitFor("left (fleet") && doomed.waitFor("right (fleet"), "\(doomed.text)")
        Thread.sleep(forTimeInterval: 1.5)  // well into both runs: each takes about 5 s
        doomed.signal(SIGKILL)
        let survivor = try NodeProcess(
            name: "survivor", nats: server.url, folder: folder.path, db: folder.path + "/b.db")
        let result = try orchestrate.wait()
        #expect(result.exitCode == 0, "\(result.stderr)\n\(survivor.text)")
        let agents = FleetFixture.agents(try result.json())
        for name in ["left", "right"] {
            let agent = try #require(agents[name])
            #expect(agent["node"] as? String == "survivor")
            let replayed = agent["replayed_steps"] as? Int ?? 0
            #expect(replayed > 0, "\(name) was not resumed: \(agent)")
            // The same messages, in the same order: the same result as with no failure.
            #expect(agent["summary"] as? String == expected[name]?["summary"] as? String)
            #expect(agent["tokens"] as? Int == expected[name]?["tokens"] as? Int)
            // No model call twice: the doomed node's model calls are exactly the resumed
            // run's model calls among the steps it replayed.
            let before = try Self.modelCalls(db: folder.path + "/a.db", agent: name)
            let after = try Self.modelCalls(db: folder.path + "/b.db", agent: name)
            #expect(!before.isEmpty)
            #expect(before == after.filter { $0 <= replayed }, "\(name): \(before) vs \(after.prefix(20))")
        }
        #expect(survivor.text.contains("resuming after"))
    }

    /// The step indices of `agent`'s model calls in a node's trace store.
    static func modelCalls(db: String, agent: String) throws -> [Int] {
        let runs = try CLI.run(["runs", "--json", "--db", db])
        let listed = try JSONSerialization.jsonObject(with: Data(runs.stdout.utf8)) as? [[String: Any]] ?? []
        let id = try #require(listed.first { $0["agent"] as? String == agent }?["id"] as? String, "\(runs.stdout)")
        // JSON Lines: the run, then one line per step.
        let shown = try CLI.run(["trace", "show", id, "--json", "--db", db])
        let steps = try shown.stdout.split(separator: "\n").dropFirst().map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:]
        }
        return steps.filter { $0["name"] as? String == "llm.infer" }.compactMap { $0["index"] as? Int }
    }
}
