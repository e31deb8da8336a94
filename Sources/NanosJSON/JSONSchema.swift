import Foundation

/// One place where a value breaks its JSON Schema.
public struct JSONSchemaViolation: Sendable, Equatable, CustomStringConvertible {
    /// JSON Pointer (RFC 6901) to the offending value; empty for the value as a whole.
    public var path: String
    /// What is wrong there, such as `expected integer, got string`.
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path.isEmpty ? "(root)" : path): \(message)" }
}

/// Checks a value against a JSON Schema, reporting every violation rather than the first.
///
/// Covers what MCP tools put in an `inputSchema` (drafts 7 to 2020-12): `type`, `enum`,
/// `const`, `properties`, `required`, `additionalProperties`, `items`, `prefixItems`,
/// `minItems`/`maxItems`, `uniqueItems`, `minimum`/`maximum` and their exclusive forms,
/// `multipleOf`, `minLength`/`maxLength`, `pattern`, `anyOf`/`oneOf`/`allOf`/`not`, and
/// local `$ref`s into `$defs`/`definitions` (as pydantic writes them). Annotations such as
/// `title`, `description`, `default` and `format` do not constrain, and keywords outside
/// this list are ignored, so an unusual schema errs on the side of letting a value through
/// to the server, which validates too.
public struct JSONSchema: Sendable {
    public let document: JSONValue

    /// `$ref` chains and nesting are followed at most this deep, so a recursive or
    /// cyclic schema cannot loop.
    public static let maxDepth = 64

    public init(_ document: JSONValue) {
        self.document = document
    }

    /// Every violation, in document order; empty when the value conforms.
    public func violations(of value: JSONValue) -> [JSONSchemaViolation] {
        var found: [JSONSchemaViolation] = []
        check(value, against: document, at: "", depth: 0, into: &found)
        return found
    }

    private func check(
        _ value: JSONValue, against schema: JSONValue, at path: String, depth: Int,
        into found: inout [JSONSchemaViolation]
    ) {
        func fail(_ message: String) { found.append(JSONSchemaViolation(path: path, message: message)) }
        guard depth < Self.maxDepth else {
            fail("the schema nests deeper than \(Self.maxDepth) levels")
            return
        }
        // `true` and `{}` accept anything; `false` accepts nothing.
        if case .bool(let accepts) = schema {
            if !accepts { fail("no value is allowed here") }
            return
        }
        guard case .object = schema else { return }

        if let reference = schema["$ref"]?.stringValue {
            guard let target = resolve(reference) else {
                fail("the schema's $ref \(reference) points nowhere")
                return
            }
            check(value, against: target, at: path, depth: depth + 1, into: &found)
        }
        if let types = schema["type"], !Self.matches(value, types: types) {
            fail("expected \(Self.describe(types: types)), got \(Self.kind(of: value))")
            // Nothing below applies to a value of the wrong type.
            return
        }
        if let allowed = schema["enum"]?.arrayValue, !allowed.contains(where: { Self.equal($0, value) }) {
            let choices = allowed.prefix(10).map { $0.serialized() }.joined(separator: ", ")
            fail("\(Self.preview(value)) is not one of [\(choices)\(allowed.count > 10 ? ", …" : "")]")
        }
        if let constant = schema["const"], !Self.equal(constant, value) {
            fail("must be \(constant.serialized())")
        }

        switch value {
        case .object(let members):
            checkObject(members, schema: schema, at: path, depth: depth, into: &found)
        case .array(let elements):
            checkArray(elements, schema: schema, at: path, depth: depth, into: &found)
        case .string(let text):
            let length = text.unicodeScalars.count
            if let minimum = schema["minLength"]?.intValue, length < minimum {
                fail("is \(length) characters long, shorter than minLength \(minimum)")
            }
            if let maximum = schema["maxLength"]?.intValue, length > maximum {
                fail("is \(length) characters long, longer than maxLength \(maximum)")
            }
            if let pattern = schema["pattern"]?.stringValue, !Self.matches(text, pattern: pattern) {
                fail("does not match the pattern \(pattern)")
            }
        case .int, .double:
            checkNumber(value.doubleValue ?? 0, schema: schema, fail: fail)
        default:
            break
        }

        for (keyword, branches) in [("allOf", schema["allOf"]), ("anyOf", schema["anyOf"]), ("oneOf", schema["oneOf"])]
        {
            guard let branches = branches?.arrayValue, !branches.isEmpty else { continue }
            let results = branches.map { branch in
                var nested: [JSONSchemaViolation] = []
                check(value, against: branch, at: path, depth: depth + 1, into: &nested)
                return nested
            }
            let passing = results.filter(\.isEmpty).count
            switch keyword {
            case "allOf":
                found += results.flatMap { $0 }
            case "anyOf" where passing == 0, "oneOf" where passing == 0:
                let reasons = results.map { $0.first.map(Self.relative(to: path)) ?? "" }
                fail("matches none of the \(branches.count) choices of \(keyword): " + reasons.joined(separator: " | "))
            case "oneOf" where passing > 1:
                fail("matches \(passing) of the choices of oneOf; exactly one must match")
            default:
                break
            }
        }
        if let forbidden = schema["not"] {
            var nested: [JSONSchemaViolation] = []
            check(value, against: forbidden, at: path, depth: depth + 1, into: &nested)
            if nested.isEmpty { fail("matches a schema under `not`") }
        }
    }

