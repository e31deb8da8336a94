import Foundation
import NanosJSON
import Synchronization

/// Converts a guest's JSON Schema (the `schema` field of an `llm.infer` request) into a
/// GBNF grammar (root rule `root`) for llama.cpp's grammar sampler, so that decoding can
/// only write JSON the schema accepts. docs/llm.md ("Structured output") lists the subset.
///
/// Where the grammar cannot follow the schema exactly it is tighter, never looser, so
/// every answer still validates: only listed properties are written, in a fixed order,
/// with at most one space or newline between tokens. The exceptions, documented, are
/// number ranges (`minimum`, `maximum`, `multipleOf`) and `format`, which are not enforced.
/// `pattern` is converted for the subset ``SchemaPattern`` reads, matched against the whole
/// value. Keywords that would change the meaning and cannot be expressed (`not`,
/// `if`, …) are refused with the schema path, as are oversized or too deeply nested schemas:
/// a guest sends them.
public enum SchemaGrammar {
    /// The largest schema accepted, serialized.
    public static let maxSchemaBytes = 64 * 1024
    /// The deepest chain of subschemas (properties, items, branches, references).
    public static let maxNesting = 32
    /// The most rules one grammar may have.
    public static let maxRules = 256
    /// The largest `minLength`, `maxLength`, `minItems` or `maxItems`: llama.cpp's grammar
    /// parser expands bounded repetitions into rules and refuses more than 2000.
    public static let maxRepetition = 1000
    /// The largest grammar text written.
    public static let maxGrammarBytes = 256 * 1024

    /// The GBNF grammar for `schema`, or `LLMError.invalidRequest` naming the schema path.
    public static func gbnf(for schema: JSONValue) throws(LLMError) -> String {
        let size = schema.serialized().utf8.count
        guard size <= maxSchemaBytes else {
            throw SchemaPath.root.error("schema too large", "\(size) bytes serialized; at most \(maxSchemaBytes)")
        }
        var converter = SchemaConverter(document: schema)
        return try converter.grammar()
    }

    /// ``gbnf(for:)`` converted once per process: an agent sends the same schema at every step.
    public static func cachedGBNF(for schema: JSONValue) throws(LLMError) -> String {
        let key = schema.serialized()
        if let known = cache.withLock({ $0.grammars[key] }) { return known }
        let grammar = try gbnf(for: schema)
        cache.withLock { cache in
            if cache.grammars.updateValue(grammar, forKey: key) == nil { cache.order.append(key) }
            while cache.order.count > maxCachedSchemas {
                cache.grammars.removeValue(forKey: cache.order.removeFirst())
            }
        }
        return grammar
    }

    /// Schemas whose grammar is kept (each at most ``maxSchemaBytes`` plus its grammar).
    static let maxCachedSchemas = 32
    private static let cache = Mutex<(grammars: [String: String], order: [String])>(([:], []))
}

/// Where in the guest's schema something is, written as a JSON pointer fragment (`#/properties/a`).
struct SchemaPath: CustomStringConvertible {
    var segments: [String]

    static let root = SchemaPath(segments: [])

    func appending(_ segment: String) -> SchemaPath { SchemaPath(segments: segments + [segment]) }
    func appending(_ index: Int) -> SchemaPath { appending(String(index)) }

    var description: String {
        "#"
            + segments.map {
                "/" + $0.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
            }.joined()
    }

    /// The error a guest reads: `schema: <what> at <path>: <why>`.
    func error(_ what: String, _ why: String) -> LLMError {
        .invalidRequest("schema: \(what) at \(self): \(why)")
    }
}

/// The JSON types a schema may name.
enum SchemaType: String, CaseIterable {
    case object, array, string, integer, number, boolean, null

    func admits(_ value: JSONValue) -> Bool {
        switch (self, value) {
        case (.object, .object), (.array, .array), (.string, .string), (.boolean, .bool), (.null, .null): return true
        case (.number, .int), (.number, .double), (.integer, .int): return true
        case (.integer, .double(let number)): return number.rounded() == number
        default: return false
        }
    }
}

