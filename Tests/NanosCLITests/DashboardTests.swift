import Foundation
import Testing

/// `nanos dashboard` in a real terminal: a tmux pane, driven by keys and read back as a
/// person would see it.
@Suite(.serialized) struct DashboardTests {
    /// Where STATUS starts in the table's header line, if it is on the screen.
    static func statusColumn(_ screen: String) -> Int? {
        guard let line = screen.split(separator: "\n").first(where: { $0.contains("LAST CALL") }),
            let range = line.range(of: "STATUS")
        else { return nil }
        return line.distance(from: line.startIndex, to: range.lowerBound)
    }

    @Test func aFleetIsShownLiveAndSteppedThroughAndTheTerminalIsRestored() throws {
        let folder = try TempFolder()
        try folder.write("ring.nano", FleetFixture.ring(["left", "right"], rounds: 30, llm: true))
        let session = try TmuxSession(
            "\(CLI.binary) dashboard ring.nano --db runs.db --stats; stty -a > stty.txt; echo dashboard-exited; sleep 120",
            directory: folder.path, environment: ["NO_COLOR": "1"])

        // 80×24: the header, the table and the key hints fit; the rows update live.
        #expect(session.waitFor("fleet ring"), "\(session.screen())")
        #expect(session.screen().contains("q quit"))
        #expect(Self.statusColumn(session.screen()) == 12, "\(session.screen())")
        #expect(session.waitFor("running"), "\(session.screen())")
        #expect(
            session.waitUntil { $0.contains("agent.send") || $0.contains("agent.recv") },
            "the last call column follows the runs: \(session.screen())")
        #expect(session.waitFor("right: → left"), "messages show in the event log: \(session.screen())")
        #expect(
            session.waitUntil(seconds: 90) { $0.contains("2 ok") }, "both agents end ok: \(session.screen())")

        // Navigation: the second row, then its steps.
        session.send("j")
        session.send("Enter")
        #expect(session.waitFor("right · run"), "\(session.screen())")
        // The step detail: every byte of the selected step's request and outcome.
        session.send("g")
        #expect(session.waitFor("step 1 · agent.goal"), "\(session.screen())")
        #expect(session.screen().contains("rounds=30 next=left llm=1"))
        session.send("j")
        #expect(session.waitFor("step 2 · llm.infer"), "\(session.screen())")
        #expect(session.screen().contains("Name one colour for round 1"))
        // NO_COLOR: no colour, only reverse video for the selection.
        let styled = session.screen(escapes: true)
        #expect(!styled.contains("[31m") && !styled.contains("[32m") && !styled.contains("[36m"))
        #expect(styled.contains("[7m"))
        session.send("Escape")
        #expect(session.waitFor("LAST CALL"))

        // A resize redraws at the new size.
        session.resize(columns: 110, rows: 30)
        #expect(session.waitUntil { Self.statusColumn($0) == 42 }, "\(session.screen())")
        #expect(session.screen().split(separator: "\n", omittingEmptySubsequences: false).count >= 30)

        session.send("?")
        #expect(session.waitFor("cancel the selected run"))
        session.send("Escape")
        #expect(session.waitFor("LAST CALL"))

        // q quits and gives the terminal back as it was.
        session.send("q")
        #expect(session.waitFor("dashboard-exited"), "\(session.screen())")
        let stty = try folder.read("stty.txt")
        #expect(stty.contains(" icanon") && !stty.contains("-icanon"), "\(stty)")
        #expect(stty.contains(" echo ") && !stty.contains("-echo "), "\(stty)")
        #expect(!session.screen().contains("LAST CALL"), "the main screen is back")
        #expect(session.screen().contains("dashboard:") && session.screen().contains("% of one core"))
    }

    @Test func anAttachedServerIsWatchedAndAStepIsForkedThroughTheEditor() throws {
        let folder = try TempFolder()
        let token = "dashboard-test-token-0123456789"
        let tokenFile = try folder.write("token", token + "\n")
        let server = try ServeProcess(
            root: CLI.repositoryRoot + "/examples", db: folder.path + "/runs.db", token: token)
        let started = try server.request("POST", "/v1/runs", json: ["manifest": "hello.nano", "wait": true])
        #expect(started.status == 200)
        let editor = try folder.write("edit.sh", "#!/bin/sh\nprintf 'one line only' > \"$1\"\n")
        chmod(editor, 0o755)
        let session = try TmuxSession(
            "\(CLI.binary) dashboard --attach \(server.address) --token-file \(tokenFile)",
            directory: folder.path, environment: ["EDITOR": editor])
        #expect(session.waitFor("hello"), "\(session.screen())")
        #expect(session.screen().contains("serve http://127.0.0.1:"))
        session.send("Enter")
        #expect(session.waitFor("hello · run"), "\(session.screen())")
        session.send("g")
        session.send("j")
        session.send("j")
        #expect(session.waitFor("step 3 · fs.read"), "\(session.screen())")
        #expect(session.screen().contains("Meeting notes, Tuesday"), "the outcome's bytes are shown")
        session.send("f")
        #expect(session.waitFor("forked hello at step 3"), "\(session.screen())")
        #expect(session.waitFor("forked from"), "\(session.screen())")
        #expect(
            session.waitUntil(seconds: 60) { $0.contains("1 lines, 3 words") },
            "the fork ran on with the edited outcome: \(session.screen())")
        // The server has the fork, with its parent.
        let runs = try server.request("GET", "/v1/runs").json()["runs"] as? [[String: Any]] ?? []
        #expect(runs.contains { $0["parent"] is String && $0["fork_step"] as? Int == 3 })
        session.send("q")
    }

    @Test func aNonTerminalGetsOnePlainSnapshot() throws {
        let folder = try TempFolder()
        let db = folder.path + "/runs.db"
        _ = try CLI.run(["run", "examples/hello.nano", "-q", "--db", db])
        let result = try CLI.run(["dashboard", "--db", db])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout.contains("LAST CALL") && result.stdout.contains("hello"), "\(result.stdout)")
        #expect(!result.stdout.contains("\u{1B}["), "no escape sequences on a non-terminal")
    }
}