    private func checkObject(
        _ members: [(String, JSONValue)], schema: JSONValue, at path: String, depth: Int,
        into found: inout [JSONSchemaViolation]
    ) {
        let properties = schema["properties"]?.objectValue ?? []
        for name in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? []
        where !members.contains(where: { $0.0 == name }) {
            found.append(JSONSchemaViolation(path: Self.child(path, name), message: "required, but missing"))
        }
        let additional = schema["additionalProperties"]
        for (name, member) in members {
            let memberPath = Self.child(path, name)
            if let property = properties.first(where: { $0.0 == name })?.1 {
                check(member, against: property, at: memberPath, depth: depth + 1, into: &found)
            } else if case .bool(false)? = additional {
                let known = properties.map(\.0)
                let hint = known.isEmpty ? "no properties are allowed" : "allowed: " + known.joined(separator: ", ")
                found.append(JSONSchemaViolation(path: memberPath, message: "unknown property (\(hint))"))
            } else if let additional, case .object = additional {
                check(member, against: additional, at: memberPath, depth: depth + 1, into: &found)
            }
        }
        if let minimum = schema["minProperties"]?.intValue, members.count < minimum {
            found.append(
                JSONSchemaViolation(path: path, message: "has \(members.count) properties, fewer than \(minimum)"))
        }
        if let maximum = schema["maxProperties"]?.intValue, members.count > maximum {
            found.append(
                JSONSchemaViolation(path: path, message: "has \(members.count) properties, more than \(maximum)"))
        }
    }

    private func checkArray(
        _ elements: [JSONValue], schema: JSONValue, at path: String, depth: Int, into found: inout [JSONSchemaViolation]
    ) {
        // Draft 2020-12 writes tuples as prefixItems + items; older drafts as an items array.
        var prefix = schema["prefixItems"]?.arrayValue ?? []
        var rest = schema["items"]
        if let tuple = rest?.arrayValue {
            prefix = tuple
            rest = schema["additionalItems"]
        }
        for (index, element) in elements.enumerated() {
            let elementSchema = index < prefix.count ? prefix[index] : rest
            if let elementSchema {
                check(element, against: elementSchema, at: path + "/\(index)", depth: depth + 1, into: &found)
            }
        }
        if let minimum = schema["minItems"]?.intValue, elements.count < minimum {
            found.append(
                JSONSchemaViolation(path: path, message: "has \(elements.count) items, fewer than minItems \(minimum)"))
        }
        if let maximum = schema["maxItems"]?.intValue, elements.count > maximum {
            found.append(
                JSONSchemaViolation(path: path, message: "has \(elements.count) items, more than maxItems \(maximum)"))
        }
        if schema["uniqueItems"]?.boolValue == true {
            let texts = elements.map { $0.serialized() }
            if Set(texts).count != texts.count {
                found.append(JSONSchemaViolation(path: path, message: "has repeated items, but uniqueItems is set"))
            }
        }
    }

