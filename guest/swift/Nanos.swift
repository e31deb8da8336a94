// Nanos.swift — the Embedded Swift SDK for nanos guests (syscall ABI v1).
//
// `nanos compile agent.swift` compiles this file into the same module as the agent,
// so everything here is simply in scope. A minimal agent:
//
//     @_expose(wasm, "run")
//     @_cdecl("run")
//     func run() -> Int32 {
//         Nanos.log("goal: \(Nanos.goal())")
//         Nanos.done("said hello")
//     }
//
// Embedded Swift has no `any Error`, so every failing call uses typed throws:
// `throws(NanosError)`. Catch it with `do { ... } catch { error.name }`.
//
// Memory: the host places results in buffers it gets from the exported
// `nanos_alloc`; the SDK copies each result into a Swift value and frees the buffer.
//
// No Foundation and no Unicode tables are needed by the SDK itself: text is decoded
// from UTF-8 and the host's tiny JSON replies are parsed by the scanner at the end.

// MARK: - Errors

/// A failed host call: the errno from docs/abi.md and the host's explanation.
struct NanosError: Error, CustomStringConvertible {
    /// Positive errno: 1 EPERM, 2 ENOENT, 3 EINVAL, 4 E2BIG, 5 EIO, 6 ETIMEDOUT, 7 EQUOTA.
    let code: Int32
    /// The errno's name, e.g. "EPERM".
    let name: String
    /// What the host said about this failure (from `last_error`), e.g. why a path was refused.
    let message: String

    static let EPERM: Int32 = 1
    static let ENOENT: Int32 = 2
    static let EINVAL: Int32 = 3
    static let E2BIG: Int32 = 4
    static let EIO: Int32 = 5
    static let ETIMEDOUT: Int32 = 6
    static let EQUOTA: Int32 = 7

    init(code: Int32, message: String) {
        self.code = code
        self.name = NanosError.name(of: code)
        self.message = message
    }

    /// The error of the call that just failed with `-code`; asks the host why.
    static func fromHost(code: Int32) -> NanosError {
        let explanation = (try? Nanos.takeString(nanos_sys_last_error())) ?? ""
        return NanosError(code: code, message: explanation.isEmpty ? NanosError.meaning(of: code) : explanation)
    }

    static func name(of code: Int32) -> String {
        switch code {
        case EPERM: return "EPERM"
        case ENOENT: return "ENOENT"
        case EINVAL: return "EINVAL"
        case E2BIG: return "E2BIG"
        case EIO: return "EIO"
        case ETIMEDOUT: return "ETIMEDOUT"
        case EQUOTA: return "EQUOTA"
        default: return "E\(code)"
        }
    }

    static func meaning(of code: Int32) -> String {
        switch code {
        case EPERM: return "the manifest does not grant this"
        case ENOENT: return "no such file, tool, server or agent"
        case EINVAL: return "malformed arguments, bad pointer or length"
        case E2BIG: return "over a size or count limit"
        case EIO: return "the service failed"
        case ETIMEDOUT: return "deadline passed"
        case EQUOTA: return "step, token or similar budget exhausted"
        default: return "unknown error"
        }
    }

    var description: String { "\(name): \(message)" }
}

// MARK: - The SDK

enum Nanos {
    enum LogLevel: Int32 {
        case debug = 0, info = 1, warn = 2, error = 3
    }

    /// The manifest's goal; empty if the host refused (the `agent` group is not granted).
    static func goal() -> String {
        (try? takeString(nanos_sys_agent_goal())) ?? ""
    }

    /// The granted tool groups, e.g. ["agent", "fs_read"]; empty if the host refused.
    static func tools() -> [String] {
        guard let json = try? takeBytes(nanos_sys_agent_tools()) else { return [] }
        var scanner = NanosJSONScanner(json)
        return scanner.parseStringArray() ?? []
    }

    /// Records a message in the run's trace.
    static func log(_ message: String, level: LogLevel = .info) {
        var text = message
        text.withUTF8 { utf8 in
            _ = nanos_sys_agent_log(level.rawValue, utf8.baseAddress, Int32(truncatingIfNeeded: utf8.count))
        }
    }

