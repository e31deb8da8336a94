/// The section structure of a WebAssembly binary: enough to read a module's export
/// names and to rewrite its memory, data and exports, which is what the JS
/// pre-initialiser needs to turn a memory snapshot into a module. Malformed input
/// gives nil, never a trap.
struct WasmBinary: Equatable {
    enum SectionID: UInt8 {
        case custom = 0, type, `import`, function, table, memory, global, export, start, element, code, data, dataCount
    }

    struct Section: Equatable {
        var id: UInt8
        var payload: [UInt8]
    }

    struct Export: Equatable {
        var name: String
        var kind: UInt8
        var index: UInt32
    }

    /// One active data segment for memory 0, placed at `offset`.
    struct DataSegment: Equatable {
        var offset: UInt32
        var bytes: ArraySlice<UInt8>
    }

    static let magic: [UInt8] = [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00]
    static let pageSize = 65_536

    var sections: [Section]

    init?(bytes: [UInt8]) {
        var reader = ByteReader(bytes: bytes)
        guard reader.take(8).map(Array.init) == WasmBinary.magic else { return nil }
        var sections: [Section] = []
        while !reader.atEnd {
            guard let id = reader.byte(), let size = reader.leb128(), let payload = reader.take(Int(size)) else {
                return nil
            }
            sections.append(Section(id: id, payload: Array(payload)))
        }
        self.sections = sections
    }

    func encoded() -> [UInt8] {
        var bytes = WasmBinary.magic
        for section in sections {
            bytes.append(section.id)
            bytes += LEB128.unsigned(UInt32(section.payload.count))
            bytes += section.payload
        }
        return bytes
    }

    private func payload(of id: SectionID) -> [UInt8]? {
        sections.first { $0.id == id.rawValue }?.payload
    }

    private mutating func setPayload(_ payload: [UInt8], of id: SectionID) {
        if let index = sections.firstIndex(where: { $0.id == id.rawValue }) {
            sections[index].payload = payload
        } else {
            // Known sections keep their order: the new one goes before the first later one.
            let index =
                sections.firstIndex { $0.id != SectionID.custom.rawValue && $0.id > id.rawValue } ?? sections.count
            sections.insert(Section(id: id.rawValue, payload: payload), at: index)
        }
    }

    // MARK: Exports

    var exports: [Export]? {
        guard let payload = payload(of: .export) else { return [] }
        var reader = ByteReader(bytes: payload)
        guard let count = reader.leb128() else { return nil }
        var exports: [Export] = []
        for _ in 0..<count {
            guard let name = reader.name(), let kind = reader.byte(), let index = reader.leb128() else { return nil }
            exports.append(Export(name: name, kind: kind, index: index))
        }
        return exports
    }

    /// Drops every export whose name is not in `names`.
    mutating func keepExports(_ names: Set<String>) -> Bool {
        guard let exports else { return false }
        setExports(exports.filter { names.contains($0.name) })
        return true
    }

    /// Exports every mutable global the module defines as `<prefix><index>`, so that a
    /// host can put them back between runs (the kernel's instance pool needs all of an
    /// instance's state in reach). Fails on imported globals or an unreadable section.
    mutating func exportMutableGlobals(prefix: String) -> Bool {
        guard let exports, !importsGlobals, let mutable = mutableGlobalIndices() else { return false }
        var all = exports
        for index in mutable where !all.contains(where: { $0.kind == WasmBinary.globalKind && $0.index == index }) {
            all.append(Export(name: "\(prefix)\(index)", kind: WasmBinary.globalKind, index: index))
        }
        setExports(all)
        return true
    }

    static let globalKind: UInt8 = 3

    private var importsGlobals: Bool {
        guard let payload = payload(of: .import) else { return false }
        var reader = ByteReader(bytes: payload)
        guard let count = reader.leb128() else { return true }
        for _ in 0..<count {
            guard reader.name() != nil, reader.name() != nil, let kind = reader.byte() else { return true }
            switch kind {
            case 0: guard reader.leb128() != nil else { return true }  // function: type index
            case 1:  // table: reftype, limits
                guard reader.byte() != nil, reader.skipLimits() else { return true }
            case 2: guard reader.skipLimits() else { return true }  // memory
            default: return true  // a global (or a tag): not supported here
            }
        }
        return false
    }

    /// Indices of the defined globals declared `mut`, when every initialiser is a plain constant.
    private func mutableGlobalIndices() -> [UInt32]? {
        guard let payload = payload(of: .global) else { return [] }
        var reader = ByteReader(bytes: payload)
        guard let count = reader.leb128() else { return nil }
        var indices: [UInt32] = []
        for index in 0..<count {
            guard reader.byte() != nil, let mutability = reader.byte(), reader.skipConstantExpression() else {
                return nil
            }
            if mutability == 1 { indices.append(index) }
        }
        return indices
    }

    private mutating func setExports(_ exports: [Export]) {
        var payload = LEB128.unsigned(UInt32(exports.count))
        for export in exports {
            payload += LEB128.name(export.name)
            payload.append(export.kind)
            payload += LEB128.unsigned(export.index)
        }
        setPayload(payload, of: .export)
    }