    private func checkNumber(_ number: Double, schema: JSONValue, fail: (String) -> Void) {
        let shown = Self.format(number)
        if let minimum = schema["minimum"]?.doubleValue, number < minimum {
            fail("\(shown) is less than the minimum \(Self.format(minimum))")
        }
        if let maximum = schema["maximum"]?.doubleValue, number > maximum {
            fail("\(shown) is more than the maximum \(Self.format(maximum))")
        }
        // Draft 4 wrote these as booleans beside minimum/maximum; later drafts as numbers.
        if let bound = schema["exclusiveMinimum"] {
            if let limit = bound.doubleValue, number <= limit {
                fail("\(shown) must be more than \(Self.format(limit))")
            } else if bound.boolValue == true, let limit = schema["minimum"]?.doubleValue, number == limit {
                fail("\(shown) must be more than \(Self.format(limit))")
            }
        }
        if let bound = schema["exclusiveMaximum"] {
            if let limit = bound.doubleValue, number >= limit {
                fail("\(shown) must be less than \(Self.format(limit))")
            } else if bound.boolValue == true, let limit = schema["maximum"]?.doubleValue, number == limit {
                fail("\(shown) must be less than \(Self.format(limit))")
            }
        }
        if let divisor = schema["multipleOf"]?.doubleValue, divisor > 0 {
            let quotient = number / divisor
            if abs(quotient - quotient.rounded()) > 1e-9 {
                fail("\(shown) is not a multiple of \(Self.format(divisor))")
            }
        }
    }

    /// A local reference: `#`, `#/$defs/Name`, `#/definitions/Name` or any JSON Pointer
    /// into this document. Remote references are not fetched.
    private func resolve(_ reference: String) -> JSONValue? {
        guard reference.hasPrefix("#") else { return nil }
        var node = document
        for token in reference.dropFirst().split(separator: "/", omittingEmptySubsequences: true) {
            let key = String(token).replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            let decoded = key.removingPercentEncoding ?? key
            if let next = node[decoded] {
                node = next
            } else if let index = Int(decoded), let elements = node.arrayValue, elements.indices.contains(index) {
                node = elements[index]
            } else {
                return nil
            }
        }
        return node
    }

    // MARK: Helpers

    /// `path` extended by one member name, escaped as JSON Pointer requires.
    public static func child(_ path: String, _ name: String) -> String {
        path + "/" + name.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    /// A nested violation shown inside its parent's message: its path relative to the parent.
    static func relative(to path: String) -> (JSONSchemaViolation) -> String {
        { violation in
            let tail = String(violation.path.dropFirst(path.count))
            return tail.isEmpty ? violation.message : "\(tail): \(violation.message)"
        }
    }

    static func matches(_ value: JSONValue, types: JSONValue) -> Bool {
        let names = types.arrayValue?.compactMap(\.stringValue) ?? types.stringValue.map { [$0] } ?? []
        return names.isEmpty || names.contains { matches(value, type: $0) }
    }

    static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object),
            ("number", .int), ("number", .double), ("integer", .int):
            return true
        case ("integer", .double(let number)):
            return number.isFinite && number.rounded() == number
        default:
            return false
        }
    }

    static func describe(types: JSONValue) -> String {
        let names = types.arrayValue?.compactMap(\.stringValue) ?? types.stringValue.map { [$0] } ?? []
        return names.joined(separator: " or ")
    }

    /// The JSON Schema type name of a value, for messages.
    public static func kind(of value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "boolean"
        case .int: return "integer"
        case .double(let number): return number.rounded() == number ? "integer" : "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    /// JSON Schema compares numbers by value, so 1 and 1.0 are equal.
    static func equal(_ left: JSONValue, _ right: JSONValue) -> Bool {
        if let a = left.doubleValue, let b = right.doubleValue { return a == b }
        return left == right
    }

    static func preview(_ value: JSONValue) -> String {
        let text = value.serialized()
        return text.count > 60 ? String(text.prefix(60)) + "…" : text
    }

    static func format(_ number: Double) -> String {
        number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : String(number)
    }

    /// Patterns are ECMA-262 regular expressions, unanchored; NSRegularExpression reads the
    /// common subset. A pattern it cannot compile constrains nothing (the server still checks).
    static func matches(_ text: String, pattern: String) -> Bool {
        guard let expression = try? NSRegularExpression(pattern: pattern) else { return true }
        let range = NSRange(text.startIndex..<text.endIndex, in: text)
        return expression.firstMatch(in: text, range: range) != nil
    }
}