/// Keywords whose meaning a grammar cannot carry; refusing is better than silently accepting more.
private let refusedKeywords: [String: String] = [
    "patternProperties": "property names chosen by regular expressions are not supported",
    "not": "negated schemas cannot be written as a grammar",
    "if": "conditional schemas are not supported",
    "then": "conditional schemas are not supported",
    "else": "conditional schemas are not supported",
    "propertyNames": "constraints on property names are not supported",
    "minProperties": "property counts are not supported; use required",
    "maxProperties": "property counts are not supported; list the properties instead",
    "dependentRequired": "dependencies between properties are not supported",
    "dependentSchemas": "dependencies between properties are not supported",
    "dependencies": "dependencies between properties are not supported",
    "unevaluatedProperties":
        "unevaluated properties are not supported; listed properties are the only ones written anyway",
    "unevaluatedItems": "unevaluated items are not supported",
    "prefixItems": "tuples are not supported; use items",
    "contains": "array membership constraints are not supported",
    "minContains": "array membership constraints are not supported",
    "maxContains": "array membership constraints are not supported",
    "$dynamicRef": "dynamic references are not supported; use $ref",
    "$recursiveRef": "dynamic references are not supported; use $ref",
]

/// Keywords the converter acts on; every other keyword is an annotation or is documented as not enforced.
private let constraintKeywords: Set<String> = [
    "type", "enum", "const", "properties", "required", "additionalProperties", "items", "minItems", "maxItems",
    "minLength", "maxLength", "pattern", "oneOf", "anyOf", "allOf", "$ref", "uniqueItems",
]

/// Walks one schema and collects the rules of its grammar.
struct SchemaConverter {
    let document: JSONValue
    /// Named rules besides `root` and the primitives, in the order they were named.
    private var ruleOrder: [String] = []
    private var rules: [String: GrammarExpression] = [:]
    /// Where each named rule comes from, for error messages.
    private var rulePaths: [String: SchemaPath] = [:]
    private var usedPrimitives: Set<GrammarPrimitive> = []
    /// Rule names of `$ref` targets, by target path, so that a recursive schema refers to its own rule.
    private var referenceRules: [String: String] = [:]
    private var takenNames: Set<String> = Set(GrammarPrimitive.allCases.map(\.rawValue) + ["root"])

    init(document: JSONValue) { self.document = document }

    mutating func grammar() throws(LLMError) -> String {
        let root = try expression(for: document, at: .root, name: "root", depth: 0)
        var all = rules
        all["root"] = root
        rulePaths["root"] = .root
        for primitive in usedPrimitives { all[primitive.rawValue] = primitive.body }
        if let rule = LeftRecursion.find(in: all) {
            throw (rulePaths[rule] ?? .root).error(
                "left recursion",
                "the schema refers back to itself before any text is written (for example a $ref among its own anyOf branches)"
            )
        }
        var lines = ["root ::= " + root.gbnf()]
        for name in ruleOrder { lines.append(name + " ::= " + (rules[name] ?? .literal("")).gbnf()) }
        for primitive in GrammarPrimitive.allCases where usedPrimitives.contains(primitive) {
            lines.append(primitive.rawValue + " ::= " + primitive.body.gbnf())
        }
        let text = lines.joined(separator: "\n") + "\n"
        guard text.utf8.count <= SchemaGrammar.maxGrammarBytes else {
            throw SchemaPath.root.error(
                "grammar too large", "it would be \(text.utf8.count) bytes; at most \(SchemaGrammar.maxGrammarBytes)")
        }
        return text
    }

    // MARK: schemas

