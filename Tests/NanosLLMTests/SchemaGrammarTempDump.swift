import Foundation
import NanosJSON
import NanosLLM
import Testing

// TEMPORARY, not for commit: dumps grammars and instances for an external llama.cpp check.
@Suite struct SchemaGrammarTempDump {
    @Test func dump() throws {
        guard let dir = ProcessInfo.processInfo.environment["GBNF_DUMP"] else { return }
        for (index, testCase) in SchemaGrammarCase.all.enumerated() {
            let caseDir = "\(dir)/\(index)"
            try FileManager.default.createDirectory(atPath: caseDir, withIntermediateDirectories: true)
            try SchemaGrammar.gbnf(for: JSONValue.parse(testCase.schema)).write(toFile: caseDir + "/grammar.gbnf", atomically: true, encoding: .utf8)
            for (k, text) in testCase.accepted.enumerated() { try text.write(toFile: "\(caseDir)/a\(k)", atomically: true, encoding: .utf8) }
            for (k, text) in testCase.rejected.enumerated() { try text.write(toFile: "\(caseDir)/r\(k)", atomically: true, encoding: .utf8) }
        }
    }
}
