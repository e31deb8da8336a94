/// A small GBNF reader and matcher, only for tests: it parses the grammars SchemaGrammar
/// writes (with llama.cpp's syntax rules) and says whether a whole text matches `root`.
/// Matching computes, for each rule and start offset, every offset where a match can end;
/// that is slow for long texts but exact, and fine for the short instances tests use.
struct GBNFGrammar {
    indirect enum Node {
        case literal([UInt32])
        case characters(negated: Bool, ranges: [ClosedRange<UInt32>])
        case anyCharacter
        case rule(String)
        case sequence([Node])
        case choice([Node])
        case repetition(Node, min: Int, max: Int?)
    }

    struct ParseError: Error, CustomStringConvertible {
        var description: String
    }

    private(set) var rules: [String: Node] = [:]
    /// Rule names in written order.
    private(set) var ruleNames: [String] = []

    init(_ text: String) throws(ParseError) {
        var reader = Reader(scalars: Array(text.unicodeScalars))
        reader.skipSpace(newlines: true)
        while !reader.atEnd {
            let name = try reader.name()
            reader.skipSpace(newlines: false)
            try reader.expect("::=")
            reader.skipSpace(newlines: true)
            let body = try reader.alternatives(nested: false)
            guard rules[name] == nil else { throw ParseError(description: "rule \(name) is defined twice") }
            rules[name] = body
            ruleNames.append(name)
            if !reader.atEnd {
                guard reader.peek == "\n" || reader.peek == "\r" else {
                    throw reader.error("expected the end of the rule")
                }
            }
            reader.skipSpace(newlines: true)
        }
        guard rules["root"] != nil else { throw ParseError(description: "no root rule") }
        for (name, body) in rules {
            for reference in Self.references(in: body) where rules[reference] == nil {
                throw ParseError(description: "rule \(name) refers to undefined rule \(reference)")
            }
        }
    }

    /// Whether all of `text` matches `root`.
    func matches(_ text: String) -> Bool {
        let matcher = Matcher(rules: rules, input: text.unicodeScalars.map(\.value))
        return matcher.ends(of: .rule("root"), from: 0).contains(matcher.input.count)
    }

    /// Rules other than `root` that no rule refers to.
    var unreferencedRules: [String] {
        let referenced = Set(rules.values.flatMap(Self.references(in:)))
        return ruleNames.filter { $0 != "root" && !referenced.contains($0) }
    }

    private static func references(in node: Node) -> [String] {
        switch node {
        case .literal, .characters, .anyCharacter: return []
        case .rule(let name): return [name]
        case .sequence(let items), .choice(let items): return items.flatMap(references(in:))
        case .repetition(let item, _, _): return references(in: item)
        }
    }

    private struct Reader {
        let scalars: [Unicode.Scalar]
        var index = 0

        var atEnd: Bool { index >= scalars.count }
        var peek: Unicode.Scalar? { atEnd ? nil : scalars[index] }

        func error(_ reason: String) -> ParseError {
            let context = String(String.UnicodeScalarView(scalars[index..<min(index + 30, scalars.count)]))
            return ParseError(description: "\(reason) at offset \(index): \(context)")
        }

        mutating func skipSpace(newlines: Bool) {
            while let scalar = peek {
                if scalar == " " || scalar == "\t" || (newlines && (scalar == "\n" || scalar == "\r")) {
                    index += 1
                } else if scalar == "#" {
                    while let next = peek, next != "\n", next != "\r" { index += 1 }
                } else {
                    return
                }
            }
        }

        static func isWordCharacter(_ scalar: Unicode.Scalar) -> Bool {
            ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                || scalar == "-"
        }

        mutating func name() throws(ParseError) -> String {
            let start = index
            while let scalar = peek, Self.isWordCharacter(scalar) { index += 1 }
            guard index > start else { throw error("expected a rule name") }
            return String(String.UnicodeScalarView(scalars[start..<index]))
        }

        mutating func expect(_ text: String) throws(ParseError) {
            for scalar in text.unicodeScalars {
                guard peek == scalar else { throw error("expected \(text)") }
                index += 1
            }
        }

        mutating func alternatives(nested: Bool) throws(ParseError) -> Node {
            var choices = [try sequence(nested: nested)]
            while peek == "|" {
                index += 1
                skipSpace(newlines: true)
                choices.append(try sequence(nested: nested))
            }
            return choices.count == 1 ? choices[0] : .choice(choices)
        }