    /// The grammar for one schema, unnamed.
    private mutating func expression(
        for schema: JSONValue, at path: SchemaPath, name: String, depth: Int
    ) throws(LLMError) -> GrammarExpression {
        guard depth <= SchemaGrammar.maxNesting else {
            throw path.error(
                "schema nested too deeply", "more than \(SchemaGrammar.maxNesting) levels of subschemas and references")
        }
        if let allowed = schema.boolValue {
            guard allowed else { throw path.error("schema false", "it matches nothing, so no answer could be written") }
            return try use(.value, at: path)
        }
        guard schema.objectValue != nil else {
            throw path.error("invalid schema", "a schema must be an object or a boolean")
        }
        try checkKeywords(of: schema, at: path)

        if let reference = schema["$ref"] {
            let target = try resolve(reference, at: path)
            let others = constraints(of: schema, except: ["$ref"])
            guard others.isEmpty else {
                // Keywords next to $ref apply too: inline the target with them.
                let merged = try merge(target.schema, .object(others), at: path, depth: depth)
                return try expression(for: merged, at: path, name: name, depth: depth + 1)
            }
            return try rule(for: target, depth: depth)
        }
        if schema["allOf"] != nil {
            let merged = try flatten(schema, at: path, depth: depth)
            return try expression(for: merged, at: path, name: name, depth: depth + 1)
        }
        if let branches = try alternatives(of: schema, at: path, name: name, depth: depth) { return branches }
        if let values = try listedValues(of: schema, at: path) {
            return values.count == 1 ? values[0] : .choice(values)
        }

        guard var types = try declaredTypes(of: schema, at: path) ?? inferredTypes(of: schema) else {
            return try use(.value, at: path)
        }
        if types.contains(.number) { types.removeAll { $0 == .integer } }
        var choices: [GrammarExpression] = []
        for type in types {
            switch type {
            case .object: choices.append(try objectExpression(schema, at: path, name: name, depth: depth))
            case .array: choices.append(try arrayExpression(schema, at: path, name: name, depth: depth))
            case .string: choices.append(try stringExpression(schema, at: path))
            case .integer: choices.append(try use(.integer, at: path))
            case .number: choices.append(try use(.number, at: path))
            case .boolean: choices.append(try use(.boolean, at: path))
            case .null: choices.append(try use(.null, at: path))
            }
        }
        return choices.count == 1 ? choices[0] : .choice(choices)
    }

    /// The grammar for a subschema: a rule reference, or a short inline expression.
    private mutating func symbol(
        for schema: JSONValue, at path: SchemaPath, name: String, depth: Int
    ) throws(LLMError) -> GrammarExpression {
        let body = try expression(for: schema, at: path, name: name, depth: depth)
        switch body {
        case .rule, .literal, .characters: return body
        default: return try define(name, body, at: path)
        }
    }

    private func checkKeywords(of schema: JSONValue, at path: SchemaPath) throws(LLMError) {
        for (keyword, value) in schema.objectValue ?? [] {
            if keyword == "uniqueItems" {
                guard value.boolValue != true else {
                    throw path.error("unsupported keyword \"uniqueItems\"", "unique array items are not enforced")
                }
            } else if let reason = refusedKeywords[keyword] {
                throw path.error("unsupported keyword \"\(keyword)\"", reason)
            }
        }
    }

    /// The members of `schema` that constrain values, without annotations and unenforced keywords.
    private func constraints(of schema: JSONValue, except excluded: Set<String> = []) -> [(String, JSONValue)] {
        (schema.objectValue ?? []).filter { constraintKeywords.contains($0.0) && !excluded.contains($0.0) }
    }

    /// `oneOf` / `anyOf`: a choice of the branches, each combined with the keywords next to it.
    /// The grammar does not check that exactly one `oneOf` branch matches.
    private mutating func alternatives(
        of schema: JSONValue, at path: SchemaPath, name: String, depth: Int
    ) throws(LLMError) -> GrammarExpression? {
        let keywords = ["oneOf", "anyOf"].filter { schema[$0] != nil }
        guard let keyword = keywords.first else { return nil }
        guard keywords.count == 1 else { throw path.error("oneOf with anyOf", "use only one of them in a schema") }
        guard let branches = schema[keyword]?.arrayValue, !branches.isEmpty else {
            throw path.error("invalid \"\(keyword)\"", "must be a non-empty array of schemas")
        }
        let others = constraints(of: schema, except: [keyword])
        var choices: [GrammarExpression] = []
        for (index, branch) in branches.enumerated() {
            let branchPath = path.appending(keyword).appending(index)
            let combined =
                others.isEmpty ? branch : try merge(.object(others), branch, at: branchPath, depth: depth + 1)
            choices.append(try symbol(for: combined, at: branchPath, name: "\(name)-\(index)", depth: depth + 1))
        }
        return choices.count == 1 ? choices[0] : .choice(choices)
    }

    /// `const` or `enum`: the values written exactly, as compact JSON.
    private func listedValues(of schema: JSONValue, at path: SchemaPath) throws(LLMError) -> [GrammarExpression]? {
        let values: [JSONValue]
        if let constant = schema["const"] {
            values = [constant]
        } else if let list = schema["enum"] {
            guard let items = list.arrayValue, !items.isEmpty else {
                throw path.error("invalid \"enum\"", "must be a non-empty array of values")
            }
            values = items
        } else {
            return nil
        }
        let types = try declaredTypes(of: schema, at: path)
        var seen: Set<String> = []
        let texts = values.filter { value in types?.contains { $0.admits(value) } ?? true }.map { $0.serialized() }
            .filter { seen.insert($0).inserted }
        guard !texts.isEmpty else { throw path.error("no value allowed", "no listed value has the declared \"type\"") }
        return texts.map { .literal($0) }
    }

