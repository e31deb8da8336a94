import Foundation
import NanosCore

/// How a step's arguments are kept: one payload per step, the arguments in order, each
/// `0x00` + 8-byte little-endian integer or `0x01` + 4-byte little-endian length + bytes.
enum ArgumentCoding {
    static func encode(_ arguments: [StepValue]) -> [UInt8] {
        var bytes: [UInt8] = []
        for argument in arguments {
            switch argument {
            case .int(let value):
                bytes.append(0)
                withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
            case .bytes(let data):
                bytes.append(1)
                withUnsafeBytes(of: UInt32(data.count).littleEndian) { bytes.append(contentsOf: $0) }
                bytes.append(contentsOf: data)
            }
        }
        return bytes
    }

    /// Nil when the bytes are not such an encoding (a damaged or hand-edited store).
    static func decode(_ bytes: [UInt8]) -> [StepValue]? {
        var arguments: [StepValue] = []
        var offset = 0
        func read(_ count: Int) -> ArraySlice<UInt8>? {
            guard count >= 0, offset + count <= bytes.count else { return nil }
            defer { offset += count }
            return bytes[offset..<offset + count]
        }
        while offset < bytes.count {
            guard let tag = read(1)?.first else { return nil }
            switch tag {
            case 0:
                guard let raw = read(8) else { return nil }
                arguments.append(.int(Int64(littleEndian: raw.withUnsafeBytes { $0.loadUnaligned(as: Int64.self) })))
            case 1:
                guard let raw = read(4) else { return nil }
                let count = Int(UInt32(littleEndian: raw.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }))
                guard let data = read(count) else { return nil }
                arguments.append(.bytes(Array(data)))
            default:
                return nil
            }
        }
        return arguments
    }
}

extension Dictionary where Key == String, Value == Int64 {
    /// Counters as a JSON object, keys sorted.
    var jsonText: String {
        JSONValue.object(sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) }).serialized()
    }

    init(jsonText: String?) {
        self.init()
        guard let jsonText, case .object(let members)? = try? JSONValue.parse(Array(jsonText.utf8)) else { return }
        for (key, value) in members { if let number = value.intValue { self[key] = number } }
    }
}

extension Array where Element == String {
    var jsonText: String { JSONValue.array(map { JSONValue.string($0) }).serialized() }

    init(jsonText: String?) {
        guard let jsonText, case .array(let items)? = try? JSONValue.parse([UInt8](jsonText.utf8)) else {
            self = []
            return
        }
        self = items.compactMap { (item: JSONValue) in item.stringValue }
    }
}

extension Step {
    /// Model tokens the step used (prompt and generated), 0 for other calls.
    var tokens: Int64 {
        (counters["prompt_tokens"] ?? 0) + (counters["generated_tokens"] ?? 0)
    }
}