    /// Ends the run at once with status ok and this summary.
    /// If the host refuses (the `agent` group is not granted) the guest traps,
    /// since a caller of a `Never` function cannot carry on.
    static func done(_ summary: String) -> Never {
        var text = summary
        text.withUTF8 { utf8 in
            _ = nanos_sys_agent_done(utf8.baseAddress, Int32(truncatingIfNeeded: utf8.count))
        }
        fatalError()
    }

    /// Files, relative to the manifest's folder and inside its granted paths.
    enum fs {
        /// What an entry is. A struct rather than an enum: a plain enum's synthesized
        /// Hashable conformance links the hasher's random seed, and with it WASI imports.
        struct EntryKind: Equatable, CustomStringConvertible {
            private let code: UInt8
            static let file = EntryKind(code: 0)
            static let dir = EntryKind(code: 1)
            static let symlink = EntryKind(code: 2)
            static let other = EntryKind(code: 3)

            var description: String {
                switch code {
                case 0: return "file"
                case 1: return "dir"
                case 2: return "symlink"
                default: return "other"
                }
            }
        }

        struct Entry {
            let name: String
            let kind: EntryKind
            let size: Int64
        }

        /// Reads a file as UTF-8 text (invalid sequences become U+FFFD).
        static func read(_ path: String) throws(NanosError) -> String {
            try withUTF8(path) { (p: UnsafeBufferPointer<UInt8>) throws(NanosError) -> String in
                try takeString(nanos_sys_fs_read(p.baseAddress, Int32(truncatingIfNeeded: p.count)))
            }
        }

        /// Reads a file's raw bytes.
        static func readBytes(_ path: String) throws(NanosError) -> [UInt8] {
            try withUTF8(path) { (p: UnsafeBufferPointer<UInt8>) throws(NanosError) -> [UInt8] in
                try takeBytes(nanos_sys_fs_read(p.baseAddress, Int32(truncatingIfNeeded: p.count)))
            }
        }

        /// Creates or truncates a file and writes the text as UTF-8.
        static func write(_ path: String, _ text: String) throws(NanosError) {
            try withUTF8(text) { (bytes: UnsafeBufferPointer<UInt8>) throws(NanosError) in
                try writeRaw(path, bytes)
            }
        }

        /// Creates or truncates a file and writes the bytes.
        static func writeBytes(_ path: String, _ bytes: [UInt8]) throws(NanosError) {
            try bytes.withUnsafeBufferPointer { (buffer: UnsafeBufferPointer<UInt8>) throws(NanosError) in
                try writeRaw(path, buffer)
            }
        }

        /// The names in a folder.
        static func list(_ path: String) throws(NanosError) -> [String] {
            var names: [String] = []
            for entry in try entries(path) { names.append(entry.name) }
            return names
        }

        /// The entries of a folder with their kind and size.
        static func entries(_ path: String) throws(NanosError) -> [Entry] {
            let json = try withUTF8(path) { (p: UnsafeBufferPointer<UInt8>) throws(NanosError) -> [UInt8] in
                try takeBytes(nanos_sys_fs_list(p.baseAddress, Int32(truncatingIfNeeded: p.count)))
            }
            var scanner = NanosJSONScanner(json)
            guard let entries = scanner.parseEntries() else {
                throw NanosError(code: NanosError.EIO, message: "fs_list of '\(path)' returned malformed JSON")
            }
            return entries
        }

        private static func writeRaw(_ path: String, _ data: UnsafeBufferPointer<UInt8>) throws(NanosError) {
            let result = try withUTF8(path) { (p: UnsafeBufferPointer<UInt8>) -> Int32 in
                nanos_sys_fs_write(
                    p.baseAddress, Int32(truncatingIfNeeded: p.count),
                    data.baseAddress, Int32(truncatingIfNeeded: data.count))
            }
            if result < 0 { throw NanosError.fromHost(code: -result) }
        }
    }

    /// The language model (group `llm`).
    enum llm {
        /// Generates text for a plain prompt.
        static func infer(_ prompt: String) throws(NanosError) -> String {
            // The host reads a request starting with "{" as JSON, so such a prompt
            // is wrapped in {"prompt": ...} to keep it plain text.
            if prompt.utf8.first == UInt8(ascii: "{") {
                return try infer(json: "{\"prompt\":" + NanosJSONScanner.quoted(prompt) + "}")
            }
            return try send(prompt)
        }

