/// A string schema's `pattern` as grammar: the JSON string whose value the regular
/// expression matches in full.
///
/// The subset is what grant-shaped schemas and hand-written path or code patterns need:
/// literals and escapes, `.`, classes (`[a-z0-9_]`, `[^/]`, `\d`, `\w`, `\s` and their
/// negations outside classes), groups (`(…)`, `(?:…)`), alternation, and the quantifiers
/// `?`, `*`, `+`, `{n}`, `{n,}`, `{n,m}` (a lazy `?` after one changes nothing here).
/// Anything else (backreferences, lookaround, anchors inside the pattern) is refused with
/// the schema path.
///
/// As everywhere in ``SchemaGrammar`` the grammar is tighter, never looser:
/// - a pattern is matched against the whole value, as if it were `^…$`;
/// - characters are written unescaped, except `"` and `\`, which a class or literal may
///   still admit in their JSON escapes; control characters are never written.
enum SchemaPattern {
    /// The longest pattern accepted.
    static let maxPatternBytes = 1024
    /// The deepest nesting of groups.
    static let maxNesting = 16
    /// The sum of every quantifier's largest count: llama.cpp expands counted
    /// repetitions into rules, so the total is bounded, not each one.
    static let maxTotalRepetition = SchemaGrammar.maxRepetition

    static func expression(_ pattern: String, at path: SchemaPath) throws(LLMError) -> GrammarExpression {
        guard pattern.utf8.count <= maxPatternBytes else {
            throw path.error("pattern too long", "\(pattern.utf8.count) bytes; at most \(maxPatternBytes)")
        }
        var parser = PatternParser(scalars: Array(pattern.unicodeScalars), path: path)
        let body = try parser.parseWhole()
        return .sequence([.literal("\""), body, .literal("\"")])
    }
}

/// A set of Unicode scalar values, as sorted ranges.
struct ScalarSet {
    var ranges: [ClosedRange<UInt32>] = []

    static let digits = ScalarSet(ranges: [0x30...0x39])
    static let word = ScalarSet(ranges: [0x30...0x39, 0x41...0x5A, 0x5F...0x5F, 0x61...0x7A])
    /// Only the space: tabs and line breaks would need escapes in JSON.
    static let space = ScalarSet(ranges: [0x20...0x20])
    /// What a JSON string never holds unescaped, plus the line terminators `.` skips.
    static let unwritable = ScalarSet(ranges: [0x00...0x1F, 0x22...0x22, 0x5C...0x5C, 0x2028...0x2029])

    mutating func insert(_ range: ClosedRange<UInt32>) {
        ranges.append(range)
        ranges.sort { $0.lowerBound < $1.lowerBound }
        var merged: [ClosedRange<UInt32>] = []
        for next in ranges {
            if let last = merged.last, next.lowerBound <= last.upperBound &+ 1 {
                merged[merged.count - 1] = last.lowerBound...max(last.upperBound, next.upperBound)
            } else {
                merged.append(next)
            }
        }
        ranges = merged
    }

    mutating func formUnion(_ other: ScalarSet) { for range in other.ranges { insert(range) } }

    func contains(_ value: UInt32) -> Bool { ranges.contains { $0.contains(value) } }

    /// These scalars less `removed`.
    func subtracting(_ removed: ScalarSet) -> ScalarSet {
        var result: [ClosedRange<UInt32>] = []
        for range in ranges {
            var pieces = [range]
            for cut in removed.ranges {
                pieces = pieces.flatMap { piece -> [ClosedRange<UInt32>] in
                    guard piece.overlaps(cut) else { return [piece] }
                    var left: [ClosedRange<UInt32>] = []
                    if piece.lowerBound < cut.lowerBound { left.append(piece.lowerBound...(cut.lowerBound - 1)) }
                    if piece.upperBound > cut.upperBound { left.append((cut.upperBound + 1)...piece.upperBound) }
                    return left
                }
            }
            result += pieces
        }
        return ScalarSet(ranges: result)
    }

    /// The members as the inside of a GBNF character class.
    var classText: String {
        var text = ""
        for range in ranges {
            text += Self.escaped(range.lowerBound)
            if range.upperBound != range.lowerBound { text += "-" + Self.escaped(range.upperBound) }
        }
        return text
    }

    private static func escaped(_ value: UInt32) -> String {
        let isAlphanumeric =
            (0x30...0x39).contains(value) || (0x41...0x5A).contains(value) || (0x61...0x7A).contains(value)
        if isAlphanumeric, let scalar = Unicode.Scalar(value) { return String(Character(scalar)) }
        let hex = String(value, radix: 16, uppercase: true)
        if value < 0x100 { return "\\x" + String(repeating: "0", count: 2 - hex.count) + hex }
        if value < 0x10000 { return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex }
        return "\\U" + String(repeating: "0", count: 8 - hex.count) + hex
    }

