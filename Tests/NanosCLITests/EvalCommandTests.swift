import Foundation
import Testing

/// `nanos eval` on suites of the compiled hello agent (no model): each task runs on a
/// copy of its folder and passes only when its check holds and nothing else changed.
// Serialized: each test blocks a thread of the shared pool while the binary runs, and
// servers other suites start (llama-server, MCP) need that pool to see they are up.
@Suite(.serialized) struct EvalCommandTests {
    static let hello = CLI.repositoryRoot + "/examples/build/hello.wasm"

    /// A task folder: the hello agent's manifest, its input file and `check`.
    static func addTask(_ name: String, to suite: TempFolder, check: String) throws {
        try suite.write(
            "\(name)/task.nano",
            """
            name: \(name)
            binary: \(hello)
            goal: Count the lines and words of data/notes.txt and write a summary to out/summary.txt.
            resources: {memory: 16MB, max_steps: 32, timeout: 10s}
            tools: [agent, fs_read, fs_write]
            permissions:
              fs_read: ["data/*.txt"]
              fs_write: ["out/*.txt"]

            """)
        try suite.write("\(name)/data/notes.txt", "one two\nthree four five\n")
        try suite.write("\(name)/out/keep", "")
        try suite.write("\(name)/check.json", check)
    }

    @Test func checksWhatEachTaskLeftBehindOnACopyOfItsFolder() throws {
        let suite = try TempFolder()
        try Self.addTask(
            "a-passes", to: suite,
            check:
                #"{"files": {"out/summary.txt": {"contains": ["lines: 2", "words: 5"]}}, "summary_contains": ["5 WORDS"]}"#
        )
        try Self.addTask("b-wrong-text", to: suite, check: #"{"files": {"out/summary.txt": {"equals": "lines: 3"}}}"#)
        try Self.addTask("c-unasked-file", to: suite, check: #"{"status": "ok"}"#)
        try Self.addTask(
            "d-wrong-status", to: suite,
            check: #"{"status": "max_steps", "files": {"out/summary.txt": {"absent": true}}}"#)

        let result = try CLI.run(["eval", suite.path, "--json", "--no-record"])
        #expect(result.exitCode == 1, "fewer tasks passed than all: \(result.stderr)")
        let report = try result.json()
        #expect(report["passed"] as? Int == 1)
        #expect(report["tasks"] as? Int == 4)
        let results = try #require(report["results"] as? [[String: Any]])
        #expect(
            results.map { $0["task"] as? String } == ["a-passes", "b-wrong-text", "c-unasked-file", "d-wrong-status"])
        #expect(results.map { $0["passed"] as? Bool } == [true, false, false, false])
        #expect(results.allSatisfy { $0["status"] as? String == "ok" && $0["model_calls"] as? Int == 0 })
        let failures = results.map { $0["failures"] as? [String] ?? [] }
        #expect(
            failures[1].count == 1
                && failures[1][0].hasPrefix(#"out/summary.txt holds "file: data/notes.txt\nlines: 2"#))
        #expect(failures[2] == ["out/summary.txt was created"])
        #expect(failures[3] == ["the run ended ok, not max_steps", "out/summary.txt exists"])
        // Runs happen on copies: the suite itself is as it was.
        #expect(!FileManager.default.fileExists(atPath: suite.path + "/a-passes/out/summary.txt"))
        #expect(result.stderr.contains("[1/4] a-passes: pass · 0 model calls"))

        let lenient = try CLI.run(["eval", suite.path, "--require", "1", "--no-record"])
        #expect(lenient.exitCode == 0, "\(lenient.stderr)")
        #expect(lenient.stdout.contains("1/4 passed (25%) · median model calls 0"))
        #expect(lenient.stdout.contains("    out/summary.txt was created"))
    }

    @Test(arguments: [
        (#"{"files": {"../x": {"absent": true}}}"#, "files.../x: must be a relative path inside the task folder"),
        (#"{"files": {"out/a": {"equal": "x"}}}"#, "files.out/a.equal: unknown expectation"),
        (#"{"summary": ["x"]}"#, "summary: unknown field"),
        (#"["x"]"#, "must be a JSON object"),
    ])
    func aMalformedCheckNamesItsFieldAndExitsTwo(check: String, expected: String) throws {
        let suite = try TempFolder()
        try Self.addTask("only", to: suite, check: check)
        let result = try CLI.run(["eval", suite.path, "--no-record"])
        #expect(result.exitCode == 2)
        #expect(result.stderr.contains("only/check.json: \(expected)"), "stderr: \(result.stderr)")
    }

    @Test func aTaskWhoseManifestIsBrokenFailsNamingItsOwnFolder() throws {
        let suite = try TempFolder()
        try Self.addTask("only", to: suite, check: #"{"status": "ok"}"#)
        try suite.write("only/task.nano", "name: [unclosed\n")
        let result = try CLI.run(["eval", suite.path, "--json", "--no-record"])
        #expect(result.exitCode == 1)
        let results = try #require(try result.json()["results"] as? [[String: Any]])
        let failures = results.first?["failures"] as? [String] ?? []
        #expect(failures.count == 1 && failures[0].contains(suite.path + "/only/task.nano"), "\(failures)")
        #expect(!failures.joined().contains("nanos-eval-"), "the scratch copy is not what the user knows")
    }

    @Test func aFolderWithoutTasksIsRefused() throws {
        let empty = try TempFolder()
        let result = try CLI.run(["eval", empty.path])
        #expect(result.exitCode == 2)
        #expect(result.stderr.contains("holds no task folder (a folder with task.nano)"))
    }
}
