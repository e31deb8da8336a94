// JSON.swift — JSON values for nanos guests in Embedded Swift: a strict parser
// (RFC 8259) and a compact writer. `nanos compile` compiles it together with
// Nanos.swift, so `JSONValue` is in scope in every Swift guest.
//
//     let action = try JSONValue.parse(answer)          // throws(JSONParseError)
//     if let path = action["args"]?["path"]?.stringValue { ... }
//     let request = JSONValue.object([("prompt", .string("hi"))]).serialized
//
// Embedded Swift constraints shape it: no Foundation and no Dictionary (its hasher
// seeds itself through WASI), so objects are ordered arrays of pairs; keys are
// compared as UTF-8 bytes (String equality would link the Unicode normalization
// tables); numbers keep their literal text, since parsing a Double needs libc.

/// A JSON value. Objects keep their members in order, duplicates included.
enum JSONValue {
    case null
    case bool(Bool)
    /// The number's literal text, already checked against the JSON grammar.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([(key: String, value: JSONValue)])

    /// How deep arrays and objects may nest before parsing gives up.
    static let maximumDepth = 64

    // MARK: Reading

    /// Parses a whole document: one value, optionally surrounded by whitespace.
    static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        var copy = text
        return try copy.withUTF8 { (bytes: UnsafeBufferPointer<UInt8>) -> Result<JSONValue, JSONParseError> in
            parse(bytes)
        }.get()
    }

    static func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { (bytes: UnsafeBufferPointer<UInt8>) -> Result<JSONValue, JSONParseError> in
            parse(bytes)
        }.get()
    }

    // The parser reads through a buffer pointer: indexing an array or a String's
    // utf8 view byte by byte costs the interpreter ten to a hundred times more.
    // (`withUTF8` is `rethrows`, which erases the error type: carry it in a Result.)
    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<JSONValue, JSONParseError> {
        var parser = JSONParser(bytes)
        return Result { () throws(JSONParseError) -> JSONValue in try parser.parseDocument() }
    }

    /// The first member named `key` of an object; nil for other values or a missing key.
    subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        for member in members where member.key.utf8.elementsEqual(key.utf8) {
            return member.value
        }
        return nil
    }

    var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    var arrayValue: [JSONValue]? {
        if case .array(let items) = self { return items }
        return nil
    }

    var objectValue: [(key: String, value: JSONValue)]? {
        if case .object(let members) = self { return members }
        return nil
    }

    var boolValue: Bool? {
        if case .bool(let flag) = self { return flag }
        return nil
    }

    /// The number as an integer, if it is one (no fraction or exponent) and fits.
    var intValue: Int64? {
        guard case .number(let literal) = self else { return nil }
        var digits = literal.utf8[...]
        let negative = digits.first == UInt8(ascii: "-")
        if negative { digits = digits.dropFirst() }
        var value: Int64 = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            guard !overflow1, !overflow2 else { return nil }
            value = sum
        }
        return negative ? -value : value
    }

    // MARK: Writing

    /// Compact JSON text: no whitespace, members in order, strings escaped by `quoted`.
    var serialized: String {
        var out: [UInt8] = []
        write(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private func write(to out: inout [UInt8]) {
        switch self {
        case .null: out += "null".utf8
        case .bool(let flag): out += (flag ? "true" : "false").utf8
        case .number(let literal): out += Array(literal.utf8)
        case .string(let text): JSONValue.appendQuoted(text, to: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                item.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (index, member) in members.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSONValue.appendQuoted(member.key, to: &out)
                out.append(UInt8(ascii: ":"))
                member.value.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// `text` as a JSON string literal, quotes included.
    static func quoted(_ text: String) -> String {
        var out: [UInt8] = []
        appendQuoted(text, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private static func appendQuoted(_ text: String, to out: inout [UInt8]) {
        var copy = text
        copy.withUTF8 { (bytes: UnsafeBufferPointer<UInt8>) in appendQuoted(bytes, to: &out) }
    }

    private static func appendQuoted(_ text: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        let hex: StaticString = "0123456789abcdef"
        out.reserveCapacity(out.count + text.count + 2)
        out.append(UInt8(ascii: "\""))
        // Runs that need no escaping are copied in one go: appending byte by byte
        // costs the interpreter several times more.
        var runStart = 0
        var offset = 0
        while offset < text.count {
            let byte = text[offset]
            offset += 1
            guard byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 else { continue }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: text[runStart..<offset - 1]))
            runStart = offset
            out.append(UInt8(ascii: "\\"))
            switch byte {
            case UInt8(ascii: "\n"): out.append(UInt8(ascii: "n"))
            case UInt8(ascii: "\r"): out.append(UInt8(ascii: "r"))
            case UInt8(ascii: "\t"): out.append(UInt8(ascii: "t"))
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(byte)
            default:
                out.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                out.append(hex.utf8Start[Int(byte >> 4)])
                out.append(hex.utf8Start[Int(byte & 0xF)])
            }
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: text[runStart...]))
        out.append(UInt8(ascii: "\""))
    }
}

/// Why a text is not JSON: what was expected and the byte offset where it went wrong.
struct JSONParseError: Error, CustomStringConvertible {
    let message: String
    /// 0-based offset into the UTF-8 text.
    let offset: Int

    var description: String { "\(message) at byte \(offset)" }
}

/// A recursive-descent parser over UTF-8 bytes. Strict: no comments, no trailing
/// commas, no leading zeros, no unescaped control characters, nothing after the value.
/// It borrows `bytes`: use it only inside the closure that provides the buffer.
private struct JSONParser {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        let value = try parseValue(depth: 0)
        skipWhitespace()
        if index < bytes.count { throw failure("unexpected text after the JSON value") }
        return value
    }

    private mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        guard let byte = peek() else { throw failure("expected a JSON value, found the end of the text") }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        default: throw failure("expected a JSON value")
        }
    }

    private mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= JSONValue.maximumDepth else {
            throw failure("nested deeper than \(JSONValue.maximumDepth) levels")
        }
        index += 1  // {
        var members: [(key: String, value: JSONValue)] = []
        skipWhitespace()
        if consume(UInt8(ascii: "}")) { return .object(members) }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else { throw failure("expected a string key") }
            let key = try parseString()
            skipWhitespace()
            guard consume(UInt8(ascii: ":")) else { throw failure("expected ':' after the key") }
            members.append((key, try parseValue(depth: depth)))
            skipWhitespace()
            if consume(UInt8(ascii: ",")) { continue }
            if consume(UInt8(ascii: "}")) { return .object(members) }
            throw failure("expected ',' or '}' in the object")
        }
    }

    private mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= JSONValue.maximumDepth else {
            throw failure("nested deeper than \(JSONValue.maximumDepth) levels")
        }
        index += 1  // [
        var items: [JSONValue] = []
        skipWhitespace()
        if consume(UInt8(ascii: "]")) { return .array(items) }
        while true {
            items.append(try parseValue(depth: depth))
            skipWhitespace()
            if consume(UInt8(ascii: ",")) { continue }
            if consume(UInt8(ascii: "]")) { return .array(items) }
            throw failure("expected ',' or ']' in the array")
        }
    }

    /// A string literal, escapes decoded. Invalid UTF-8 inside becomes U+FFFD.
    private mutating func parseString() throws(JSONParseError) -> String {
        index += 1  // "
        var out: [UInt8] = []
        // Runs of plain bytes are copied in one go, and the loop is an if-chain with
        // the escapes out of line: a switch here costs the interpreter several times more.
        var runStart = index
        while let byte = next() {
            if byte == UInt8(ascii: "\"") {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index - 1]))
                return String(decoding: out, as: UTF8.self)
            } else if byte == UInt8(ascii: "\\") {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index - 1]))
                try appendEscape(to: &out)
                runStart = index
            } else if byte < 0x20 {
                index -= 1
                throw failure("unescaped control character in a string")
            }
        }
        throw failure("unterminated string")
    }

    /// Decodes the escape after a backslash.
    private mutating func appendEscape(to out: inout [UInt8]) throws(JSONParseError) {
        guard let escaped = next() else { throw failure("unterminated string") }
        switch escaped {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escaped)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"): JSONParser.appendUTF8(try parseUnicodeEscape(), to: &out)
        default:
            index -= 1
            throw failure("invalid escape '\\\(String(decoding: [escaped], as: UTF8.self))' in a string")
        }
    }

    /// The scalar after `\u`, joining a surrogate pair; a lone surrogate becomes U+FFFD.
    private mutating func parseUnicodeEscape() throws(JSONParseError) -> UInt32 {
        let high = try parseHex4()
        guard (0xD800..<0xDC00).contains(high) else {
            return (0xDC00..<0xE000).contains(high) ? 0xFFFD : high
        }
        let save = index
        if next() == UInt8(ascii: "\\"), next() == UInt8(ascii: "u") {
            let low = try parseHex4()
            if (0xDC00..<0xE000).contains(low) { return 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00) }
        }
        index = save
        return 0xFFFD
    }

    private mutating func parseHex4() throws(JSONParseError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            let digit: UInt32
            switch peek() {
            case .some(let byte) where byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"):
                digit = UInt32(byte - UInt8(ascii: "0"))
            case .some(let byte) where byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f"):
                digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case .some(let byte) where byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "F"):
                digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default:
                throw failure("expected four hex digits after '\\u'")
            }
            index += 1
            value = value << 4 | digit
        }
        return value
    }

    private static func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            out.append(UInt8(scalar))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | scalar >> 6))
            out.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | scalar >> 12))
            out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            out.append(UInt8(0x80 | scalar & 0x3F))
        default:
            out.append(UInt8(0xF0 | scalar >> 18 & 0x07))
            out.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            out.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, returned as written.
    private mutating func parseNumber() throws(JSONParseError) -> String {
        let start = index
        _ = consume(UInt8(ascii: "-"))
        if consume(UInt8(ascii: "0")) {
            if let byte = peek(), isDigit(byte) { throw failure("a number must not start with 0") }
        } else if skipDigits() == 0 {
            throw failure("expected a digit")
        }
        if consume(UInt8(ascii: ".")), skipDigits() == 0 { throw failure("expected a digit after '.'") }
        if consume(UInt8(ascii: "e")) || consume(UInt8(ascii: "E")) {
            if !consume(UInt8(ascii: "+")) { _ = consume(UInt8(ascii: "-")) }
            if skipDigits() == 0 { throw failure("expected a digit in the exponent") }
        }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
    }

    private mutating func skipDigits() -> Int {
        var count = 0
        while let byte = peek(), isDigit(byte) {
            index += 1
            count += 1
        }
        return count
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private mutating func expectLiteral(_ literal: String) throws(JSONParseError) {
        let expected = Array(literal.utf8)
        guard index + expected.count <= bytes.count, bytes[index..<index + expected.count].elementsEqual(expected)
        else {
            throw failure("expected \(literal)")
        }
        index += expected.count
    }

    // MARK: Bytes

    @inline(__always) private func peek() -> UInt8? {
        index < bytes.count ? bytes[index] : nil
    }

    @inline(__always) private mutating func next() -> UInt8? {
        guard index < bytes.count else { return nil }
        index += 1
        return bytes[index - 1]
    }

    @inline(__always) private mutating func consume(_ byte: UInt8) -> Bool {
        guard peek() == byte else { return false }
        index += 1
        return true
    }

    @inline(__always) private mutating func skipWhitespace() {
        while let byte = peek(),
            byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
                || byte == UInt8(ascii: "\t")
        {
            index += 1
        }
    }

    private func failure(_ message: String) -> JSONParseError {
        JSONParseError(message: message, offset: index)
    }
}
