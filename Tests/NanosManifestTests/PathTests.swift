import Foundation
import Testing

@testable import NanosManifest

@Suite struct PathTests {
    @Test func relativePathsResolveAgainstTheManifestFolder() throws {
        let manifest = try parse(
            minimalManifest + """

                binary: build/agent.wasm
                model:
                  path: ../models/./smol.gguf
                mcp_servers:
                  - {name: a, command: x, cwd: /srv/a}
                """)
        #expect(manifest.binary == "/agents/demo/build/agent.wasm")
        #expect(manifest.model?.path == "/agents/models/smol.gguf")
        #expect(manifest.mcpServers.first?.cwd == "/srv/a")
    }

    @Test func homeFolderIsExpanded() throws {
        let manifest = try parse(minimalManifest + "\nbinary: ~/agents/a.wasm\n")
        #expect(manifest.binary == NSHomeDirectory() + "/agents/a.wasm")
    }

    @Test func permissionGlobsStayAsWritten() throws {
        let manifest = try parse(
            "resources: {memory: 1MB, max_steps: 1}\npermissions:\n  fs_read: [\"./data/**\", \"*.md\"]\n")
        #expect(manifest.permissions.fsRead == ["./data/**", "*.md"])
    }

    @Test func loadResolvesTheManifestFolderThroughSymlinks() throws {
        let fileManager = FileManager.default
        let scratch = fileManager.temporaryDirectory.appendingPathComponent("nanos-manifest-\(UUID().uuidString)")
        try fileManager.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? fileManager.removeItem(at: scratch) }
        // Resolve the scratch folder itself first (macOS's temporary folder is behind a symlink).
        let base = try #require(scratch.path.withCString { realpath($0, nil) })
        defer { free(base) }
        let root = String(cString: base)
        try fileManager.createDirectory(atPath: root + "/real", withIntermediateDirectories: true)
        try fileManager.createSymbolicLink(atPath: root + "/link", withDestinationPath: root + "/real")
        try (minimalManifest + "\nbinary: agent.wasm\n").write(
            toFile: root + "/real/agent.nano", atomically: true, encoding: .utf8)

        let manifest = try Manifest.load(path: root + "/link/agent.nano")
        #expect(manifest.directory == root + "/real")
        #expect(manifest.binary == root + "/real/agent.wasm")
        #expect(manifest.sourcePath == root + "/link/agent.nano")
    }

    @Test func loadErrorsNameTheFile() throws {
        do {
            _ = try Manifest.load(path: "no-such-folder/agent.nano")
            Issue.record("loading a missing file succeeded")
        } catch {
            #expect(error.file == "no-such-folder/agent.nano")
            #expect(error.description.hasPrefix("no-such-folder/agent.nano: no such file\n  hint: looked for /"))
        }
        do {
            _ = try Manifest.load(path: FileManager.default.temporaryDirectory.path)
            Issue.record("loading a folder succeeded")
        } catch {
            #expect(error.message == "is a folder, not a manifest file")
        }
    }

    @Test func loadReportsErrorsWithTheFileName() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("broken-\(UUID().uuidString).nano")
        try "resources:\n  memory: 1MB\npermissions: {}\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        do {
            _ = try Manifest.load(path: file.path)
            Issue.record("a manifest without max_steps loaded")
        } catch {
            #expect(error.description == "\(file.path):1:1: resources.max_steps: required, but missing")
        }
    }
}
