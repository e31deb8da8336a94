import NanosJSON
import NanosLLM
import Testing

/// One schema with texts its grammar must accept and texts it must refuse.
struct SchemaGrammarCase: CustomStringConvertible, Sendable {
    var name: String
    var schema: String
    var accepted: [String]
    var rejected: [String]
    var description: String { name }

    /// The schemas the tests convert; also what a check against llama.cpp's own grammar parser would feed it.
    static let all: [SchemaGrammarCase] = [
        SchemaGrammarCase(
            name: "agent action",
            schema:
                ##"{"type":"object","properties":{"tool":{"enum":["fs_read","fs_write","done"]},"args":{"type":"object"}},"required":["tool","args"]}"##,
            accepted: [
                ##"{"tool":"fs_read","args":{"path":"notes.txt"}}"##,
                ##"{"tool": "done", "args": {}}"##,
                "{\n  \"tool\": \"fs_write\",\n  \"args\": {\"path\": \"a\", \"n\": [1, -2.5e3, true, null], \"s\": \"x\\\"y\\u00e9\"}\n}",
            ],
            rejected: [
                ##"{"tool":"rm","args":{}}"##,  // not in the enum
                ##"{"tool":"done"}"##,  // args missing
                ##"{"tool":"done","args":{},"extra":1}"##,  // extra property
                ##"{"tool":"done","args":[]}"##,  // args of the wrong type
                ##"{"tool":"done","args":{}} and more"##,  // trailing text
                ##"{"tool":"done","args":{}} "##,  // trailing whitespace
                ##"{"args":{},"tool":"done"}"##,  // properties are written in schema order
                ##"{"tool":"done",   "args":{}}"##,  // more whitespace than one space
                "{\"tool\":\"done\",\"args\":{\"a\":\"raw\nnewline\"}}",  // control character in a string
                ##"{"tool":"done","args":{"a":"bad \q escape"}}"##,
                ##"{"tool":"done","args":{"a":01}}"##,  // leading zero
                ##"{"tool":"fs_read","args":{"a":1,}}"##,  // trailing comma
            ]),
        SchemaGrammarCase(
            name: "oneOf per-tool actions",
            schema: #"""
                {"oneOf":[
                  {"type":"object","properties":{"tool":{"const":"fs_read"},
                    "args":{"type":"object","properties":{"path":{"type":"string","maxLength":8}},"required":["path"]}},
                   "required":["tool","args"]},
                  {"type":"object","properties":{"tool":{"const":"fs_write"},
                    "args":{"type":"object","properties":{"path":{"type":"string"},"content":{"type":"string"}},"required":["path","content"]}},
                   "required":["tool","args"]},
                  {"type":"object","properties":{"tool":{"const":"done"},"args":{"type":"object","additionalProperties":false}},
                   "required":["tool","args"]}
                ]}
                """#,
            accepted: [
                ##"{"tool":"fs_read","args":{"path":"a.txt"}}"##,
                ##"{"tool":"fs_write","args":{"path":"a.txt","content":"hi"}}"##,
                ##"{"tool":"done","args":{}}"##,
            ],
            rejected: [
                ##"{"tool":"fs_read","args":{"path":"much-too-long.txt"}}"##,  // maxLength 8
                ##"{"tool":"fs_read","args":{"path":"a","content":"x"}}"##,  // content belongs to fs_write
                ##"{"tool":"fs_write","args":{"path":"a.txt"}}"##,  // content missing
                ##"{"tool":"done","args":{"x":1}}"##,  // done takes no args
                ##"{"tool":"fs_delete","args":{}}"##,
            ]),
        SchemaGrammarCase(
            name: "primitive types",
            schema:
                ##"{"type":"object","properties":{"i":{"type":"integer"},"n":{"type":"number"},"b":{"type":"boolean"},"z":{"type":"null"},"s":{"type":["string","null"]}},"required":["i","n","b","z","s"]}"##,
            accepted: [
                ##"{"i":0,"n":1.5e-3,"b":true,"z":null,"s":"x"}"##,
                ##"{"i":-12,"n":-0.25,"b":false,"z":null,"s":null}"##,
                ##"{"i":7,"n":10,"b":true,"z":null,"s":""}"##,
            ],
            rejected: [
                ##"{"i":1.5,"n":1,"b":true,"z":null,"s":"x"}"##,  // integer with a fraction
                ##"{"i":"1","n":1,"b":true,"z":null,"s":"x"}"##,  // integer as a string
                ##"{"i":1,"n":.5,"b":true,"z":null,"s":"x"}"##,  // number without a leading digit
                ##"{"i":1,"n":+1,"b":true,"z":null,"s":"x"}"##,
                ##"{"i":1,"n":1,"b":"true","z":null,"s":"x"}"##,
                ##"{"i":1,"n":1,"b":true,"z":0,"s":"x"}"##,
                ##"{"i":1,"n":1,"b":true,"z":null,"s":1}"##,
                ##"{"i":12345678901234567,"n":1,"b":true,"z":null,"s":"x"}"##,  // more than 16 digits
            ]),
        SchemaGrammarCase(
            name: "string length",
            schema: ##"{"type":"string","minLength":2,"maxLength":4}"##,
            accepted: [#""ab""#, #""abcd""#, #""aéc""#, #""a\"b""#, #""\u0041b""#],
            rejected: [#""a""#, #""abcde""#, #""""#, "ab", #""ab"#]),
        SchemaGrammarCase(
            name: "array bounds",
            schema: ##"{"type":"array","items":{"type":"integer"},"minItems":1,"maxItems":3}"##,
            accepted: ["[1]", "[1, 2, 3]", "[ 1,2 ]", "[\n1]"],
            rejected: ["[]", "[1,2,3,4]", ##"["a"]"##, "[1,]", "[,1]", "[1 2]"]),
        SchemaGrammarCase(
            name: "array without bounds",
            schema: ##"{"type":"array","items":{"enum":["a","b"]}}"##,
            accepted: ["[]", ##"["a"]"##, ##"["b","a","a","b","b"]"##],
            rejected: [##"["c"]"##, "[", ##"["a"]]"##]),
        SchemaGrammarCase(
            name: "optional properties only",
            schema:
                ##"{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"integer"},"c":{"type":"integer"}}}"##,
            accepted: [
                "{}", ##"{"a":1}"##, ##"{"b":1}"##, ##"{"c":1}"##, ##"{"a":1,"c":3}"##, ##"{"b":2, "c":3}"##,
                ##"{"a":1,"b":2,"c":3}"##,
            ],
            rejected: [
                ##"{"b":1,"a":1}"##, ##"{"a":1,"a":1}"##, ##"{,"a":1}"##, ##"{"a":1,}"##, ##"{"d":1}"##,
                ##"{"a":"x"}"##,
            ]),
        SchemaGrammarCase(
            name: "required before optional",
            schema:
                ##"{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"integer"}},"required":["b"]}"##,
            accepted: [##"{"b":1}"##, ##"{"b":1,"a":"x"}"##],
            rejected: ["{}", ##"{"a":"x"}"##, ##"{"a":"x","b":1}"##]),
        SchemaGrammarCase(
            name: "enum and const of mixed values",
            schema: ##"{"type":"array","items":{"anyOf":[{"enum":["a",1,true,null,2.5]},{"const":{"k":[1]}}]}}"##,
            accepted: [##"["a",1,true,null,2.5,{"k":[1]}]"##],
            rejected: [##"["b"]"##, "[2]", "[false]", ##"[{"k":[2]}]"##]),
        SchemaGrammarCase(
            name: "recursive $defs",
            schema: #"""
                {"$defs":{"node":{"type":"object","properties":{"name":{"type":"string"},
                  "children":{"type":"array","items":{"$ref":"#/$defs/node"}}},"required":["name"]}},
                 "$ref":"#/$defs/node"}
                """#,
            accepted: [
                ##"{"name":"a"}"##,
                ##"{"name":"a","children":[{"name":"b","children":[]},{"name":"c","children":[{"name":"d"}]}]}"##,
            ],
            rejected: [
                ##"{"children":[]}"##, ##"{"name":"a","children":[{"name":1}]}"##, ##"{"name":"a","children":[{}]}"##,
            ]),
        SchemaGrammarCase(
            name: "recursion to the root and definitions",
            schema:
                ##"{"type":"object","definitions":{"leaf":{"type":"integer"}},"properties":{"value":{"$ref":"#/definitions/leaf"},"next":{"anyOf":[{"$ref":"#"},{"type":"null"}]}},"required":["value","next"]}"##,
            accepted: [##"{"value":1,"next":null}"##, ##"{"value":1,"next":{"value":2,"next":null}}"##],
            rejected: [##"{"value":1,"next":{"value":"x","next":null}}"##, ##"{"value":1}"##]),
        SchemaGrammarCase(
            name: "any value",
            schema: "true",
            accepted: ["1", #""s""#, "null", ##"{"a":[1,{"b":false}]}"##, "[]", "{ }"],
            rejected: ["", ##"{"a":}"##, "tru", "[1,]", ##"{"a" 1}"##, "1 2"]),
        SchemaGrammarCase(
            name: "empty schema is any value",
            schema: "{}",
            accepted: ["-0.5", ##"["x"]"##],
            rejected: ["nul", "'x'"]),
        SchemaGrammarCase(
            name: "simple allOf",
            schema:
                ##"{"allOf":[{"type":"object","properties":{"a":{"type":"integer"}},"required":["a"]},{"properties":{"b":{"type":"string"}},"required":["b"]}]}"##,
            accepted: [##"{"a":1,"b":"x"}"##],
            rejected: [##"{"a":1}"##, ##"{"b":"x"}"##, ##"{"a":"1","b":"x"}"##]),
        SchemaGrammarCase(
            name: "oneOf with shared keywords",
            schema:
                ##"{"type":"object","required":["tool"],"oneOf":[{"properties":{"tool":{"const":"a"},"x":{"type":"integer"}}},{"properties":{"tool":{"const":"b"}}}]}"##,
            accepted: [##"{"tool":"a"}"##, ##"{"tool":"a","x":1}"##, ##"{"tool":"b"}"##],
            rejected: [##"{"tool":"b","x":1}"##, ##"{"x":1}"##, "{}"]),
        SchemaGrammarCase(
            name: "$ref with more keywords",
            schema:
                ##"{"$defs":{"base":{"type":"object","properties":{"a":{"type":"integer"}},"required":["a"]}},"$ref":"#/$defs/base","properties":{"b":{"type":"string"}},"required":["b"]}"##,
            accepted: [##"{"a":1,"b":"x"}"##],
            rejected: [##"{"a":1}"##, ##"{"b":"x"}"##]),
        SchemaGrammarCase(
            name: "odd property names",
            schema:
                ##"{"type":"object","properties":{"a b":{"type":"integer"},"a-b":{"type":"integer"},"a_b":{"type":"integer"},"é":{"type":"integer"},"\"q\"":{"type":"integer"},"":{"type":"integer"},"root":{"type":"object","properties":{"string":{"type":"string","minLength":1}},"required":["string"]}},"required":["a b","a-b","a_b","é","\"q\"","","root"]}"##,
            accepted: [##"{"a b":1,"a-b":2,"a_b":3,"é":4,"\"q\"":5,"":6,"root":{"string":"s"}}"##],
            rejected: [
                ##"{"a b":1,"a-b":2,"a_b":3,"é":4,"q":5,"":6,"root":{"string":"s"}}"##,
                ##"{"a b":1,"a-b":2,"a_b":3,"é":4,"\"q\"":5,"":6,"root":{"string":""}}"##,
            ]),
        SchemaGrammarCase(
            name: "map of integers",
            schema: ##"{"type":"object","additionalProperties":{"type":"integer"}}"##,
            accepted: ["{}", ##"{"x":1,"y":2}"##],
            rejected: [##"{"x":"s"}"##, ##"{"x":1,}"##]),
        SchemaGrammarCase(
            name: "glob-shaped path pattern",
            schema: ##"{"type":"string","pattern":"^data/[^/]{1,40}\\.txt$"}"##,
            accepted: [##""data/a.txt""##, ##""data/notes-2 b.txt""##],
            rejected: [
                ##""data/sub/a.txt""##, ##""data/.txt""##, ##""other/a.txt""##, ##""data/a.txt.bak""##,
                ##""data/a.txtx""##,
            ]),
        SchemaGrammarCase(
            name: "pattern with groups, alternation and classes",
            schema: ##"{"type":"string","pattern":"(?:out|tmp)/[a-z0-9_-]+(\\.(txt|md))?"}"##,
            accepted: [##""out/a_b-1.txt""##, ##""tmp/x""##, ##""out/notes.md""##],
            rejected: [##""out/A.txt""##, ##""var/x""##, ##""out/.txt""##, ##""out/a.pdf""##, ##""xout/a""##]),
        SchemaGrammarCase(
            name: "pattern admitting quote and backslash",
            schema: ##"{"type":"string","pattern":"^[a\"\\\\]{2}$"}"##,
            accepted: [##""a\"""##, ##""\\a""##, ##""aa""##],
            rejected: [##""ab""##, ##""a""##, ##""a"""##]),
        SchemaGrammarCase(
            name: "pattern with digit classes and counts",
            schema: ##"{"type":"string","pattern":"^\\d{4}-\\d{1,2}$"}"##,
            accepted: [##""2024-05""##, ##""2024-5""##],
            rejected: [##""24-05""##, ##""2024-123""##, ##""2024_05""##]),
        SchemaGrammarCase(
            name: "empty object only",
            schema: ##"{"type":"object","additionalProperties":false}"##,
            accepted: ["{}", "{ }"],
            rejected: [##"{"a":1}"##]),
    ]
}

@Suite struct SchemaGrammarTests {
    static func grammar(for schema: String) throws -> (text: String, grammar: GBNFGrammar) {
        let text = try SchemaGrammar.gbnf(for: JSONValue.parse(schema))
        return (text, try GBNFGrammar(text))
    }

    @Test(arguments: SchemaGrammarCase.all)
    func grammarAcceptsValidAndRefusesInvalidInstances(_ testCase: SchemaGrammarCase) throws {
        let (text, grammar) = try Self.grammar(for: testCase.schema)
        for instance in testCase.accepted {
            #expect(grammar.matches(instance), "should accept \(instance)\n\(text)")
        }
        for instance in testCase.rejected {
            #expect(!grammar.matches(instance), "should refuse \(instance)\n\(text)")
        }
    }

    @Test(arguments: SchemaGrammarCase.all)
    func ruleNamesAreUniqueGBNFIdentifiersAndAllUsed(_ testCase: SchemaGrammarCase) throws {
        let (text, grammar) = try Self.grammar(for: testCase.schema)
        let names = text.split(separator: "\n").compactMap {
            $0.split(separator: " ::= ", maxSplits: 1).first.map(String.init)
        }
        #expect(names.count == Set(names).count)
        #expect(names == grammar.ruleNames)
        for name in names {
            #expect(
                !name.isEmpty
                    && name.unicodeScalars.allSatisfy {
                        $0.isASCII && ($0 == "-" || $0.properties.isAlphabetic || ("0"..."9").contains($0))
                    })
        }
        #expect(names.first == "root")
        #expect(grammar.unreferencedRules.isEmpty)
    }

    @Test func agentActionGrammarIsReadable() throws {
        let (text, _) = try Self.grammar(for: SchemaGrammarCase.all[0].schema)
        let lines = text.split(separator: "\n")
        #expect(
            lines.first == ##"root ::= "{" ws "\"tool\"" ws ":" ws tool ws "," ws "\"args\"" ws ":" ws object ws "}""##)
        #expect(lines.contains(##"tool ::= "\"fs_read\"" | "\"fs_write\"" | "\"done\"""##))
        // Whitespace between tokens is bounded so a small model cannot loop on it.
        #expect(lines.contains(##"ws ::= (" " | "\n" " "{0,16})?"##))
    }

    @Test(arguments: [
        (
            ##"{"type":"object","properties":{"name":{"type":"string","pattern":"(a)\\1"}}}"##,
            ##"unsupported "pattern" at #/properties/name/pattern: the escape "\1" is not supported"##
        ),
        (##"{"type":"string","pattern":"(?=a)b"}"##, ##"unsupported "pattern" at #/pattern: lookaround"##),
        (##"{"type":"string","pattern":"a^b"}"##, ##"unsupported "pattern" at #/pattern: anchors"##),
        (##"{"type":"string","pattern":"[z-a]"}"##, ##"unsupported "pattern" at #/pattern: a range whose end"##),
        (##"{"type":"string","pattern":"a{0,900}b{0,200}"}"##, ##"unsupported "pattern" at #/pattern: the counted"##),
        (##"{"type":"string","pattern":"^a+$","maxLength":4}"##, ##""pattern" with minLength or maxLength at #:"##),
        (##"{"not":{"type":"null"}}"##, ##"unsupported keyword "not" at #:"##),
        (
            ##"{"type":"object","properties":{"a":{"if":{},"then":{}}}}"##,
            ##"unsupported keyword "if" at #/properties/a:"##
        ),
        (##"{"type":"object","patternProperties":{"^x":{}}}"##, ##"unsupported keyword "patternProperties" at #:"##),
        (
            ##"{"type":"array","items":{"$ref":"https://example.com/item.json"}}"##,
            ##"remote $ref "https://example.com/item.json" at #/items:"##
        ),
        (##"{"$ref":"#/$defs/missing"}"##, ##"unresolved $ref "#/$defs/missing" at #:"##),
        (
            ##"{"$defs":{"a~/b":{"type":"foo"}},"$ref":"#/$defs/a~0~1b"}"##,
            ##"invalid "type" "foo" at #/$defs/a~0~1b:"##
        ),
        (##"{"type":"string","maxLength":5000}"##, ##"invalid "maxLength" 5000 at #:"##),
        (##"{"type":"array","minItems":3,"maxItems":2}"##, ##"invalid "maxItems" at #: 2 is below minItems 3"##),
        (##"{"type":"object","properties":{"a":false}}"##, "schema false at #/properties/a:"),
        (##"{"enum":[]}"##, ##"invalid "enum" at #:"##),
        (##"{"type":"string","enum":[1,2]}"##, "no value allowed at #:"),
        (##"{"allOf":[{"type":"string"},{"type":"integer"}]}"##, "no common type at #/allOf/1:"),
        (
            ##"{"allOf":[{"items":{"type":"string"}},{"items":{"type":"integer"}}]}"##,
            ##"unsupported combination at #/allOf/1: "items""##
        ),
        (
            ##"{"$defs":{"a":{"anyOf":[{"$ref":"#/$defs/a"},{"type":"null"}]}},"$ref":"#/$defs/a"}"##,
            "left recursion at #/$defs/a:"
        ),
        (##"{"type":"object","additionalProperties":false,"required":["x"]}"##, ##"required property "x" at #:"##),
        (##"{"type":"array","uniqueItems":true}"##, ##"unsupported keyword "uniqueItems" at #:"##),
    ])
    func unsupportedOrInvalidSchemasNameThePath(schema: String, expected: String) throws {
        let json = try JSONValue.parse(schema)
        #expect {
            _ = try SchemaGrammar.gbnf(for: json)
        } throws: { error in
            guard case .invalidRequest(let message)? = error as? LLMError else { return false }
            return message.hasPrefix("schema: ") && message.contains(expected)
        }
    }

    @Test func oversizedSchemasAreRefused() throws {
        let values = (0..<7000).map { JSONValue.string("value-\($0)") }
        let large = JSONValue.object([("enum", .array(values))])
        do {
            _ = try SchemaGrammar.gbnf(for: large)
            Issue.record("accepted a schema over \(SchemaGrammar.maxSchemaBytes) bytes")
        } catch {
            #expect(error.description.hasPrefix("schema: schema too large at #:"))
        }
    }

    @Test func deeplyNestedSchemasAreRefused() throws {
        var schema = JSONValue.object([("type", .string("integer"))])
        for _ in 0..<40 { schema = .object([("type", .string("array")), ("items", schema)]) }
        do {
            _ = try SchemaGrammar.gbnf(for: schema)
            Issue.record("accepted 40 nested arrays")
        } catch {
            #expect(error.description.contains("schema nested too deeply at #/items/items/"))
        }
        // 30 levels are fine.
        var shallow = JSONValue.object([("type", .string("integer"))])
        for _ in 0..<30 { shallow = .object([("type", .string("array")), ("items", shallow)]) }
        let grammar = try GBNFGrammar(SchemaGrammar.gbnf(for: shallow))
        #expect(grammar.matches(String(repeating: "[", count: 30) + "7" + String(repeating: "]", count: 30)))
    }

    @Test func schemasNeedingTooManyRulesAreRefused() throws {
        let object = JSONValue.object([
            ("type", .string("object")), ("properties", .object([("x", .object([("type", .string("integer"))]))])),
        ])
        let properties = (0..<300).map { ("p\($0)", object) }
        let schema = JSONValue.object([("type", .string("object")), ("properties", .object(properties))])
        do {
            _ = try SchemaGrammar.gbnf(for: schema)
            Issue.record("accepted a schema needing 300 rules")
        } catch {
            #expect(error.description.contains("more than \(SchemaGrammar.maxRules) rules"))
        }
    }
}
