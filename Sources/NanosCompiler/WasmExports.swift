/// Reads the export names of a WebAssembly binary, enough to check a compiled guest
/// before it is written. Malformed input gives nil, never a trap.
enum WasmExports {
    static func names(in bytes: [UInt8]) -> [String]? {
        var reader = ByteReader(bytes: bytes)
        guard reader.take(4) == [0x00, 0x61, 0x73, 0x6D], reader.take(4) == [0x01, 0x00, 0x00, 0x00] else {
            return nil
        }
        while !reader.atEnd {
            guard let id = reader.byte(), let size = reader.leb128() else { return nil }
            guard id == exportSectionID else {
                guard reader.skip(Int(size)) else { return nil }
                continue
            }
            guard let count = reader.leb128() else { return nil }
            var names: [String] = []
            for _ in 0..<count {
                guard let name = reader.name(), reader.byte() != nil, reader.leb128() != nil else { return nil }
                names.append(name)
            }
            return names
        }
        return []
    }

    private static let exportSectionID: UInt8 = 7
}

private struct ByteReader {
    let bytes: [UInt8]
    var offset = 0

    var atEnd: Bool { offset >= bytes.count }

    mutating func byte() -> UInt8? {
        guard offset < bytes.count else { return nil }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func take(_ count: Int) -> [UInt8]? {
        guard count >= 0, count <= bytes.count - offset else { return nil }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    mutating func skip(_ count: Int) -> Bool {
        take(count) != nil
    }

    /// An unsigned LEB128 of at most 32 bits.
    mutating func leb128() -> UInt32? {
        var result: UInt32 = 0
        for shift in stride(from: 0, to: 35, by: 7) {
            guard let byte = byte() else { return nil }
            result |= UInt32(byte & 0x7F) << UInt32(shift)
            if byte & 0x80 == 0 { return result }
        }
        return nil
    }

    mutating func name() -> String? {
        guard let length = leb128(), let utf8 = take(Int(length)) else { return nil }
        return String(decoding: utf8, as: UTF8.self)
    }
}