    // MARK: Memory and data

    /// Raises the minimum of the module's one defined memory to `pages`, keeping its maximum.
    mutating func setMemoryMinimum(pages: UInt32) -> Bool {
        guard let payload = payload(of: .memory) else { return false }
        var reader = ByteReader(bytes: payload)
        guard reader.leb128() == 1, let flags = reader.byte(), flags & ~0x01 == 0, reader.leb128() != nil else {
            return false  // only one plain 32-bit memory is supported
        }
        var rewritten = LEB128.unsigned(1) + [flags] + LEB128.unsigned(pages)
        if flags & 0x01 != 0 {
            guard let maximum = reader.leb128(), maximum >= pages else { return false }
            rewritten += LEB128.unsigned(maximum)
        }
        setPayload(rewritten, of: .memory)
        return true
    }

    /// Replaces every data segment with `segments` (active, memory 0).
    mutating func replaceData(with segments: [DataSegment]) {
        var payload = LEB128.unsigned(UInt32(segments.count))
        for segment in segments {
            payload.append(0x00)  // active, memory 0, offset expression follows
            payload.append(0x41)  // i32.const
            payload += LEB128.signed(Int32(bitPattern: segment.offset))
            payload.append(0x0B)  // end
            payload += LEB128.unsigned(UInt32(segment.bytes.count))
            payload += segment.bytes
        }
        setPayload(payload, of: .data)
        if sections.contains(where: { $0.id == SectionID.dataCount.rawValue }) {
            setPayload(LEB128.unsigned(UInt32(segments.count)), of: .dataCount)
        }
    }

    /// The non-zero stretches of `memory` as data segments. Zero runs shorter than
    /// `mergeGap` stay inside a segment: each segment costs a few bytes of header.
    static func segments(of memory: [UInt8], mergeGap: Int = 32) -> [DataSegment] {
        var segments: [DataSegment] = []
        var index = 0
        while index < memory.count {
            guard memory[index] != 0 else {
                index += 1
                continue
            }
            let start = index
            var end = index + 1
            var zeros = 0
            index += 1
            while index < memory.count, zeros < mergeGap {
                if memory[index] == 0 {
                    zeros += 1
                } else {
                    zeros = 0
                    end = index + 1
                }
                index += 1
            }
            segments.append(DataSegment(offset: UInt32(start), bytes: memory[start..<end]))
            index = end
        }
        return segments
    }

    mutating func addCustomSection(name: String, payload: [UInt8]) {
        sections.append(Section(id: SectionID.custom.rawValue, payload: LEB128.name(name) + payload))
    }
}

/// Reads the export names of a WebAssembly binary, enough to check a compiled guest
/// before it is written.
enum WasmExports {
    static func names(in bytes: [UInt8]) -> [String]? {
        WasmBinary(bytes: bytes)?.exports?.map(\.name)
    }
}

enum LEB128 {
    static func unsigned(_ value: UInt32) -> [UInt8] {
        var value = value
        var bytes: [UInt8] = []
        repeat {
            var byte = UInt8(value & 0x7F)
            value >>= 7
            if value != 0 { byte |= 0x80 }
            bytes.append(byte)
        } while value != 0
        return bytes
    }

    static func signed(_ value: Int32) -> [UInt8] {
        var value = value
        var bytes: [UInt8] = []
        while true {
            let byte = UInt8(truncatingIfNeeded: value & 0x7F)
            value >>= 7
            let signBitSet = byte & 0x40 != 0
            if (value == 0 && !signBitSet) || (value == -1 && signBitSet) {
                bytes.append(byte)
                return bytes
            }
            bytes.append(byte | 0x80)
        }
    }

    static func name(_ text: String) -> [UInt8] {
        let utf8 = Array(text.utf8)
        return unsigned(UInt32(utf8.count)) + utf8
    }
}

struct ByteReader {
    let bytes: [UInt8]
    var offset = 0

    var atEnd: Bool { offset >= bytes.count }

    mutating func byte() -> UInt8? {
        guard offset < bytes.count else { return nil }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func take(_ count: Int) -> ArraySlice<UInt8>? {
        guard count >= 0, count <= bytes.count - offset else { return nil }
        defer { offset += count }
        return bytes[offset..<offset + count]
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

    /// Limits: a flags byte, a minimum and, with flag bit 0, a maximum.
    mutating func skipLimits() -> Bool {
        guard let flags = byte(), leb128() != nil else { return false }
        return flags & 0x01 == 0 || leb128() != nil
    }

    /// One constant initialiser: `i32.const`, `i64.const`, `f32.const`, `f64.const` or
    /// `global.get`, then `end`.
    mutating func skipConstantExpression() -> Bool {
        guard let opcode = byte() else { return false }
        switch opcode {
        case 0x41, 0x42, 0x23:  // i32.const, i64.const (LEB up to 10 bytes), global.get
            var length = 0
            while let byte = byte() {
                length += 1
                if byte & 0x80 == 0 { break }
                if length >= 10 { return false }
            }
        case 0x43: guard take(4) != nil else { return false }
        case 0x44: guard take(8) != nil else { return false }
        default: return false
        }
        return byte() == 0x0B
    }
}