    private func declaredTypes(of schema: JSONValue, at path: SchemaPath) throws(LLMError) -> [SchemaType]? {
        guard let type = schema["type"] else { return nil }
        let names: [JSONValue] = type.arrayValue ?? [type]
        var types: [SchemaType] = []
        for name in names {
            guard let text = name.stringValue, let known = SchemaType(rawValue: text) else {
                throw path.error(
                    "invalid \"type\" \(name.serialized())",
                    "must be one of \(SchemaType.allCases.map(\.rawValue).joined(separator: ", ")), or a non-empty list of them"
                )
            }
            if !types.contains(known) { types.append(known) }
        }
        guard !types.isEmpty else { throw path.error("invalid \"type\" []", "the list of types is empty") }
        return types
    }

    /// Without `type`, keywords that only make sense for one type choose it (tighter than the schema, so still valid).
    private func inferredTypes(of schema: JSONValue) -> [SchemaType]? {
        var types: [SchemaType] = []
        if ["properties", "required", "additionalProperties"].contains(where: { schema[$0] != nil }) {
            types.append(.object)
        }
        if ["items", "minItems", "maxItems"].contains(where: { schema[$0] != nil }) { types.append(.array) }
        if ["minLength", "maxLength", "pattern"].contains(where: { schema[$0] != nil }) { types.append(.string) }
        return types.isEmpty ? nil : types
    }

    // MARK: objects, arrays, strings

    /// Required properties first, in written order, then the optional ones, each of which may be
    /// left out. Only listed properties are written, whatever `additionalProperties` says; an
    /// object schema that lists none accepts any object (or only `{}` with `additionalProperties: false`).
    private mutating func objectExpression(
        _ schema: JSONValue, at path: SchemaPath, name: String, depth: Int
    ) throws(LLMError) -> GrammarExpression {
        let ws = try use(.ws, at: path)
        let additional = schema["additionalProperties"]
        var members: [(key: String, schema: JSONValue, path: SchemaPath)] = []
        if let properties = schema["properties"] {
            guard let listed = properties.objectValue else {
                throw path.error("invalid \"properties\"", "must be an object mapping property names to schemas")
            }
            for (key, subschema) in listed {
                guard !members.contains(where: { $0.key == key }) else {
                    throw path.error("duplicate property \"\(key)\"", "each property may be listed once")
                }
                members.append((key, subschema, path.appending("properties").appending(key)))
            }
        }
        var required: [String] = []
        if let list = schema["required"] {
            guard let names = list.arrayValue else {
                throw path.error("invalid \"required\"", "must be an array of property names")
            }
            for item in names {
                guard let key = item.stringValue else {
                    throw path.error("invalid \"required\"", "must be an array of property names")
                }
                if !required.contains(key) { required.append(key) }
            }
        }

        if schema["properties"] == nil && required.isEmpty {
            switch additional {
            case nil, .bool(true)?: return try use(.object, at: path)
            case .bool(false)?: return .sequence([.literal("{"), ws, .literal("}")])
            case let valueSchema?:
                let value = try symbol(
                    for: valueSchema, at: path.appending("additionalProperties"), name: child(name, "value"),
                    depth: depth + 1)
                let member = GrammarExpression.sequence([try use(.string, at: path), ws, .literal(":"), ws, value])
                return GrammarPrimitive.list(open: "{", item: member, close: "}")
            }
        }
        for key in required where !members.contains(where: { $0.key == key }) {
            guard additional?.boolValue != false else {
                throw path.error(
                    "required property \"\(key)\"", "it is not in \"properties\" and additionalProperties is false")
            }
            members.append((key, additional ?? .bool(true), path.appending("required")))
        }

        var requiredMembers: [GrammarExpression] = []
        var optionalMembers: [(key: String, member: GrammarExpression)] = []
        for (key, subschema, memberPath) in members {
            let value = try symbol(for: subschema, at: memberPath, name: child(name, key), depth: depth + 1)
            let member = GrammarExpression.sequence([.literal(jsonString(key)), ws, .literal(":"), ws, value, ws])
            if required.contains(key) { requiredMembers.append(member) } else { optionalMembers.append((key, member)) }
        }

        let comma: [GrammarExpression] = [.literal(","), ws]
        var body: [GrammarExpression] = [.literal("{"), ws]
        if !requiredMembers.isEmpty {
            for (index, member) in requiredMembers.enumerated() { body += (index > 0 ? comma : []) + [member] }
            for optional in optionalMembers { body.append(.optional(.sequence(comma + [optional.member]))) }
        } else if !optionalMembers.isEmpty {
            // No comma before the first member written: choose which optional member comes first;
            // each later one may follow. The shared tails are rules so the text stays linear.
            var tail: GrammarExpression?
            var firsts: [GrammarExpression] = []
            for (index, (key, member)) in optionalMembers.enumerated().reversed() {
                firsts.insert(tail.map { .sequence([member, $0]) } ?? member, at: 0)
                guard index > 0 else { break }  // nothing comes before the first member
                let withComma = GrammarExpression.optional(.sequence(comma + [member]))
                if let rest = tail {
                    tail = try define(child(name, "rest-" + key), .sequence([withComma, rest]), at: path)
                } else {
                    tail = withComma
                }
            }
            body.append(.optional(.choice(firsts)))
        }
        body.append(.literal("}"))
        return .sequence(body)
    }