    /// One character of the set as it may appear inside a JSON string: the unescaped
    /// members as a class, and `\"` or `\\` where the set holds `"` or `\`.
    var jsonCharacter: GrammarExpression? {
        var choices: [GrammarExpression] = []
        let plain = subtracting(.unwritable)
        if !plain.ranges.isEmpty { choices.append(.characters("[" + plain.classText + "]")) }
        if contains(0x22) { choices.append(.literal("\\\"")) }
        if contains(0x5C) { choices.append(.literal("\\\\")) }
        if choices.isEmpty { return nil }
        return choices.count == 1 ? choices[0] : .choice(choices)
    }

    /// Any character outside the set (and never one a JSON string must escape).
    var negatedJSONCharacter: GrammarExpression {
        var excluded = self
        excluded.formUnion(.unwritable)
        return .characters("[^" + excluded.classText + "]")
    }
}

/// A recursive-descent reader of the pattern subset, building the grammar as it goes.
private struct PatternParser {
    let scalars: [Unicode.Scalar]
    let path: SchemaPath
    var index = 0
    /// Where reading stops: before a trailing `$`.
    var end: Int
    var depth = 0
    var totalRepetition = 0

    init(scalars: [Unicode.Scalar], path: SchemaPath) {
        self.scalars = scalars
        self.path = path
        self.end = scalars.count
    }

    private func fail(_ why: String) -> LLMError {
        path.error("unsupported \"pattern\"", "\(why) (at character \(index + 1))")
    }

    private var current: Unicode.Scalar? { index < end ? scalars[index] : nil }

    /// The pattern less a leading `^` and a trailing `$`: a whole value always matches.
    mutating func parseWhole() throws(LLMError) -> GrammarExpression {
        if current == "^" { index += 1 }
        if end > index, scalars[end - 1] == "$", !isEscaped(at: end - 1) { end -= 1 }
        let expression = try alternation()
        guard current == nil else { throw fail("an unmatched \")\"") }
        return expression
    }

    private func isEscaped(at position: Int) -> Bool {
        var backslashes = 0
        var before = position - 1
        while before >= 0, scalars[before] == "\\" {
            backslashes += 1
            before -= 1
        }
        return backslashes % 2 == 1
    }

    private mutating func alternation() throws(LLMError) -> GrammarExpression {
        var branches = [try sequence()]
        while current == "|" {
            index += 1
            branches.append(try sequence())
        }
        return branches.count == 1 ? branches[0] : .choice(branches)
    }

    private mutating func sequence() throws(LLMError) -> GrammarExpression {
        var items: [GrammarExpression] = []
        while let scalar = current, scalar != "|", scalar != ")" {
            let atom = try self.atom()
            items.append(try quantified(atom))
        }
        if items.isEmpty { return .literal("") }
        return items.count == 1 ? items[0] : .sequence(items)
    }

    private mutating func quantified(_ atom: GrammarExpression) throws(LLMError) -> GrammarExpression {
        guard let scalar = current else { return atom }
        let bounds: (min: Int, max: Int?)
        switch scalar {
        case "?": bounds = (0, 1)
        case "*": bounds = (0, nil)
        case "+": bounds = (1, nil)
        case "{": bounds = try counted()
        default: return atom
        }
        if scalar != "{" { index += 1 }
        if current == "?" { index += 1 }  // lazy: the same strings
        if let next = current, next == "*" || next == "+" || next == "{" {
            throw fail("a quantifier follows a quantifier")
        }
        totalRepetition += bounds.max ?? bounds.min
        guard totalRepetition <= SchemaPattern.maxTotalRepetition else {
            throw fail("the counted repetitions add up to more than \(SchemaPattern.maxTotalRepetition)")
        }
        return .repetition(atom, min: bounds.min, max: bounds.max)
    }

    /// `{n}`, `{n,}` or `{n,m}`, reading past the closing brace.
    private mutating func counted() throws(LLMError) -> (min: Int, max: Int?) {
        index += 1
        let low = try number()
        var high: Int? = low
        if current == "," {
            index += 1
            high = current == "}" ? nil : try number()
        }
        guard current == "}" else { throw fail("a \"{\" that is not a count like {2} or {0,60}") }
        index += 1
        if let high, high < low { throw fail("a count whose maximum \(high) is below its minimum \(low)") }
        return (low, high)
    }

    private mutating func number() throws(LLMError) -> Int {
        var value = 0
        var digits = 0
        while let scalar = current, (0x30...0x39).contains(scalar.value) {
            value = value * 10 + Int(scalar.value - 0x30)
            digits += 1
            index += 1
            guard value <= SchemaGrammar.maxRepetition else {
                throw fail("a count above \(SchemaGrammar.maxRepetition)")
            }
        }
        guard digits > 0 else { throw fail("a count without digits") }
        return value
    }