        /// Sends a JSON request as is: {"prompt": ...} or {"messages": [...]} plus parameters.
        static func infer(json request: String) throws(NanosError) -> String {
            try send(request)
        }

        private static func send(_ request: String) throws(NanosError) -> String {
            try withUTF8(request) { (p: UnsafeBufferPointer<UInt8>) throws(NanosError) -> String in
                try takeString(nanos_sys_llm_infer(p.baseAddress, Int32(truncatingIfNeeded: p.count)))
            }
        }
    }

    /// Wall-clock time (group `clock`).
    enum clock {
        /// Unix time in nanoseconds.
        static func now() throws(NanosError) -> Int64 {
            let result = nanos_sys_clock_now()
            if result < 0 { throw NanosError.fromHost(code: Int32(truncatingIfNeeded: -result)) }
            return result
        }
    }

    /// Randomness (group `random`).
    enum random {
        /// `count` random bytes (at most 64 KiB per call).
        static func bytes(_ count: Int) throws(NanosError) -> [UInt8] {
            guard count >= 0, count <= Int(Int32.max) else {
                throw NanosError(code: NanosError.EINVAL, message: "random.bytes: count \(count) is out of range")
            }
            return try takeBytes(nanos_sys_random_bytes(Int32(count)))
        }
    }

    // MARK: Result decoding

    /// Decodes a data-returning call: `len << 32 | ptr`, or `-errno`.
    static func takeBytes(_ result: Int64) throws(NanosError) -> [UInt8] {
        try take(result) { Array($0) }
    }

    static func takeString(_ result: Int64) throws(NanosError) -> String {
        try take(result) { String(decoding: $0, as: UTF8.self) }
    }

    private static func take<T>(
        _ result: Int64, _ copy: (UnsafeRawBufferPointer) -> T
    ) throws(NanosError) -> T {
        if result < 0 { throw NanosError.fromHost(code: Int32(truncatingIfNeeded: -result)) }
        let length = Int(truncatingIfNeeded: result >> 32)
        let address = UInt(truncatingIfNeeded: UInt32(truncatingIfNeeded: result))
        guard let pointer = UnsafeMutableRawPointer(bitPattern: address) else {
            return copy(UnsafeRawBufferPointer(start: nil, count: 0))
        }
        defer { pointer.deallocate() }
        return copy(UnsafeRawBufferPointer(start: pointer, count: length))
    }

    private static func withUTF8<T>(
        _ text: String, _ body: (UnsafeBufferPointer<UInt8>) throws(NanosError) -> T
    ) throws(NanosError) -> T {
        // String.withUTF8 is `rethrows`, which erases the error type: carry it in a Result.
        var copy = text
        let result = copy.withUTF8 { (utf8: UnsafeBufferPointer<UInt8>) -> Result<T, NanosError> in
            Result { () throws(NanosError) -> T in try body(utf8) }
        }
        return try result.get()
    }
}

// MARK: - The allocator the host calls (exported as "nanos_alloc")

/// Returns `size` bytes for a host result. The SDK frees them after copying.
@_expose(wasm, "nanos_alloc")
@_cdecl("nanos_alloc")
func nanos_alloc(_ size: Int32) -> UnsafeMutableRawPointer? {
    guard size >= 0 else { return nil }
    return UnsafeMutableRawPointer.allocate(byteCount: Int(size), alignment: 1)
}

// MARK: - Raw imports (module "nanos", docs/abi.md)
//
// `@_extern(c)` matters: without it the functions use the Swift calling convention,
// which adds two hidden i32 parameters, and the imports no longer match the ABI.