    private mutating func arrayExpression(
        _ schema: JSONValue, at path: SchemaPath, name: String, depth: Int
    ) throws(LLMError) -> GrammarExpression {
        let minItems = try bound("minItems", of: schema, at: path) ?? 0
        let maxItems = try bound("maxItems", of: schema, at: path)
        if let maxItems, maxItems < minItems {
            throw path.error("invalid \"maxItems\"", "\(maxItems) is below minItems \(minItems)")
        }
        _ = try use(.ws, at: path)
        let item: GrammarExpression
        switch schema["items"] {
        case nil, .bool(true)?:
            item = try use(.value, at: path)
        case .bool(false)?:
            guard minItems == 0 else {
                throw path.error("items false", "no item is allowed, but minItems is \(minItems)")
            }
            return GrammarPrimitive.list(open: "[", item: .literal(""), close: "]", max: 0)
        case .array?:
            throw path.error("unsupported \"items\" array", "tuples are not supported; give one schema for all items")
        case let itemSchema?:
            item = try symbol(for: itemSchema, at: path.appending("items"), name: child(name, "item"), depth: depth + 1)
        }
        return GrammarPrimitive.list(open: "[", item: item, close: "]", min: minItems, max: maxItems)
    }

    /// `format` is not enforced: any string is written.
    private mutating func stringExpression(_ schema: JSONValue, at path: SchemaPath) throws(LLMError)
        -> GrammarExpression
    {
        if let pattern = schema["pattern"] {
            guard let text = pattern.stringValue else {
                throw path.error("invalid \"pattern\"", "must be a string holding a regular expression")
            }
            guard schema["minLength"] == nil, schema["maxLength"] == nil else {
                throw path.error(
                    "\"pattern\" with minLength or maxLength",
                    "a grammar cannot hold both; bound the pattern's own repetitions instead, like [^/]{1,60}")
            }
            return try SchemaPattern.expression(text, at: path.appending("pattern"))
        }
        let minLength = try bound("minLength", of: schema, at: path) ?? 0
        let maxLength = try bound("maxLength", of: schema, at: path)
        if let maxLength, maxLength < minLength {
            throw path.error("invalid \"maxLength\"", "\(maxLength) is below minLength \(minLength)")
        }
        guard minLength > 0 || maxLength != nil else { return try use(.string, at: path) }
        // One `char` is one character or one escape; a surrogate pair escape counts as two.
        return .sequence([
            .literal("\""), .repetition(try use(.char, at: path), min: minLength, max: maxLength), .literal("\""),
        ])
    }

    private func bound(_ keyword: String, of schema: JSONValue, at path: SchemaPath) throws(LLMError) -> Int? {
        guard let value = schema[keyword] else { return nil }
        guard let number = value.intValue, (0...Int64(SchemaGrammar.maxRepetition)).contains(number) else {
            throw path.error(
                "invalid \"\(keyword)\" \(value.serialized())",
                "must be an integer from 0 to \(SchemaGrammar.maxRepetition) (larger bounds are not supported; leave maxLength/maxItems out for no limit)"
            )
        }
        return Int(number)
    }

