import Foundation
import Testing

/// `nanos compile` on an agent someone sent you reads only that agent's folder: before
/// the fix, an import of `../secret/secret.txt` was baked into the module and the agent
/// returned it with `permissions: {}`.
@Suite struct CompileConfinementTests {
    /// A folder holding `agent/` (the sent agent) and `secret/secret.txt` beside it.
    func layout() throws -> TempFolder {
        let folder = try TempFolder()
        try folder.write("secret/secret.txt", "TOP-SECRET-4242")
        return folder
    }

    func compile(_ folder: TempFolder, _ file: String, _ extra: [String] = []) throws -> CLI.Result {
        try CLI.run(["compile", folder.path + "/agent/" + file, "-o", folder.path + "/agent/agent.wasm"] + extra)
    }

    func moduleContainsSecret(_ folder: TempFolder) -> Bool {
        guard let bytes = FileManager.default.contents(atPath: folder.path + "/agent/agent.wasm") else { return false }
        return bytes.range(of: Data("TOP-SECRET-4242".utf8)) != nil
    }

    @Test(arguments: [
        "import secret from \"../secret/secret.txt\";",
        "import secret from \"SECRET_ABSOLUTE\";",
        "const secret = require(\"../secret/secret.txt\");",
    ])
    func aTypeScriptImportOutsideTheFolderIsRefused(line: String) throws {
        let folder = try layout()
        let source = line.replacingOccurrences(of: "SECRET_ABSOLUTE", with: folder.path + "/secret/secret.txt")
        try folder.write("agent/agent.ts", "import { agent } from \"nanos\";\n\(source)\nagent.done(String(secret));\n")
        let result = try compile(folder, "agent.ts")
        #expect(result.exitCode == 1)
        #expect(result.stderr.contains("is outside"), "stderr: \(result.stderr)")
        #expect(result.stderr.contains("--root"))
        #expect(!result.stderr.contains("TOP-SECRET"))
        #expect(!moduleContainsSecret(folder))
    }

    @Test func aSymlinkInTheFolderLeadingOutIsRefused() throws {
        let folder = try layout()
        try FileManager.default.createDirectory(atPath: folder.path + "/agent", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: folder.path + "/agent/notes.txt", withDestinationPath: folder.path + "/secret/secret.txt")
        try folder.write(
            "agent/agent.ts", "import { agent } from \"nanos\";\nimport n from \"./notes.txt\";\nagent.done(n);\n")
        let result = try compile(folder, "agent.ts")
        #expect(result.exitCode == 1)
        #expect(result.stderr.contains("is outside"), "stderr: \(result.stderr)")
        #expect(!moduleContainsSecret(folder))
    }

    @Test func aWiderRootAllowsWhatTheUserChose() throws {
        let folder = try layout()
        try folder.write(
            "agent/agent.ts",
            "import { agent } from \"nanos\";\nimport s from \"../secret/secret.txt\";\nagent.done(s);\n")
        let result = try compile(folder, "agent.ts", ["--root", folder.path])
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
    }

    @Test func localImportsInsideTheFolderStillBundle() throws {
        let folder = try layout()
        try folder.write("agent/lib/util.ts", "export const answer: number = 42;\n")
        try folder.write("agent/lib/data.json", "{\"x\": 1}\n")
        try folder.write(
            "agent/agent.ts",
            "import { agent } from \"nanos\";\nimport { answer } from \"./lib/util\";\nimport d from \"./lib/data.json\";\nagent.done(`${answer} ${d.x}`);\n"
        )
        let result = try compile(folder, "agent.ts")
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
    }

    @Test(arguments: [
        "#include \"../secret/secret.h\"",
        "static const char s[] = {\n#embed \"../secret/secret.txt\"\n, 0};",
        "__asm__(\".section .data.s,\\\"\\\",@\\n.incbin \\\"SECRET\\\"\\n\");",
    ])
    func aCAgentReadingOutsideItsFolderIsRefused(line: String) throws {
        let folder = try layout()
        try folder.write("secret/secret.h", "static const char *s = \"TOP-SECRET-4242\";\n")
        let source = line.replacingOccurrences(of: "SECRET", with: folder.path + "/secret/secret.txt")
        try folder.write("agent/agent.c", "\(source)\nint run(void) { return 0; }\n")
        let result = try compile(folder, "agent.c")
        #expect(result.exitCode == 1, "stderr: \(result.stderr)")
        #expect(
            result.stderr.contains("is outside") || result.stderr.contains("inline assembly"),
            "stderr: \(result.stderr)")
        #expect(!moduleContainsSecret(folder))
    }

    @Test func aWATFileNestedTenThousandDeepIsACompileErrorNotACrash() throws {
        let folder = try TempFolder()
        let depth = 10_000
        let wat =
            "(module (func (export \"run\") (result i32) " + String(repeating: "(i32.add (i32.const 1) ", count: depth)
            + "(i32.const 0)" + String(repeating: ")", count: depth) + "))"
        let input = try folder.write("deep.wat", wat)
        let result = try CLI.run(["compile", input, "-o", folder.path + "/deep.wasm"])
        #expect(result.exitCode == 1)
        #expect(result.stderr.contains("deeper than 1000 levels"), "stderr: \(result.stderr)")
        let manifest = try folder.write(
            "deep.nano", "binary: deep.wat\nresources: {memory: 1MB, max_steps: 5}\npermissions: {}\n")
        let run = try CLI.run(["run", manifest])
        #expect(run.exitCode == 9, "stderr: \(run.stderr)")
    }
}