@_extern(wasm, module: "nanos", name: "agent_goal") @_extern(c)
func nanos_sys_agent_goal() -> Int64
@_extern(wasm, module: "nanos", name: "agent_tools") @_extern(c)
func nanos_sys_agent_tools() -> Int64
@_extern(wasm, module: "nanos", name: "agent_log") @_extern(c)
func nanos_sys_agent_log(_ level: Int32, _ ptr: UnsafePointer<UInt8>?, _ len: Int32) -> Int32
@_extern(wasm, module: "nanos", name: "agent_done") @_extern(c)
func nanos_sys_agent_done(_ ptr: UnsafePointer<UInt8>?, _ len: Int32) -> Int32
@_extern(wasm, module: "nanos", name: "fs_read") @_extern(c)
func nanos_sys_fs_read(_ path: UnsafePointer<UInt8>?, _ pathLen: Int32) -> Int64
@_extern(wasm, module: "nanos", name: "fs_write") @_extern(c)
func nanos_sys_fs_write(
    _ path: UnsafePointer<UInt8>?, _ pathLen: Int32, _ data: UnsafePointer<UInt8>?, _ dataLen: Int32
) -> Int32
@_extern(wasm, module: "nanos", name: "fs_list") @_extern(c)
func nanos_sys_fs_list(_ path: UnsafePointer<UInt8>?, _ pathLen: Int32) -> Int64
@_extern(wasm, module: "nanos", name: "llm_infer") @_extern(c)
func nanos_sys_llm_infer(_ request: UnsafePointer<UInt8>?, _ requestLen: Int32) -> Int64
@_extern(wasm, module: "nanos", name: "clock_now") @_extern(c)
func nanos_sys_clock_now() -> Int64
@_extern(wasm, module: "nanos", name: "random_bytes") @_extern(c)
func nanos_sys_random_bytes(_ len: Int32) -> Int64
@_extern(wasm, module: "nanos", name: "last_error") @_extern(c)
func nanos_sys_last_error() -> Int64

// MARK: - A minimal JSON scanner for the host's replies

/// Parses the two shapes the host returns: an array of strings (`agent_tools`) and an
/// array of flat objects (`fs_list`). Anything malformed gives nil, never a trap.
struct NanosJSONScanner {
    private let bytes: [UInt8]
    private var index = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// `["a","b"]`
    mutating func parseStringArray() -> [String]? {
        var strings: [String] = []
        let ok = parseArray { (scanner: inout NanosJSONScanner) -> Bool in
            guard let string = scanner.parseString() else { return false }
            strings.append(string)
            return true
        }
        return ok && atEnd() ? strings : nil
    }

    /// `[{"name":"a.txt","type":"file","size":12}]`; unknown keys are skipped.
    mutating func parseEntries() -> [Nanos.fs.Entry]? {
        var entries: [Nanos.fs.Entry] = []
        let ok = parseArray { (scanner: inout NanosJSONScanner) -> Bool in
            guard let entry = scanner.parseEntry() else { return false }
            entries.append(entry)
            return true
        }
        return ok && atEnd() ? entries : nil
    }

    /// `text` as a JSON string literal, quotes included.
    static func quoted(_ text: String) -> String {
        var out: [UInt8] = [UInt8(ascii: "\"")]
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case UInt8(ascii: "\n"): out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case UInt8(ascii: "\r"): out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case UInt8(ascii: "\t"): out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0..<0x20:
                out += Array("\\u00".utf8)
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0xF)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: Grammar

    private mutating func parseEntry() -> Nanos.fs.Entry? {
        guard consume(UInt8(ascii: "{")) else { return nil }
        var name: String?
        var kind = Nanos.fs.EntryKind.other
        var size: Int64 = 0
        if consume(UInt8(ascii: "}")) { return nil }
        repeat {
            // Keys and kinds are compared as bytes: String equality would pull in
            // the Unicode normalization tables.
            guard let key = parseStringBytes(), consume(UInt8(ascii: ":")) else { return nil }
            if key == Array("name".utf8) {
                guard let value = parseString() else { return nil }
                name = value
            } else if key == Array("type".utf8) {
                guard let value = parseStringBytes() else { return nil }
                kind =
                    value == Array("file".utf8) ? .file
                    : value == Array("dir".utf8) ? .dir
                    : value == Array("symlink".utf8) ? .symlink : .other
            } else if key == Array("size".utf8) {
                guard let value = parseInteger() else { return nil }
                size = value
            } else {
                guard skipValue(depth: 0) else { return nil }
            }
        } while consume(UInt8(ascii: ","))
        guard consume(UInt8(ascii: "}")), let name else { return nil }
        return Nanos.fs.Entry(name: name, kind: kind, size: size)
    }

    /// `[ element, ... ]`, calling `element` for each; false on malformed input.
    private mutating func parseArray(_ element: (inout NanosJSONScanner) -> Bool) -> Bool {
        guard consume(UInt8(ascii: "[")) else { return false }
        if consume(UInt8(ascii: "]")) { return true }
        repeat {
            guard element(&self) else { return false }
        } while consume(UInt8(ascii: ","))
        return consume(UInt8(ascii: "]"))
    }

