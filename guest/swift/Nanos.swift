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
// from UTF-8 and the host's JSON replies are parsed by `JSONValue` (JSON.swift).

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
        guard let json = try? takeBytes(nanos_sys_agent_tools()), let items = (try? JSONValue.parse(json))?.arrayValue
        else { return [] }
        var names: [String] = []
        for item in items {
            guard let name = item.stringValue else { return [] }
            names.append(name)
        }
        return names
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

            /// The host's name for a kind ("file", "dir", "symlink"); anything else is `other`.
            /// Compared as bytes: String equality would link the Unicode normalization tables.
            init(_ name: String?) {
                let bytes = name?.utf8
                code =
                    bytes?.elementsEqual("file".utf8) == true ? 0
                    : bytes?.elementsEqual("dir".utf8) == true ? 1
                    : bytes?.elementsEqual("symlink".utf8) == true ? 2 : 3
            }

            private init(code: UInt8) {
                self.code = code
            }

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
            let malformed = NanosError(code: NanosError.EIO, message: "fs_list of '\(path)' returned malformed JSON")
            guard let items = (try? JSONValue.parse(json))?.arrayValue else { throw malformed }
            var entries: [Entry] = []
            for item in items {
                guard let name = item["name"]?.stringValue else { throw malformed }
                entries.append(Entry(name: name, kind: EntryKind(item["type"]?.stringValue), size: item["size"]?.intValue ?? 0))
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
                return try infer(json: JSONValue.object([("prompt", .string(prompt))]).serialized)
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

    /// The MCP servers the manifest whitelists (group `mcp_call`). Results are JSON
    /// text; arguments are a JSON object. See docs/mcp.md for the shapes and errors.
    enum mcp {
        /// Calls `tool` on `server`: `{"content":[…],"structuredContent":…,"isError":false}`.
        /// Arguments that break the tool's input schema throw EINVAL and are never sent;
        /// an `isError` answer throws EIO with the server's text.
        static func call(_ server: String, _ tool: String, arguments: String = "{}") throws(NanosError) -> String {
            try withUTF8Triple(server, tool, arguments) { s, t, a throws(NanosError) in
                try takeString(nanos_sys_mcp_call(s.baseAddress, length(s), t.baseAddress, length(t), a.baseAddress, length(a)))
            }
        }

        /// `[{"name","description","inputSchema",…}]`.
        static func listTools(_ server: String) throws(NanosError) -> String {
            try withUTF8(server) { (s: UnsafeBufferPointer<UInt8>) throws(NanosError) -> String in
                try takeString(nanos_sys_mcp_list_tools(s.baseAddress, length(s)))
            }
        }

        /// `[{"uri","name","mimeType",…}]`.
        static func listResources(_ server: String) throws(NanosError) -> String {
            try withUTF8(server) { (s: UnsafeBufferPointer<UInt8>) throws(NanosError) -> String in
                try takeString(nanos_sys_mcp_list_resources(s.baseAddress, length(s)))
            }
        }

        /// `{"contents":[{"uri","mimeType","text" or "blob"}]}`.
        static func readResource(_ server: String, uri: String) throws(NanosError) -> String {
            try withUTF8Triple(server, uri, "") { s, u, _ throws(NanosError) in
                try takeString(nanos_sys_mcp_read_resource(s.baseAddress, length(s), u.baseAddress, length(u)))
            }
        }

        /// `[{"name","description","arguments":[…]}]`.
        static func listPrompts(_ server: String) throws(NanosError) -> String {
            try withUTF8(server) { (s: UnsafeBufferPointer<UInt8>) throws(NanosError) -> String in
                try takeString(nanos_sys_mcp_list_prompts(s.baseAddress, length(s)))
            }
        }

        /// The prompt `name` filled in with `arguments` (a JSON object of strings):
        /// `{"description",…,"messages":[{"role","content"}]}`.
        static func getPrompt(_ server: String, _ name: String, arguments: String = "{}") throws(NanosError) -> String {
            try withUTF8Triple(server, name, arguments) { s, n, a throws(NanosError) in
                try takeString(nanos_sys_mcp_get_prompt(s.baseAddress, length(s), n.baseAddress, length(n), a.baseAddress, length(a)))
            }
        }

        private static func length(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32 { Int32(truncatingIfNeeded: bytes.count) }

        /// Three strings' UTF-8 at once, for calls that take three (ptr, len) pairs.
        private static func withUTF8Triple<T>(
            _ first: String, _ second: String, _ third: String,
            _ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) throws(NanosError) -> T
        ) throws(NanosError) -> T {
            try Nanos.withUTF8(first) { (a: UnsafeBufferPointer<UInt8>) throws(NanosError) -> T in
                try Nanos.withUTF8(second) { (b: UnsafeBufferPointer<UInt8>) throws(NanosError) -> T in
                    try Nanos.withUTF8(third) { (c: UnsafeBufferPointer<UInt8>) throws(NanosError) -> T in try body(a, b, c) }
                }
            }
        }
    }

    /// The web (group `web`, limited by `permissions.network`).
    enum web {
        /// The body of a GET request to `url`.
        static func fetch(_ url: String) throws(NanosError) -> String {
            try withUTF8(url) { (p: UnsafeBufferPointer<UInt8>) throws(NanosError) -> String in
                try takeString(nanos_sys_web_fetch(p.baseAddress, Int32(truncatingIfNeeded: p.count)))
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
@_extern(wasm, module: "nanos", name: "web_fetch") @_extern(c)
func nanos_sys_web_fetch(_ url: UnsafePointer<UInt8>?, _ urlLen: Int32) -> Int64
@_extern(wasm, module: "nanos", name: "mcp_call") @_extern(c)
func nanos_sys_mcp_call(
    _ server: UnsafePointer<UInt8>?, _ serverLen: Int32, _ tool: UnsafePointer<UInt8>?, _ toolLen: Int32,
    _ args: UnsafePointer<UInt8>?, _ argsLen: Int32) -> Int64
@_extern(wasm, module: "nanos", name: "mcp_list_tools") @_extern(c)
func nanos_sys_mcp_list_tools(_ server: UnsafePointer<UInt8>?, _ serverLen: Int32) -> Int64
@_extern(wasm, module: "nanos", name: "mcp_list_resources") @_extern(c)
func nanos_sys_mcp_list_resources(_ server: UnsafePointer<UInt8>?, _ serverLen: Int32) -> Int64
@_extern(wasm, module: "nanos", name: "mcp_read_resource") @_extern(c)
func nanos_sys_mcp_read_resource(
    _ server: UnsafePointer<UInt8>?, _ serverLen: Int32, _ uri: UnsafePointer<UInt8>?, _ uriLen: Int32) -> Int64
@_extern(wasm, module: "nanos", name: "mcp_list_prompts") @_extern(c)
func nanos_sys_mcp_list_prompts(_ server: UnsafePointer<UInt8>?, _ serverLen: Int32) -> Int64
@_extern(wasm, module: "nanos", name: "mcp_get_prompt") @_extern(c)
func nanos_sys_mcp_get_prompt(
    _ server: UnsafePointer<UInt8>?, _ serverLen: Int32, _ name: UnsafePointer<UInt8>?, _ nameLen: Int32,
    _ args: UnsafePointer<UInt8>?, _ argsLen: Int32) -> Int64
@_extern(wasm, module: "nanos", name: "clock_now") @_extern(c)
func nanos_sys_clock_now() -> Int64
@_extern(wasm, module: "nanos", name: "random_bytes") @_extern(c)
func nanos_sys_random_bytes(_ len: Int32) -> Int64
@_extern(wasm, module: "nanos", name: "last_error") @_extern(c)
func nanos_sys_last_error() -> Int64
