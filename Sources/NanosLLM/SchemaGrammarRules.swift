/// One right-hand side of a GBNF rule, kept as a tree so that the converter can
/// count rules, check for left recursion and write the text in one place.
indirect enum GrammarExpression: Equatable {
    /// Exact text.
    case literal(String)
    /// A GBNF character class, written as is (for example `[0-9]`).
    case characters(String)
    case rule(String)
    case sequence([GrammarExpression])
    case choice([GrammarExpression])
    /// `max == nil` is unbounded.
    case repetition(GrammarExpression, min: Int, max: Int?)

    static func optional(_ expression: GrammarExpression) -> GrammarExpression {
        .repetition(expression, min: 0, max: 1)
    }

    /// The GBNF text; `nested` (inside a sequence) wraps a choice in parentheses.
    func gbnf(nested: Bool = false) -> String {
        switch self {
        case .literal(let text): return Self.quoted(text)
        case .characters(let text): return text
        case .rule(let name): return name
        case .sequence(let items):
            // Concatenation needs no parentheses, only the choices inside it.
            return items.isEmpty ? "\"\"" : items.map { $0.gbnf(nested: true) }.joined(separator: " ")
        case .choice(let alternatives):
            let text = alternatives.map { $0.gbnf() }.joined(separator: " | ")
            return nested ? "(" + text + ")" : text
        case .repetition(let item, let min, let max):
            let atom: String
            switch item {
            case .sequence(let items) where items.count > 1: atom = "(" + item.gbnf() + ")"
            case .choice: atom = "(" + item.gbnf() + ")"
            default: atom = item.gbnf(nested: true)
            }
            switch (min, max) {
            case (0, 1?): return atom + "?"
            case (0, nil): return atom + "*"
            case (1, nil): return atom + "+"
            case (_, nil): return atom + "{\(min),}"
            case (_, let max?) where max == min: return atom + "{\(min)}"
            case (_, let max?): return atom + "{\(min),\(max)}"
            }
        }
    }

    /// A GBNF string literal: quotes, backslashes and control characters are escaped.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                out += "\\x" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16, uppercase: true)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// The fixed rules every grammar may use, under reserved names.
enum GrammarPrimitive: String, CaseIterable {
    case ws, char, string, integer, number, boolean, null, value, object, array

    /// Between tokens: nothing, one space, or one newline with a little indentation.
    /// Bounded on purpose: a small model could otherwise emit whitespace forever.
    static let maxIndent = 16
    /// Digits in a number part, bounded for the same reason.
    static let maxDigits = 16

    var body: GrammarExpression {
        switch self {
        case .ws:
            return .optional(
                .choice([
                    .literal(" "),
                    .sequence([.literal("\n"), .repetition(.literal(" "), min: 0, max: Self.maxIndent)]),
                ]))
        case .char:
            // Any character but a quote, a backslash or a control character; or an escape.
            return .choice([
                .characters(#"[^"\\\x00-\x1F]"#),
                .sequence([
                    .literal("\\"),
                    .choice([
                        .characters(#"["\\/bfnrt]"#),
                        .sequence([.literal("u"), .repetition(.characters("[0-9a-fA-F]"), min: 4, max: 4)]),
                    ]),
                ]),
            ])
        case .string:
            return .sequence([.literal("\""), .repetition(.rule(Self.char.rawValue), min: 0, max: nil), .literal("\"")])
        case .integer:
            return .sequence([
                .optional(.literal("-")),
                .choice([
                    .literal("0"),
                    .sequence([
                        .characters("[1-9]"), .repetition(.characters("[0-9]"), min: 0, max: Self.maxDigits - 1),
                    ]),
                ]),
            ])
        case .number:
            return .sequence([
                .rule(Self.integer.rawValue),
                .optional(.sequence([.literal("."), .repetition(.characters("[0-9]"), min: 1, max: Self.maxDigits)])),
                .optional(
                    .sequence([
                        .characters("[eE]"), .optional(.characters("[-+]")),
                        .repetition(.characters("[0-9]"), min: 1, max: Self.maxDigits),
                    ])),
            ])
        case .boolean:
            return .choice([.literal("true"), .literal("false")])
        case .null:
            return .literal("null")
        case .value:
            return .choice([Self.object, .array, .string, .number, .boolean, .null].map { .rule($0.rawValue) })
        case .object:
            let member = GrammarExpression.sequence([
                .rule(Self.string.rawValue), .rule(Self.ws.rawValue), .literal(":"), .rule(Self.ws.rawValue),
                .rule(Self.value.rawValue),
            ])
            return Self.list(open: "{", item: member, close: "}")
        case .array:
            return Self.list(open: "[", item: .rule(Self.value.rawValue), close: "]")
        }
    }

    /// The rules this one refers to.
    var dependencies: [GrammarPrimitive] {
        switch self {
        case .ws, .char, .integer, .boolean, .null: return []
        case .string: return [.char]
        case .number: return [.integer]
        case .value: return [.object, .array, .string, .number, .boolean, .null]
        case .object: return [.ws, .string, .value]
        case .array: return [.ws, .value]
        }
    }

    /// `open ws (item ws ("," ws item ws)*)? close`, with repetition bounds on the items.
    static func list(open: String, item: GrammarExpression, close: String, min: Int = 0, max: Int? = nil)
        -> GrammarExpression
    {
        let ws = GrammarExpression.rule(Self.ws.rawValue)
        if max == 0 { return .sequence([.literal(open), ws, .literal(close)]) }
        let first = GrammarExpression.sequence([item, ws])
        let rest = GrammarExpression.sequence([.literal(","), ws, item, ws])
        let more = max.map { $0 - 1 }
        let repeated: GrammarExpression =
            more == 0 ? first : .sequence([first, .repetition(rest, min: Swift.max(min - 1, 0), max: more)])
        let items = min == 0 ? GrammarExpression.optional(repeated) : repeated
        return .sequence([.literal(open), ws, items, .literal(close)])
    }
}

/// Rules that can reach themselves before reading any character: llama.cpp's
/// grammar parser refuses them ("left recursion"), so the converter does too.
enum LeftRecursion {
    /// One rule on a left-recursive cycle, or nil.
    static func find(in rules: [String: GrammarExpression]) -> String? {
        var nullable: Set<String> = []
        var changed = true
        while changed {
            changed = false
            for (name, body) in rules where !nullable.contains(name) && isNullable(body, nullable) {
                nullable.insert(name)
                changed = true
            }
        }
        let edges = rules.mapValues { leftEdges(of: $0, nullable) }
        // Depth-first search; a rule met again while still on the path closes a cycle.
        var state: [String: Bool] = [:]  // false: on the path, true: done
        func visit(_ name: String) -> String? {
            if let done = state[name] { return done ? nil : name }
            state[name] = false
            for next in edges[name, default: []].sorted() {
                if let found = visit(next) { return found }
            }
            state[name] = true
            return nil
        }
        for name in rules.keys.sorted() {
            if let found = visit(name) { return found }
        }
        return nil
    }

    static func isNullable(_ expression: GrammarExpression, _ nullable: Set<String>) -> Bool {
        switch expression {
        case .literal(let text): return text.isEmpty
        case .characters: return false
        case .rule(let name): return nullable.contains(name)
        case .sequence(let items): return items.allSatisfy { isNullable($0, nullable) }
        case .choice(let alternatives): return alternatives.contains { isNullable($0, nullable) }
        case .repetition(let item, let min, _): return min == 0 || isNullable(item, nullable)
        }
    }

    /// The rules that may be entered before any character is read.
    static func leftEdges(of expression: GrammarExpression, _ nullable: Set<String>) -> Set<String> {
        switch expression {
        case .literal, .characters: return []
        case .rule(let name): return [name]
        case .sequence(let items):
            var edges: Set<String> = []
            for item in items {
                edges.formUnion(leftEdges(of: item, nullable))
                if !isNullable(item, nullable) { break }
            }
            return edges
        case .choice(let alternatives):
            return alternatives.reduce(into: []) { $0.formUnion(leftEdges(of: $1, nullable)) }
        case .repetition(let item, _, let max): return max == 0 ? [] : leftEdges(of: item, nullable)
        }
    }
}
