import NanosJSON
import NanosLLM

/// JSON Schemas as MCP servers and guests send them: the checker MCP arguments go
/// through, and the schema → GBNF converter behind `llm_infer`'s `schema`. The input's
/// first line is the schema, the rest the value checked against it.
let schemaTarget = FuzzTarget(
    name: "schema",
    summary:
        "JSONSchema(schema).violations(of: value), SchemaGrammar.gbnf(for: schema), an llm request's StopFilter; line 1 schema, rest value",
    run: { bytes in
        let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
        guard let schema = try? JSONValue.parse(bytes[..<newline]) else { return }
        let rest = newline < bytes.count ? bytes[(newline + 1)...] : bytes[bytes.count...]
        let value = (try? JSONValue.parse(rest)) ?? .string(String(decoding: rest, as: UTF8.self))
        for violation in JSONSchema(schema).violations(of: value) { _ = violation.description }
        do throws(LLMError) {
            let grammar = try SchemaGrammar.gbnf(for: schema)
            check(grammar.utf8.count <= SchemaGrammar.maxGrammarBytes, "grammar of \(grammar.utf8.count) bytes")
        } catch {
            _ = error.description
        }
        // An llm request whose schema this is (what `llm_infer` reads).
        // Its stop strings cut the echo of its prompt the way they cut a model's answer.
        if case .object = value, let request = try? InferenceRequest(json: value) {
            let stream = EchoModel().stream(for: request)
            while let piece = try? stream.next() { _ = piece }
        }
    })
