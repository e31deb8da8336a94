import NanosJSON
import Testing

/// The JSON Schema checks MCP arguments go through before anything is sent.
@Suite struct JSONSchemaTests {
    func violations(_ value: String, _ schema: String) throws -> [String] {
        try JSONSchema(JSONValue.parse(schema)).violations(of: JSONValue.parse(value)).map(\.description)
    }

    static let tool = """
        {"type":"object","required":["path","mode"],"additionalProperties":false,
         "properties":{
           "path":{"type":"string","minLength":1,"maxLength":8,"pattern":"^[a-z/]+$"},
           "mode":{"enum":["read","write"]},
           "count":{"type":"integer","minimum":1,"maximum":10},
           "ratio":{"type":"number","exclusiveMinimum":0,"exclusiveMaximum":1,"multipleOf":0.25},
           "tags":{"type":"array","items":{"type":"string"},"minItems":1,"maxItems":2,"uniqueItems":true},
           "owner":{"anyOf":[{"type":"string"},{"type":"null"}]}}}
        """

    @Test func aConformingValueHasNoViolations() throws {
        #expect(
            try violations(#"{"path":"a/b","mode":"read","count":3,"ratio":0.5,"tags":["x"],"owner":null}"#, Self.tool)
                == [])
        // An integer may be written as a whole double; 1 and 1.0 are the same number.
        #expect(try violations(#"{"path":"a","mode":"write","count":2.0}"#, Self.tool) == [])
    }

    @Test func everyOffendingPathIsReported() throws {
        let found = try violations(
            #"{"path":"A-Long-Path","count":11,"ratio":1,"tags":["x","x","y"],"owner":7,"extra":true}"#, Self.tool)
        #expect(
            found == [
                "/mode: required, but missing",
                "/path: is 11 characters long, longer than maxLength 8",
                "/path: does not match the pattern ^[a-z/]+$",
                "/count: 11 is more than the maximum 10",
                "/ratio: 1 must be less than 1",
                "/tags: has 3 items, more than maxItems 2",
                "/tags: has repeated items, but uniqueItems is set",
                "/owner: matches none of the 2 choices of anyOf: expected string, got integer | expected null, got integer",
                "/extra: unknown property (allowed: path, mode, count, ratio, tags, owner)",
            ])
    }

    @Test func aWrongTypeIsReportedOnceAndNothingBelowIt() throws {
        #expect(
            try violations(#"{"path":3,"mode":"read","count":"three","tags":"x"}"#, Self.tool) == [
                "/path: expected string, got integer",
                "/count: expected integer, got string",
                "/tags: expected array, got string",
            ])
        #expect(try violations("[1]", Self.tool) == ["(root): expected object, got array"])
        #expect(
            try violations(#"{"path":"a","mode":"read","count":2.5}"#, Self.tool) == [
                "/count: expected integer, got number"
            ])
    }

    @Test func nestedValuesAndReferencesAreFollowed() throws {
        // pydantic writes nested models as $refs into $defs.
        let schema = """
            {"$defs":{"Point":{"type":"object","required":["x"],"properties":{"x":{"type":"number"}}}},
             "type":"object","properties":{"points":{"type":"array","items":{"$ref":"#/$defs/Point"}},
                                           "pair":{"type":"array","prefixItems":[{"type":"string"},{"type":"integer"}]},
                                           "a/b":{"type":"boolean"}}}
            """
        #expect(
            try violations(#"{"points":[{"x":1},{"y":2},{"x":"no"}],"pair":["a","b"],"a/b":1}"#, schema) == [
                "/points/1/x: required, but missing",
                "/points/2/x: expected number, got string",
                "/pair/1: expected integer, got string",
                "/a~1b: expected boolean, got integer",
            ])
        #expect(
            try violations("{}", ##"{"$ref":"#/$defs/Missing"}"##) == [
                "(root): the schema's $ref #/$defs/Missing points nowhere"
            ])
    }

    @Test func oneOfNeedsExactlyOneMatchAndNotInverts() throws {
        let schema = #"{"oneOf":[{"type":"integer"},{"type":"number","minimum":0}],"not":{"const":13}}"#
        #expect(try violations("2.5", schema) == [])
        #expect(
            try violations("-1.5", schema) == [
                "(root): matches none of the 2 choices of oneOf: expected integer, got number | -1.5 is less than the minimum 0"
            ])
        #expect(try violations("4", schema) == ["(root): matches 2 of the choices of oneOf; exactly one must match"])
        #expect(try violations("-13", schema) == [])
        #expect(try violations("true", #"{"not":{"type":"boolean"}}"#) == ["(root): matches a schema under `not`"])
    }

    @Test func booleanSchemasAndUnknownKeywords() throws {
        #expect(try violations(#"{"a":1}"#, "true") == [])
        #expect(try violations("1", "false") == ["(root): no value is allowed here"])
        #expect(try violations(#"{"a":1}"#, #"{"properties":{"a":false}}"#) == ["/a: no value is allowed here"])
        // Annotations and keywords outside the supported set constrain nothing.
        #expect(try violations(#""x""#, #"{"type":"string","format":"email","title":"T","x-custom":1}"#) == [])
    }

    @Test func aCyclicSchemaStopsAtTheDepthLimit() throws {
        let found = try violations("1", ##"{"$ref":"#"}"##)
        #expect(found.count == 1 && found[0].contains("nests deeper than \(JSONSchema.maxDepth) levels"))
    }

    @Test func prettyPrintingIndentsContainersAndKeepsPlainArraysOnOneLine() throws {
        let value = try JSONValue.parse(#"{"a":[1,2],"b":{"c":[{"d":null}]},"e":{}}"#)
        #expect(
            value.prettyPrinted() == """
                {
                  "a": [1,2],
                  "b": {
                    "c": [
                      {
                        "d": null
                      }
                    ]
                  },
                  "e": {}
                }
                """)
    }
}
