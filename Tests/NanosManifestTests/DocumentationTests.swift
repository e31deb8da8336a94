import Foundation
import Testing

@testable import NanosManifest

@Suite struct DocumentationTests {
    /// The example in docs/manifest.md must stay a manifest that loads.
    @Test func referenceExampleParses() throws {
        let docs = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/manifest.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        let example = try #require(
            text.components(separatedBy: "```yaml\n").dropFirst().first?
                .components(separatedBy: "```").first)

        let manifest = try parse(example)
        #expect(manifest.name == "summarizer")
        #expect(manifest.model?.path == "/agents/demo/models/SmolLM2-135M-Instruct.Q4_1.gguf")
        #expect(manifest.resources.timeout == .seconds(120))
        #expect(manifest.permissions.network == .hosts(["api.example.com"]))
        #expect(manifest.tools == [.fs_read, .fs_write, .llm, .agent])
        #expect(manifest.binary == "/agents/demo/build/summarizer.wasm")
    }
}