    private mutating func parseString() -> String? {
        parseStringBytes().map { String(decoding: $0, as: UTF8.self) }
    }

    /// A string literal's UTF-8 bytes, escapes decoded.
    private mutating func parseStringBytes() -> [UInt8]? {
        skipWhitespace()
        guard peek() == UInt8(ascii: "\"") else { return nil }
        index += 1
        var out: [UInt8] = []
        while let byte = next() {
            switch byte {
            case UInt8(ascii: "\""):
                return out
            case UInt8(ascii: "\\"):
                guard let escaped = next() else { return nil }
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escaped)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    guard let scalar = parseUnicodeEscape() else { return nil }
                    NanosJSONScanner.appendUTF8(scalar, to: &out)
                default: return nil
                }
            case 0..<0x20:
                return nil  // control characters must be escaped
            default:
                out.append(byte)
            }
        }
        return nil
    }

    /// The scalar after `\u`, joining a surrogate pair; unpaired surrogates become U+FFFD.
    private mutating func parseUnicodeEscape() -> UInt32? {
        guard let high = parseHex4() else { return nil }
        guard (0xD800..<0xDC00).contains(high) else {
            return (0xDC00..<0xE000).contains(high) ? 0xFFFD : high
        }
        let save = index
        if next() == UInt8(ascii: "\\"), next() == UInt8(ascii: "u"), let low = parseHex4(),
            (0xDC00..<0xE000).contains(low)
        {
            return 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
        }
        index = save
        return 0xFFFD
    }

    private mutating func parseHex4() -> UInt32? {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = next() else { return nil }
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: return nil
            }
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

    /// A non-negative or negative integer without fraction or exponent.
    private mutating func parseInteger() -> Int64? {
        skipWhitespace()
        let negative = consumeByte(UInt8(ascii: "-"))
        var value: Int64 = 0
        var digits = 0
        while let byte = peek(), byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            guard !overflow1, !overflow2 else { return nil }
            value = sum
            digits += 1
            index += 1
        }
        guard digits > 0 else { return nil }
        if let byte = peek(), byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
            return nil
        }
        return negative ? -value : value
    }

    /// Skips any JSON value (for keys the SDK does not know), nesting at most 32 deep.
    private mutating func skipValue(depth: Int) -> Bool {
        guard depth < 32 else { return false }
        skipWhitespace()
        guard let byte = peek() else { return false }
        switch byte {
        case UInt8(ascii: "\""):
            return parseStringBytes() != nil
        case UInt8(ascii: "["):
            return parseArray { (scanner: inout NanosJSONScanner) -> Bool in scanner.skipValue(depth: depth + 1) }
        case UInt8(ascii: "{"):
            index += 1
            if consume(UInt8(ascii: "}")) { return true }
            repeat {
                guard parseStringBytes() != nil, consume(UInt8(ascii: ":")), skipValue(depth: depth + 1) else { return false }
            } while consume(UInt8(ascii: ","))
            return consume(UInt8(ascii: "}"))
        default:
            // Numbers and the literals true, false, null: a run of their characters.
            let start = index
            while let c = peek(), c == UInt8(ascii: "-") || c == UInt8(ascii: "+") || c == UInt8(ascii: ".")
                || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z"))
                || c == UInt8(ascii: "E")
            {
                index += 1
            }
            return index > start
        }
    }

    // MARK: Bytes

    private func peek() -> UInt8? {
        index < bytes.count ? bytes[index] : nil
    }

    private mutating func next() -> UInt8? {
        guard index < bytes.count else { return nil }
        index += 1
        return bytes[index - 1]
    }

    private mutating func skipWhitespace() {
        while let byte = peek(),
            byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\t")
        {
            index += 1
        }
    }

    /// Skips whitespace, then takes `byte` if it is next.
    private mutating func consume(_ byte: UInt8) -> Bool {
        skipWhitespace()
        return consumeByte(byte)
    }

    private mutating func consumeByte(_ byte: UInt8) -> Bool {
        guard peek() == byte else { return false }
        index += 1
        return true
    }

    private mutating func atEnd() -> Bool {
        skipWhitespace()
        return index == bytes.count
    }
}