    // MARK: references and allOf

    /// Resolves a local `$ref` (a JSON pointer into this schema, like `#/$defs/name`).
    private func resolve(_ reference: JSONValue, at path: SchemaPath) throws(LLMError) -> (
        schema: JSONValue, path: SchemaPath
    ) {
        guard let text = reference.stringValue else {
            throw path.error("invalid \"$ref\"", "must be a string like \"#/$defs/name\"")
        }
        guard text.hasPrefix("#") else {
            throw path.error(
                "remote $ref \"\(text)\"", "only references inside the schema (like \"#/$defs/name\") are supported")
        }
        let fragment = String(text.dropFirst()).removingPercentEncoding ?? String(text.dropFirst())
        guard fragment.isEmpty || fragment.hasPrefix("/") else {
            throw path.error("$ref \"\(text)\"", "anchors are not supported; use a JSON pointer like \"#/$defs/name\"")
        }
        let segments =
            fragment.isEmpty
            ? []
            : fragment.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
                $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            }
        var current = document
        for segment in segments {
            if let member = current[segment] {
                current = member
            } else if let items = current.arrayValue, let index = Int(segment), items.indices.contains(index) {
                current = items[index]
            } else {
                throw path.error("unresolved $ref \"\(text)\"", "the schema has nothing at that location")
            }
        }
        return (current, SchemaPath(segments: segments))
    }

    /// A rule for a `$ref` target, made once, so that recursive schemas refer to themselves.
    private mutating func rule(for target: (schema: JSONValue, path: SchemaPath), depth: Int) throws(LLMError)
        -> GrammarExpression
    {
        guard !target.path.segments.isEmpty else { return .rule("root") }
        let key = target.path.description
        if let existing = referenceRules[key] { return .rule(existing) }
        let name = try reserveName(target.path.segments.last ?? "ref", at: target.path)
        referenceRules[key] = name
        rules[name] = try expression(for: target.schema, at: target.path, name: name, depth: depth + 1)
        return .rule(name)
    }

    /// One schema object with the constraints of both; used for `allOf`, for `$ref` with
    /// other keywords and for the keywords next to `oneOf`/`anyOf`. Only simple cases merge:
    /// a keyword given differently on both sides must be one whose combination is clear.
    private func merge(_ first: JSONValue, _ second: JSONValue, at path: SchemaPath, depth: Int) throws(LLMError)
        -> JSONValue
    {
        var merged = try flatten(first, at: path, depth: depth + 1).objectValue ?? []
        for (key, value) in try flatten(second, at: path, depth: depth + 1).objectValue ?? [] {
            guard let index = merged.firstIndex(where: { $0.0 == key }) else {
                merged.append((key, value))
                continue
            }
            let existing = merged[index].1
            guard existing != value else { continue }
            switch key {
            case "properties":
                guard var properties = existing.objectValue, let added = value.objectValue else {
                    throw path.error("invalid \"properties\"", "must be an object mapping property names to schemas")
                }
                for (name, subschema) in added {
                    if let at = properties.firstIndex(where: { $0.0 == name }) {
                        properties[at].1 = try merge(
                            properties[at].1, subschema, at: path.appending("properties").appending(name),
                            depth: depth + 1)
                    } else {
                        properties.append((name, subschema))
                    }
                }
                merged[index].1 = .object(properties)
            case "required":
                var names = existing.arrayValue ?? []
                for name in value.arrayValue ?? [] where !names.contains(name) { names.append(name) }
                merged[index].1 = .array(names)
            case "type":
                merged[index].1 = try commonType(existing, value, at: path)
            case "minLength", "minItems":
                merged[index].1 = .int(max(existing.intValue ?? 0, value.intValue ?? 0))
            case "maxLength", "maxItems":
                merged[index].1 = .int(min(existing.intValue ?? Int64.max, value.intValue ?? Int64.max))
            default:
                throw path.error(
                    "unsupported combination",
                    "\"\(key)\" is given differently by schemas that must all hold (allOf, $ref or oneOf/anyOf with other keywords)"
                )
            }
        }
        return .object(merged)
    }

    /// A schema's constraints as one object, with its own `$ref` and `allOf` folded in.
    private func flatten(_ schema: JSONValue, at path: SchemaPath, depth: Int) throws(LLMError) -> JSONValue {
        guard depth <= SchemaGrammar.maxNesting else {
            throw path.error(
                "schema nested too deeply",
                "more than \(SchemaGrammar.maxNesting) levels of combined schemas and references")
        }
        if let allowed = schema.boolValue {
            guard allowed else { throw path.error("schema false", "it matches nothing, so no answer could be written") }
            return .object([])
        }
        guard schema.objectValue != nil else {
            throw path.error("invalid schema", "a schema must be an object or a boolean")
        }
        try checkKeywords(of: schema, at: path)
        var result = JSONValue.object(constraints(of: schema, except: ["$ref", "allOf"]))
        if let reference = schema["$ref"] {
            result = try merge(try resolve(reference, at: path).schema, result, at: path, depth: depth)
        }
        if let all = schema["allOf"] {
            guard let branches = all.arrayValue, !branches.isEmpty else {
                throw path.error("invalid \"allOf\"", "must be a non-empty array of schemas")
            }
            for (index, branch) in branches.enumerated() {
                result = try merge(result, branch, at: path.appending("allOf").appending(index), depth: depth)
            }
        }
        return result
    }

    private func commonType(_ first: JSONValue, _ second: JSONValue, at path: SchemaPath) throws(LLMError) -> JSONValue
    {
        let left = try declaredTypes(of: .object([("type", first)]), at: path) ?? []
        let right = try declaredTypes(of: .object([("type", second)]), at: path) ?? []
        var common: [SchemaType] = []
        for type in left {
            let shared: SchemaType? =
                right.contains(type)
                ? type
                : (type == .integer && right.contains(.number)) || (type == .number && right.contains(.integer))
                    ? .integer : nil
            if let shared, !common.contains(shared) { common.append(shared) }
        }
        guard !common.isEmpty else {
            throw path.error("no common type", "schemas that must all hold allow different types")
        }
        return common.count == 1 ? .string(common[0].rawValue) : .array(common.map { .string($0.rawValue) })
    }

    // MARK: rules

    private mutating func use(_ primitive: GrammarPrimitive, at path: SchemaPath) throws(LLMError) -> GrammarExpression
    {
        if !usedPrimitives.contains(primitive) {
            usedPrimitives.insert(primitive)
            for dependency in primitive.dependencies { _ = try use(dependency, at: path) }
            try checkRuleCount(at: path)
        }
        return .rule(primitive.rawValue)
    }

    private mutating func define(_ hint: String, _ body: GrammarExpression, at path: SchemaPath) throws(LLMError)
        -> GrammarExpression
    {
        let name = try reserveName(hint, at: path)
        rules[name] = body
        return .rule(name)
    }

    /// A unique GBNF rule name (letters, digits and `-`) derived from `hint`.
    private mutating func reserveName(_ hint: String, at path: SchemaPath) throws(LLMError) -> String {
        var base = ""
        for scalar in hint.unicodeScalars {
            let keep = scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar))
            if keep {
                base.unicodeScalars.append(scalar)
            } else if !base.isEmpty && !base.hasSuffix("-") {
                base += "-"
            }
        }
        while base.hasSuffix("-") { base.removeLast() }
        if base.count > 40 { base = String(base.prefix(40)) }
        if base.isEmpty { base = "rule" }
        var name = base
        var suffix = 2
        while takenNames.contains(name) {
            name = "\(base)-\(suffix)"
            suffix += 1
        }
        takenNames.insert(name)
        ruleOrder.append(name)
        rulePaths[name] = path
        try checkRuleCount(at: path)
        return name
    }

    private func checkRuleCount(at path: SchemaPath) throws(LLMError) {
        let count = 1 + ruleOrder.count + usedPrimitives.count
        guard count <= SchemaGrammar.maxRules else {
            throw path.error("schema too complex", "its grammar would need more than \(SchemaGrammar.maxRules) rules")
        }
    }

    private func child(_ parent: String, _ key: String) -> String {
        parent == "root" ? key : parent + "-" + key
    }

    private func jsonString(_ text: String) -> String {
        var out = ""
        JSONValue.writeString(text, to: &out)
        return out
    }
}
