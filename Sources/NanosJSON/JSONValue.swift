import Foundation

/// A small ordered JSON value, so that reports and traces are written with stable key order.
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        lhs.serialized() == rhs.serialized()
    }

    /// Bytes as a string when they are UTF-8, else as base64.
    public static func bytes(_ bytes: [UInt8]) -> JSONValue {
        if let text = String(validating: bytes, as: UTF8.self) {
            return .string(text)
        }
        return .object([("base64", .string(Data(bytes).base64EncodedString()))])
    }

    /// The bytes `bytes(_:)` wrote: a string's UTF-8, or a `{"base64": …}` object's bytes.
    public static func decodeBytes(_ value: JSONValue) -> [UInt8]? {
        switch value {
        case .string(let text): return Array(text.utf8)
        case .object(let members):
            guard members.count == 1, members[0].0 == "base64", case .string(let text) = members[0].1,
                let data = Data(base64Encoded: text)
            else { return nil }
            return [UInt8](data)
        default: return nil
        }
    }

    public func serialized() -> String {
        var out = ""
        write(to: &out)
        return out
    }

    public func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .int(let value): out += String(value)
        case .double(let value):
            out += value.isFinite ? String(value) : "null"
        case .string(let value): JSONValue.writeString(value, to: &out)
        case .array(let values):
            out += "["
            for (offset, value) in values.enumerated() {
                if offset > 0 { out += "," }
                value.write(to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (offset, member) in members.enumerated() {
                if offset > 0 { out += "," }
                JSONValue.writeString(member.0, to: &out)
                out += ":"
                member.1.write(to: &out)
            }
            out += "}"
        }
    }

    /// The value over several lines, nested members indented by `indent` spaces, for
    /// people to read (schemas in `nanos mcp ls`); `serialized()` is the compact form.
    /// Arrays of plain values stay on one line.
    public func prettyPrinted(indent: Int = 2) -> String {
        var out = ""
        writePretty(to: &out, level: 0, indent: indent)
        return out
    }

    private func writePretty(to out: inout String, level: Int, indent: Int) {
        let inner = String(repeating: " ", count: (level + 1) * indent)
        let closing = String(repeating: " ", count: level * indent)
        switch self {
        case .array(let values) where values.contains(where: \.isContainer):
            out += "[\n"
            for (offset, value) in values.enumerated() {
                out += inner
                value.writePretty(to: &out, level: level + 1, indent: indent)
                out += offset < values.count - 1 ? ",\n" : "\n"
            }
            out += closing + "]"
        case .object(let members) where !members.isEmpty:
            out += "{\n"
            for (offset, member) in members.enumerated() {
                out += inner
                JSONValue.writeString(member.0, to: &out)
                out += ": "
                member.1.writePretty(to: &out, level: level + 1, indent: indent)
                out += offset < members.count - 1 ? ",\n" : "\n"
            }
            out += closing + "}"
        default:
            write(to: &out)
        }
    }

    /// Arrays of plain values stay on one line when pretty-printed.
    private var isContainer: Bool {
        switch self {
        case .array, .object: return true
        default: return false
        }
    }

    public static func writeString(_ value: String, to out: inout String) {
        out += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029:
                out +=
                    "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                    + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