    private mutating func atom() throws(LLMError) -> GrammarExpression {
        guard let scalar = current else { throw fail("the pattern ends early") }
        switch scalar {
        case "(":
            index += 1
            if current == "?" {
                guard index + 1 < end, scalars[index + 1] == ":" else {
                    throw fail("lookaround and named groups are not supported")
                }
                index += 2
            }
            depth += 1
            guard depth <= SchemaPattern.maxNesting else {
                throw fail("groups nested more than \(SchemaPattern.maxNesting) deep")
            }
            let inner = try alternation()
            guard current == ")" else { throw fail("a \"(\" without its \")\"") }
            index += 1
            depth -= 1
            return inner
        case "[":
            return try characterClass()
        case ".":
            index += 1
            return ScalarSet().negatedJSONCharacter
        case "\\":
            index += 1
            return try escape()
        case "^", "$":
            throw fail("anchors are supported only at the start and end")
        case "*", "+", "?", "{":
            throw fail("\"\(scalar)\" has nothing to repeat")
        case "}", "]":
            throw fail("an unmatched \"\(scalar)\"")
        default:
            index += 1
            return literal(scalar)
        }
    }

    /// One character written as a JSON string holds it.
    private func literal(_ scalar: Unicode.Scalar) -> GrammarExpression {
        var set = ScalarSet()
        set.insert(scalar.value...scalar.value)
        return set.jsonCharacter ?? .literal("")
    }

    /// After a `\` outside a class.
    private mutating func escape() throws(LLMError) -> GrammarExpression {
        guard let scalar = current else { throw fail("the pattern ends with \"\\\"") }
        index += 1
        switch scalar {
        case "d": return ScalarSet.digits.jsonCharacter ?? .literal("")
        case "w": return ScalarSet.word.jsonCharacter ?? .literal("")
        case "s": return ScalarSet.space.jsonCharacter ?? .literal("")
        case "D": return ScalarSet.digits.negatedJSONCharacter
        case "W": return ScalarSet.word.negatedJSONCharacter
        case "S": return ScalarSet.space.negatedJSONCharacter
        default:
            guard let value = try escapedScalar(scalar) else {
                throw fail("the control character escape cannot be written")
            }
            return literal(value)
        }
    }

    /// A literal escape's character: `\.`, `\/`, `\-` and other punctuation stand for
    /// themselves; letters and digits other than these are refused (backreferences, `\b`, …).
    private func escapedScalar(_ scalar: Unicode.Scalar) throws(LLMError) -> Unicode.Scalar? {
        switch scalar {
        case "n", "r", "t", "f", "v", "0": return nil
        default:
            guard scalar.isASCII, !scalar.properties.isAlphabetic, !("0"..."9").contains(scalar) else {
                throw fail("the escape \"\\\(scalar)\" is not supported")
            }
            return scalar
        }
    }

    /// `[…]` or `[^…]`, reading past the closing bracket.
    private mutating func characterClass() throws(LLMError) -> GrammarExpression {
        index += 1
        var negated = false
        if current == "^" {
            negated = true
            index += 1
        }
        var set = ScalarSet()
        var members = 0
        while let scalar = current, scalar != "]" {
            let low = try classMember(into: &set)
            members += 1
            guard let low, current == "-", index + 1 < end, scalars[index + 1] != "]" else { continue }
            index += 1
            guard let high = try classMember(into: &set) else { throw fail("a range ends in a class escape") }
            guard low.value <= high.value else { throw fail("a range whose end comes before its start") }
            set.insert(low.value...high.value)
        }
        guard current == "]" else { throw fail("a \"[\" without its \"]\"") }
        guard members > 0 else { throw fail("an empty class") }
        index += 1
        if negated { return set.negatedJSONCharacter }
        guard let character = set.jsonCharacter else {
            throw fail("the class holds only characters a JSON string cannot hold unescaped")
        }
        return character
    }

    /// One member of a class, added to `set`; the character itself when it can start or end a range.
    private mutating func classMember(into set: inout ScalarSet) throws(LLMError) -> Unicode.Scalar? {
        guard let scalar = current else { throw fail("a \"[\" without its \"]\"") }
        index += 1
        guard scalar == "\\" else {
            set.insert(scalar.value...scalar.value)
            return scalar
        }
        guard let escaped = current else { throw fail("the pattern ends with \"\\\"") }
        index += 1
        switch escaped {
        case "d": set.formUnion(.digits)
        case "w": set.formUnion(.word)
        case "s": set.formUnion(.space)
        case "D", "W", "S": throw fail("negated class escapes inside a class are not supported")
        default:
            guard let value = try escapedScalar(escaped) else { return nil }
            set.insert(value.value...value.value)
            return value
        }
        return nil
    }
}
