/// Bounds on a GBNF grammar a guest sends, checked before llama.cpp sees it.
///
/// llama.cpp's grammar parser recurses once per parenthesised group (about 30,000 levels
/// overflow the host's stack and kill the process) and its sampler recurses along chains
/// of rule references, so depth and rule count are capped here, by a linear scan that
/// itself keeps no stack. Schemas reach llama.cpp through ``SchemaGrammar``, whose output
/// stays far inside these bounds.
public enum GrammarBounds {
    /// The largest grammar text accepted.
    public static let maxBytes = SchemaGrammar.maxGrammarBytes
    /// The deepest nesting of parenthesised groups; hand-written grammars use a handful.
    public static let maxDepth = 64
    /// The most rules (`name ::= …`) one grammar may define.
    public static let maxRules = 1024

    /// Throws `invalidRequest` naming the bound a grammar passes.
    public static func check(_ grammar: String) throws(LLMError) {
        let bytes = grammar.utf8
        guard bytes.count <= maxBytes else {
            throw .invalidRequest("llm request: \"grammar\" is \(bytes.count) bytes; at most \(maxBytes)")
        }
        var depth = 0
        var rules = 0
        var iterator = bytes.makeIterator()
        // The two bytes before this one, to spot `::=`.
        var secondLast: UInt8 = 0
        var last: UInt8 = 0
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "["):
                // A literal or a character class: skip to its unescaped end.
                let end = byte == UInt8(ascii: "\"") ? UInt8(ascii: "\"") : UInt8(ascii: "]")
                while let inner = iterator.next() {
                    if inner == UInt8(ascii: "\\") {
                        _ = iterator.next()
                    } else if inner == end {
                        break
                    }
                }
            case UInt8(ascii: "#"):
                while let inner = iterator.next(), inner != UInt8(ascii: "\n") {}
            case UInt8(ascii: "("):
                depth += 1
                guard depth <= maxDepth else {
                    throw .invalidRequest("llm request: \"grammar\" nests groups deeper than \(maxDepth) levels")
                }
            case UInt8(ascii: ")"):
                depth -= 1
            case UInt8(ascii: "=") where secondLast == UInt8(ascii: ":") && last == UInt8(ascii: ":"):
                rules += 1
                guard rules <= maxRules else {
                    throw .invalidRequest("llm request: \"grammar\" defines more than \(maxRules) rules")
                }
            default:
                break
            }
            secondLast = last
            last = byte
        }
    }
}