        mutating func sequence(nested: Bool) throws(ParseError) -> Node {
            var items: [Node] = []
            while let scalar = peek {
                switch scalar {
                case "\"":
                    index += 1
                    var text: [UInt32] = []
                    while peek != "\"" {
                        guard !atEnd else { throw error("unterminated literal") }
                        text.append(try character())
                    }
                    index += 1
                    items.append(.literal(text))
                case "[":
                    index += 1
                    let negated = peek == "^"
                    if negated { index += 1 }
                    var ranges: [ClosedRange<UInt32>] = []
                    while peek != "]" {
                        guard !atEnd else { throw error("unterminated character class") }
                        let low = try character()
                        if peek == "-", index + 1 < scalars.count, scalars[index + 1] != "]" {
                            index += 1
                            let high = try character()
                            guard low <= high else { throw error("reversed range") }
                            ranges.append(low...high)
                        } else {
                            ranges.append(low...low)
                        }
                    }
                    index += 1
                    items.append(.characters(negated: negated, ranges: ranges))
                case "(":
                    index += 1
                    skipSpace(newlines: true)
                    let inner = try alternatives(nested: true)
                    guard peek == ")" else { throw error("expected )") }
                    index += 1
                    items.append(inner)
                case ".":
                    index += 1
                    items.append(.anyCharacter)
                case "*", "+", "?", "{":
                    guard let last = items.popLast() else { throw error("repetition without a preceding item") }
                    items.append(try repetition(of: last))
                case _ where Self.isWordCharacter(scalar):
                    items.append(.rule(try name()))
                default:
                    // `|`, `)`, a newline ending the rule, or something this reader does not know.
                    if scalar == "|" || scalar == ")" || scalar == "\n" || scalar == "\r" {
                        return items.count == 1 ? items[0] : .sequence(items)
                    }
                    throw error("unexpected character")
                }
                skipSpace(newlines: nested)
            }
            return items.count == 1 ? items[0] : .sequence(items)
        }

        mutating func repetition(of item: Node) throws(ParseError) -> Node {
            let marker = scalars[index]
            index += 1
            switch marker {
            case "*": return .repetition(item, min: 0, max: nil)
            case "+": return .repetition(item, min: 1, max: nil)
            case "?": return .repetition(item, min: 0, max: 1)
            default:
                skipSpace(newlines: false)
                let low = try integer()
                skipSpace(newlines: false)
                var high: Int? = low
                if peek == "," {
                    index += 1
                    skipSpace(newlines: false)
                    high = peek.map { ("0"..."9").contains($0) } == true ? try integer() : nil
                    skipSpace(newlines: false)
                }
                guard peek == "}" else { throw error("expected }") }
                index += 1
                if let high, high < low { throw error("repetition maximum below minimum") }
                return .repetition(item, min: low, max: high)
            }
        }

        mutating func integer() throws(ParseError) -> Int {
            var value = 0
            let start = index
            while let scalar = peek, ("0"..."9").contains(scalar) {
                value = value * 10 + Int(scalar.value - 48)
                index += 1
            }
            guard index > start else { throw error("expected an integer") }
            return value
        }

        /// One character of a literal or class, with llama.cpp's escapes.
        mutating func character() throws(ParseError) -> UInt32 {
            guard let scalar = peek else { throw error("unexpected end") }
            index += 1
            guard scalar == "\\" else { return scalar.value }
            guard let escape = peek else { throw error("unterminated escape") }
            index += 1
            switch escape {
            case "x": return try hex(digits: 2)
            case "u": return try hex(digits: 4)
            case "U": return try hex(digits: 8)
            case "t": return 0x09
            case "r": return 0x0D
            case "n": return 0x0A
            case "\\", "\"", "[", "]", "-": return escape.value
            default: throw error("unknown escape")
            }
        }

        mutating func hex(digits: Int) throws(ParseError) -> UInt32 {
            var value: UInt32 = 0
            for _ in 0..<digits {
                guard let scalar = peek, let digit = UInt32(String(scalar), radix: 16) else {
                    throw error("expected hex digits")
                }
                value = value << 4 | digit
                index += 1
            }
            return value
        }
    }

    /// Every end offset of each node from each start offset, memoized per rule.
    private final class Matcher {
        let rules: [String: Node]
        let input: [UInt32]
        var memo: [String: [Int: Set<Int>]] = [:]
        var inProgress: Set<String> = []

        init(rules: [String: Node], input: [UInt32]) {
            self.rules = rules
            self.input = input
        }

        func ends(of node: Node, from start: Int) -> Set<Int> {
            switch node {
            case .literal(let text):
                guard start + text.count <= input.count, Array(input[start..<start + text.count]) == text else {
                    return []
                }
                return [start + text.count]
            case .characters(let negated, let ranges):
                guard start < input.count else { return [] }
                return ranges.contains { $0.contains(input[start]) } != negated ? [start + 1] : []
            case .anyCharacter:
                return start < input.count ? [start + 1] : []
            case .rule(let name):
                if let known = memo[name]?[start] { return known }
                let key = "\(name)@\(start)"
                // Left recursion would loop forever; the converter refuses it, so treat it as no match.
                guard !inProgress.contains(key), let body = rules[name] else { return [] }
                inProgress.insert(key)
                let result = ends(of: body, from: start)
                inProgress.remove(key)
                memo[name, default: [:]][start] = result
                return result
            case .sequence(let items):
                var positions: Set<Int> = [start]
                for item in items {
                    positions = Set(positions.flatMap { ends(of: item, from: $0) })
                    if positions.isEmpty { break }
                }
                return positions
            case .choice(let alternatives):
                return alternatives.reduce(into: []) { $0.formUnion(ends(of: $1, from: start)) }
            case .repetition(let item, let min, let max):
                var frontier: Set<Int> = [start]
                for _ in 0..<min {
                    frontier = Set(frontier.flatMap { ends(of: item, from: $0) })
                    if frontier.isEmpty { return [] }
                }
                var result = frontier
                var count = min
                while !frontier.isEmpty, max.map({ count < $0 }) ?? true {
                    // Positions already reached need not be expanded again when unbounded.
                    let next = Set(frontier.flatMap { ends(of: item, from: $0) })
                    frontier = max == nil ? next.subtracting(result) : next
                    result.formUnion(next)
                    count += 1
                }
                return result
            }
        }
    }
}
