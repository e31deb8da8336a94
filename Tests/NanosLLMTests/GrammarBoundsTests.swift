import Testing

import NanosJSON
@testable import NanosLLM

/// llama.cpp's grammar parser recurses per group: a guest's grammar is bounded first.
@Suite struct GrammarBoundsTests {
    static func nested(_ depth: Int) -> String {
        "root ::= " + String(repeating: "(", count: depth) + "[a]" + String(repeating: ")", count: depth)
    }

    @Test func aGrammarNestedThirtyThousandDeepIsRefusedBeforeLlamaSeesIt() {
        #expect(throws: LLMError.invalidRequest("llm request: \"grammar\" nests groups deeper than 64 levels")) {
            try InferenceRequest.parse(Array("{\"prompt\":\"x\",\"grammar\":\"\(Self.nested(30_000))\"}".utf8))
        }
    }

    @Test func parenthesesInsideLiteralsClassesAndCommentsDoNotCount() throws {
        let grammar =
            "# ((((((\nroot ::= \"(((\" [(] " + String(repeating: "(", count: 64) + "\"\\\"(\""
            + String(repeating: ")", count: 64)
        try GrammarBounds.check(grammar)
    }

    @Test func tooManyRulesOrBytesAreRefused() {
        let rules = (0...GrammarBounds.maxRules).map { "r\($0) ::= \"a\"" }.joined(separator: "\n")
        #expect(throws: LLMError.self) { try GrammarBounds.check("root ::= r0\n" + rules) }
        #expect(throws: LLMError.self) {
            try GrammarBounds.check("root ::= \"" + String(repeating: "a", count: GrammarBounds.maxBytes) + "\"")
        }
    }

    @Test func schemaGrammarsStayInsideTheBounds() throws {
        let schema = try JSONValue.parse(
            #"{"type":"object","properties":{"a":{"type":"array","items":{"type":"object","properties":{"b":{"type":"string","maxLength":20}}}}}}"#
        )
        try GrammarBounds.check(try SchemaGrammar.gbnf(for: schema))
    }
}
