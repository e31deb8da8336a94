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
// Where the SDK knows the size beforehand (random.bytes) it uses the call's `_into`
// form, which writes straight into the Swift array.
//
// The agent's own calls (goal, tools, log, done) are always available; every other
// call needs its group in the manifest's `tools:`.
//
// No Foundation and no Unicode tables are needed by the SDK itself: text is decoded
// from UTF-8 and the host's JSON replies are parsed by `JSONValue` (JSON.swift).

// MARK: - Errors

/// A failed host call: the errno from docs/abi.md and the host's explanation.
struct NanosError: Error, CustomStringConvertible {
    /// Positive errno: 1 EPERM, 2 ENOENT, 3 EINVAL, 4 E2BIG, 5 EIO, 6 ETIMEDOUT, 7 EQUOTA, 8 EAGAIN.
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
    static let EAGAIN: Int32 = 8

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
        case EAGAIN: return "EAGAIN"
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
        case EAGAIN: return "full for now; try again later"
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

    /// The manifest's goal; empty if there is none.
    static func goal() -> String {
        (try? takeString(nanos_sys_agent_goal())) ?? ""
    }

    /// The granted tool groups, e.g. ["agent", "fs_read"]; empty if none or on a malformed answer.
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

    /// The manifest's own permissions: what this agent may read, write and reach.
    struct Grants {
        var fsRead: [String] = []
        var fsWrite: [String] = []
        var mcpServers: [String] = []
    }

    /// The manifest's own permissions; empty when the host's answer is malformed.
    static func grants() -> Grants {
        var grants = Grants()
        guard let json = try? takeBytes(nanos_sys_agent_grants()), let value = try? JSONValue.parse(json) else {
            return grants
        }
        func strings(_ key: String) -> [String] {
            var result: [String] = []
            for item in value[key]?.arrayValue ?? [] {
                if let text = item.stringValue { result.append(text) }
            }
            return result
        }
        grants.fsRead = strings("fs_read")
        grants.fsWrite = strings("fs_write")
        grants.mcpServers = strings("mcp_servers")
        return grants
    }

    /// Records a message in the run's trace.
    static func log(_ message: String, level: LogLevel = .info) {
        var text = message
        text.withUTF8 { utf8 in
            _ = nanos_sys_agent_log(level.rawValue, utf8.baseAddress, Int32(truncatingIfNeeded: utf8.count))
        }
    }

    /// Ends the run at once with status ok and this summary.
    /// If the host refuses (a summary over 64 KiB) the guest traps,
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
                    bytes?.elementsEqual("file".utf8) == true
                    ? 0
                    : bytes?.elementsEqual("dir".utf8) == true
                        ? 1
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
                entries.append(
                    Entry(name: name, kind: EntryKind(item["type"]?.stringValue), size: item["size"]?.intValue ?? 0))
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

        /// One message of a conversation; `role` is system, user, assistant or tool.
        struct Message {
            let role: String
            let content: String

            init(role: String, content: String) {
                self.role = role
                self.content = content
            }

            static func system(_ content: String) -> Message { Message(role: "system", content: content) }
            static func user(_ content: String) -> Message { Message(role: "user", content: content) }
            static func assistant(_ content: String) -> Message { Message(role: "assistant", content: content) }
        }

        /// What `chat` answers.
        struct Reply {
            /// The assistant's text.
            let content: String
            /// "stop" (the answer ended) or "length" (max_tokens cut it).
            let finishReason: String
            let promptTokens: Int64
            let generatedTokens: Int64
            /// The host's whole answer: `{"role":"assistant","content":…,"finish_reason":…,"usage":{…}}`.
            let json: String

            /// Whether max_tokens cut the answer. Compared as bytes, as `fs.EntryKind` does.
            var isTruncated: Bool { finishReason.utf8.elementsEqual("length".utf8) }
        }

        /// The assistant's reply to a plain prompt.
        static func chat(_ prompt: String) throws(NanosError) -> Reply {
            try chat(json: JSONValue.object([("prompt", .string(prompt))]).serialized)
        }

        /// The assistant's reply to a conversation.
        static func chat(_ messages: [Message], maxTokens: Int? = nil) throws(NanosError) -> Reply {
            var items: [JSONValue] = []
            for message in messages {
                items.append(.object([("role", .string(message.role)), ("content", .string(message.content))]))
            }
            var fields: [(key: String, value: JSONValue)] = [("messages", .array(items))]
            if let maxTokens { fields.append(("max_tokens", .number("\(maxTokens)"))) }
            return try chat(json: JSONValue.object(fields).serialized)
        }

        /// Sends a JSON request as is (docs/abi.md, "LLM requests").
        static func chat(json request: String) throws(NanosError) -> Reply {
            let answer = try withUTF8(request) { (p: UnsafeBufferPointer<UInt8>) throws(NanosError) -> [UInt8] in
                try takeBytes(nanos_sys_llm_chat(p.baseAddress, Int32(truncatingIfNeeded: p.count)))
            }
            guard let value = try? JSONValue.parse(answer), let content = value["content"]?.stringValue else {
                throw NanosError(code: NanosError.EIO, message: "llm.chat returned malformed JSON")
            }
            let usage = value["usage"]
            return Reply(
                content: content, finishReason: value["finish_reason"]?.stringValue ?? "",
                promptTokens: usage?["prompt_tokens"]?.intValue ?? 0,
                generatedTokens: usage?["generated_tokens"]?.intValue ?? 0,
                json: String(decoding: answer, as: UTF8.self))
        }

        /// Starts a streamed answer to a plain prompt. At most 4 streams are open at once (E2BIG).
        static func stream(_ prompt: String) throws(NanosError) -> Stream {
            if prompt.utf8.first == UInt8(ascii: "{") {
                return try stream(json: JSONValue.object([("prompt", .string(prompt))]).serialized)
            }
            return try stream(json: prompt)
        }

        /// Starts a streamed answer to a JSON request.
        static func stream(json request: String) throws(NanosError) -> Stream {
            let handle = try withUTF8(request) { (p: UnsafeBufferPointer<UInt8>) -> Int32 in
                nanos_sys_llm_stream_open(p.baseAddress, Int32(truncatingIfNeeded: p.count))
            }
            if handle < 0 { throw NanosError.fromHost(code: -handle) }
            return Stream(handle: handle)
        }

        /// A streamed answer: call `next()` until it returns nil. A stream dropped
        /// before its end is closed, so that the host frees its model sequence.
        final class Stream {
            private let handle: Int32
            /// Whether the answer is complete, failed or was closed.
            private(set) var isFinished = false

            init(handle: Int32) {
                self.handle = handle
            }

            deinit {
                if !isFinished { _ = nanos_sys_llm_stream_close(handle) }
            }

            /// The next piece of the answer (whole UTF-8 characters); nil once it is
            /// complete. After a failure the stream is over.
            func next() throws(NanosError) -> String? {
                if isFinished { return nil }
                let result = nanos_sys_llm_stream_next(handle)
                if result == 0 {
                    isFinished = true  // the host closed the handle with the last piece
                    return nil
                }
                do {
                    return try takeString(result)
                } catch {
                    // The error has read last_error already; closing is only tidying up.
                    isFinished = true
                    _ = nanos_sys_llm_stream_close(handle)
                    throw error
                }
            }

            /// The rest of the answer, all pieces joined.
            func rest() throws(NanosError) -> String {
                var text = ""
                while let piece = try next() { text += piece }
                return text
            }

            /// Abandons the answer before its end.
            func close() {
                if isFinished { return }
                isFinished = true
                _ = nanos_sys_llm_stream_close(handle)
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
                try takeString(
                    nanos_sys_mcp_call(s.baseAddress, length(s), t.baseAddress, length(t), a.baseAddress, length(a)))
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
                try takeString(
                    nanos_sys_mcp_get_prompt(
                        s.baseAddress, length(s), n.baseAddress, length(n), a.baseAddress, length(a)))
            }
        }

        private static func length(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32 {
            Int32(truncatingIfNeeded: bytes.count)
        }

        /// Three strings' UTF-8 at once, for calls that take three (ptr, len) pairs.
        private static func withUTF8Triple<T>(
            _ first: String, _ second: String, _ third: String,
            _ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>)
                throws(NanosError) -> T
        ) throws(NanosError) -> T {
            try Nanos.withUTF8(first) { (a: UnsafeBufferPointer<UInt8>) throws(NanosError) -> T in
                try Nanos.withUTF8(second) { (b: UnsafeBufferPointer<UInt8>) throws(NanosError) -> T in
                    try Nanos.withUTF8(third) { (c: UnsafeBufferPointer<UInt8>) throws(NanosError) -> T in
                        try body(a, b, c)
                    }
                }
            }
        }
    }

    /// The web (group `web`, limited by `permissions.network`; docs/abi.md, "Web").
    /// An HTTP error status (404, 500...) is a response, not a failure; failures are
    /// EPERM (the policy refuses the URL, a redirect or the address), EINVAL, E2BIG
    /// (a body over 8 MiB), ETIMEDOUT and EIO (the connection failed).
    enum web {
        struct Response: CustomStringConvertible {
            /// The HTTP status, e.g. 200 or 404.
            let status: Int
            /// The final URL, after redirects.
            let url: String
            /// The headers, names in lower case, in the host's order.
            let headers: [(name: String, value: String)]
            /// The body's bytes.
            let body: [UInt8]

            /// The body as UTF-8 text (invalid sequences become U+FFFD).
            var text: String { String(decoding: body, as: UTF8.self) }

            /// Whether the status is 2xx.
            var isOK: Bool { status >= 200 && status < 300 }

            /// The first header named `name`, in any case.
            func header(_ name: String) -> String? {
                for header in headers where Nanos.web.equalIgnoringASCIICase(header.name, name) {
                    return header.value
                }
                return nil
            }

            /// The body as text, so that `"\(response)"` reads as the page.
            var description: String { text }
        }

        /// Fetches a URL with GET, or sends a JSON request (text starting with `{`):
        /// `{"url":…,"method":…,"headers":{…},"body":"text"}`, only `url` required.
        static func fetch(_ urlOrRequest: String) throws(NanosError) -> Response {
            let answer = try withUTF8(urlOrRequest) { (p: UnsafeBufferPointer<UInt8>) throws(NanosError) -> [UInt8] in
                try takeBytes(nanos_sys_web_fetch(p.baseAddress, Int32(truncatingIfNeeded: p.count)))
            }
            return try response(answer)
        }

        /// Sends a request with this method (GET, POST...), headers and text body.
        static func fetch(
            _ url: String, method: String, headers: [(name: String, value: String)] = [], body: String? = nil
        ) throws(NanosError) -> Response {
            var headerFields: [(key: String, value: JSONValue)] = []
            for header in headers { headerFields.append((header.name, .string(header.value))) }
            var fields: [(key: String, value: JSONValue)] = [("url", .string(url)), ("method", .string(method))]
            if !headerFields.isEmpty { fields.append(("headers", .object(headerFields))) }
            if let body { fields.append(("body", .string(body))) }
            return try fetch(JSONValue.object(fields).serialized)
        }

        /// The body of a GET request to `url`, as text, whatever the status.
        static func get(_ url: String) throws(NanosError) -> String {
            try fetch(url).text
        }

        private static func response(_ answer: [UInt8]) throws(NanosError) -> Response {
            let malformed = NanosError(code: NanosError.EIO, message: "web.fetch returned malformed JSON")
            guard let value = try? JSONValue.parse(answer), let status = value["status"]?.intValue else {
                throw malformed
            }
            var headers: [(name: String, value: String)] = []
            for member in value["headers"]?.objectValue ?? [] {
                guard let text = member.value.stringValue else { throw malformed }
                headers.append((member.key, text))
            }
            let body: [UInt8]
            if let text = value["body"]?.stringValue {
                body = Array(text.utf8)
            } else if let encoded = value["body_base64"]?.stringValue {
                guard let decoded = decodeBase64(encoded) else { throw malformed }
                body = decoded
            } else {
                body = []
            }
            return Response(
                status: Int(truncatingIfNeeded: status), url: value["url"]?.stringValue ?? "", headers: headers,
                body: body)
        }

        fileprivate static func equalIgnoringASCIICase(_ a: String, _ b: String) -> Bool {
            func lower(_ byte: UInt8) -> UInt8 {
                byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
            }
            return a.utf8.elementsEqual(b.utf8) { lower($0) == lower($1) }
        }

        /// Standard base64 with padding; nil for anything else.
        private static func decodeBase64(_ text: String) -> [UInt8]? {
            func value(_ byte: UInt8) -> UInt32? {
                switch byte {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"): return UInt32(byte - UInt8(ascii: "A"))
                case UInt8(ascii: "a")...UInt8(ascii: "z"): return UInt32(byte - UInt8(ascii: "a")) + 26
                case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0")) + 52
                case UInt8(ascii: "+"): return 62
                case UInt8(ascii: "/"): return 63
                default: return nil
                }
            }
            let bytes = Array(text.utf8)
            guard bytes.count % 4 == 0 else { return nil }
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count / 4 * 3)
            var index = 0
            while index < bytes.count {
                let last = index + 4 == bytes.count
                var quantum: UInt32 = 0
                var padding = 0
                for offset in 0..<4 {
                    let byte = bytes[index + offset]
                    if byte == UInt8(ascii: "="), last, offset >= 2 {
                        padding += 1
                        quantum <<= 6
                    } else if padding == 0, let digit = value(byte) {
                        quantum = quantum << 6 | digit
                    } else {
                        return nil
                    }
                }
                out.append(UInt8(truncatingIfNeeded: quantum >> 16))
                if padding < 2 { out.append(UInt8(truncatingIfNeeded: quantum >> 8)) }
                if padding < 1 { out.append(UInt8(truncatingIfNeeded: quantum)) }
                index += 4
            }
            return out
        }
    }

    /// Messages between the agents of a fleet (groups `agent_send`, `agent_recv`).
    enum fleet {
        /// A message as it arrived: its sender, stamped by the host, and its text.
        struct Message {
            let from: String
            let text: String
        }

        /// The other agents of this agent's fleet; empty outside a fleet.
        static func peers() -> [String] {
            guard let json = try? takeBytes(nanos_sys_agent_peers()),
                let items = (try? JSONValue.parse(json))?.arrayValue
            else { return [] }
            var names: [String] = []
            for item in items {
                if let name = item.stringValue { names.append(name) }
            }
            return names
        }

        /// Puts `text` in agent `to`'s inbox. EAGAIN: that inbox is full, try again later;
        /// ENOENT: the fleet has no such agent.
        static func send(_ to: String, _ text: String) throws(NanosError) {
            let result = try withUTF8(to) { (name: UnsafeBufferPointer<UInt8>) throws(NanosError) -> Int32 in
                try withUTF8(text) { (bytes: UnsafeBufferPointer<UInt8>) -> Int32 in
                    nanos_sys_agent_send(
                        name.baseAddress, Int32(truncatingIfNeeded: name.count), bytes.baseAddress,
                        Int32(truncatingIfNeeded: bytes.count))
                }
            }
            if result < 0 { throw NanosError.fromHost(code: -result) }
        }

        /// The oldest message in this agent's inbox, waiting up to `timeoutMilliseconds`
        /// (at most 60 s); nil when none arrived in time.
        static func receive(timeoutMilliseconds: Int32) throws(NanosError) -> Message? {
            let json = try takeBytes(nanos_sys_agent_recv(timeoutMilliseconds))
            if json.isEmpty { return nil }
            guard let value = try? JSONValue.parse(json), let from = value["from"]?.stringValue,
                let text = value["msg"]?.stringValue
            else { throw NanosError(code: NanosError.EIO, message: "agent_recv returned malformed JSON") }
            return Message(from: from, text: text)
        }

        /// Sends `text` to every other agent; returns how many got it.
        static func broadcast(_ text: String) throws(NanosError) -> Int {
            let result = try withUTF8(text) { (bytes: UnsafeBufferPointer<UInt8>) -> Int32 in
                nanos_sys_agent_broadcast(bytes.baseAddress, Int32(truncatingIfNeeded: bytes.count))
            }
            if result < 0 { throw NanosError.fromHost(code: -result) }
            return Int(result)
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
        /// `count` random bytes (at most 64 KiB per call), written by the host straight
        /// into the array (`random_bytes_into`).
        static func bytes(_ count: Int) throws(NanosError) -> [UInt8] {
            guard count >= 0, count <= Int(Int32.max) else {
                throw NanosError(code: NanosError.EINVAL, message: "random.bytes: count \(count) is out of range")
            }
            var bytes = [UInt8](repeating: 0, count: count)
            let result = bytes.withUnsafeMutableBufferPointer {
                (buffer: inout UnsafeMutableBufferPointer<UInt8>) -> Int64 in
                nanos_sys_random_bytes_into(Int32(count), buffer.baseAddress, Int32(count))
            }
            guard try takeInto(result, capacity: count) == count else {
                throw NanosError(
                    code: NanosError.EIO, message: "random.bytes: the host wrote a different number of bytes")
            }
            return bytes
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

    /// Decodes an `_into` call: the number of bytes written into a buffer of
    /// `capacity` bytes. A buffer too small throws E2BIG naming the size needed
    /// (`intoNeeded` reads it from the raw result).
    static func takeInto(_ result: Int64, capacity: Int) throws(NanosError) -> Int {
        if result >= 0 { return Int(truncatingIfNeeded: result) }
        let code = Int32(truncatingIfNeeded: (0 &- result) & 0xff)
        let needed = intoNeeded(result)
        if needed > 0 {
            throw NanosError(
                code: code, message: "the buffer of \(capacity) bytes is too small: the answer needs \(needed)")
        }
        throw NanosError.fromHost(code: code)
    }

    /// The size an `_into` call needed when its buffer was too small; 0 otherwise.
    static func intoNeeded(_ result: Int64) -> Int {
        guard result < 0, (0 &- result) & 0xff == Int64(NanosError.E2BIG) else { return 0 }
        return Int(truncatingIfNeeded: (0 &- result) >> 8)
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
// One per ABI v1 call, in the table's order. A data call returns `len << 32 | ptr`
// of a buffer from `nanos_alloc`, or -errno; its `_into` form writes into the
// caller's buffer (`out`, `outCap`) and returns the byte count, -errno, or for a
// buffer too small -(needed << 8 | E2BIG) (see `Nanos.takeInto`).
//
// `@_extern(c)` matters: without it the functions use the Swift calling convention,
// which adds two hidden i32 parameters, and the imports no longer match the ABI.

@_extern(wasm, module: "nanos", name: "agent_goal") @_extern(c)
func nanos_sys_agent_goal() -> Int64
@_extern(wasm, module: "nanos", name: "agent_goal_into") @_extern(c)
func nanos_sys_agent_goal_into(_ out: UnsafeMutablePointer<UInt8>?, _ outCap: Int32) -> Int64
@_extern(wasm, module: "nanos", name: "agent_tools") @_extern(c)
func nanos_sys_agent_tools() -> Int64
@_extern(wasm, module: "nanos", name: "agent_tools_into") @_extern(c)
func nanos_sys_agent_tools_into(_ out: UnsafeMutablePointer<UInt8>?, _ outCap: Int32) -> Int64
@_extern(wasm, module: "nanos", name: "agent_log") @_extern(c)
func nanos_sys_agent_log(_ level: Int32, _ msg: UnsafePointer<UInt8>?, _ msgLen: Int32) -> Int32
@_extern(wasm, module: "nanos", name: "agent_done") @_extern(c)
func nanos_sys_agent_done(_ summary: UnsafePointer<UInt8>?, _ summaryLen: Int32) -> Int32
@_extern(wasm, module: "nanos", name: "fs_read") @_extern(c)
func nanos_sys_fs_read(_ path: UnsafePointer<UInt8>?, _ pathLen: Int32) -> Int64
@_extern(wasm, module: "nanos", name: "fs_read_into") @_extern(c)
func nanos_sys_fs_read_into(
    _ path: UnsafePointer<UInt8>?, _ pathLen: Int32, _ out: UnsafeMutablePointer<UInt8>?, _ outCap: Int32
) -> Int64
@_extern(wasm, module: "nanos", name: "fs_write") @_extern(c)
func nanos_sys_fs_write(
    _ path: UnsafePointer<UInt8>?, _ pathLen: Int32, _ data: UnsafePointer<UInt8>?, _ dataLen: Int32
) -> Int32
@_extern(wasm, module: "nanos", name: "fs_list") @_extern(c)
func nanos_sys_fs_list(_ path: UnsafePointer<UInt8>?, _ pathLen: Int32) -> Int64
@_extern(wasm, module: "nanos", name: "fs_list_into") @_extern(c)
func nanos_sys_fs_list_into(
    _ path: UnsafePointer<UInt8>?, _ pathLen: Int32, _ out: UnsafeMutablePointer<UInt8>?, _ outCap: Int32
) -> Int64
@_extern(wasm, module: "nanos", name: "web_fetch") @_extern(c)
func nanos_sys_web_fetch(_ req: UnsafePointer<UInt8>?, _ reqLen: Int32) -> Int64
@_extern(wasm, module: "nanos", name: "web_fetch_into") @_extern(c)
func nanos_sys_web_fetch_into(
    _ req: UnsafePointer<UInt8>?, _ reqLen: Int32, _ out: UnsafeMutablePointer<UInt8>?, _ outCap: Int32
) -> Int64
@_extern(wasm, module: "nanos", name: "llm_infer") @_extern(c)
func nanos_sys_llm_infer(_ req: UnsafePointer<UInt8>?, _ reqLen: Int32) -> Int64
@_extern(wasm, module: "nanos", name: "llm_infer_into") @_extern(c)
func nanos_sys_llm_infer_into(
    _ req: UnsafePointer<UInt8>?, _ reqLen: Int32, _ out: UnsafeMutablePointer<UInt8>?, _ outCap: Int32
) -> Int64
@_extern(wasm, module: "nanos", name: "llm_chat") @_extern(c)
func nanos_sys_llm_chat(_ req: UnsafePointer<UInt8>?, _ reqLen: Int32) -> Int64
@_extern(wasm, module: "nanos", name: "llm_chat_into") @_extern(c)
func nanos_sys_llm_chat_into(
    _ req: UnsafePointer<UInt8>?, _ reqLen: Int32, _ out: UnsafeMutablePointer<UInt8>?, _ outCap: Int32
) -> Int64
@_extern(wasm, module: "nanos", name: "llm_stream_open") @_extern(c)
func nanos_sys_llm_stream_open(_ req: UnsafePointer<UInt8>?, _ reqLen: Int32) -> Int32
@_extern(wasm, module: "nanos", name: "llm_stream_next") @_extern(c)
func nanos_sys_llm_stream_next(_ handle: Int32) -> Int64
@_extern(wasm, module: "nanos", name: "llm_stream_next_into") @_extern(c)
func nanos_sys_llm_stream_next_into(_ handle: Int32, _ out: UnsafeMutablePointer<UInt8>?, _ outCap: Int32) -> Int64
@_extern(wasm, module: "nanos", name: "llm_stream_close") @_extern(c)
func nanos_sys_llm_stream_close(_ handle: Int32) -> Int32
@_extern(wasm, module: "nanos", name: "mcp_call") @_extern(c)
func nanos_sys_mcp_call(
    _ server: UnsafePointer<UInt8>?, _ serverLen: Int32, _ tool: UnsafePointer<UInt8>?, _ toolLen: Int32,
    _ args: UnsafePointer<UInt8>?, _ argsLen: Int32
) -> Int64
@_extern(wasm, module: "nanos", name: "mcp_call_into") @_extern(c)
func nanos_sys_mcp_call_into(
    _ server: UnsafePointer<UInt8>?, _ serverLen: Int32, _ tool: UnsafePointer<UInt8>?, _ toolLen: Int32,
    _ args: UnsafePointer<UInt8>?, _ argsLen: Int32, _ out: UnsafeMutablePointer<UInt8>?, _ outCap: Int32
) -> Int64
@_extern(wasm, module: "nanos", name: "mcp_list_tools") @_extern(c)
func nanos_sys_mcp_list_tools(_ server: UnsafePointer<UInt8>?, _ serverLen: Int32) -> Int64
@_extern(wasm, module: "nanos", name: "mcp_list_tools_into") @_extern(c)
func nanos_sys_mcp_list_tools_into(
    _ server: UnsafePointer<UInt8>?, _ serverLen: Int32, _ out: UnsafeMutablePointer<UInt8>?, _ outCap: Int32
) -> Int64
@_extern(wasm, module: "nanos", name: "mcp_list_resources") @_extern(c)
func nanos_sys_mcp_list_resources(_ server: UnsafePointer<UInt8>?, _ serverLen: Int32) -> Int64
@_extern(wasm, module: "nanos", name: "mcp_list_resources_into") @_extern(c)
func nanos_sys_mcp_list_resources_into(
    _ server: UnsafePointer<UInt8>?, _ serverLen: Int32, _ out: UnsafeMutablePointer<UInt8>?, _ outCap: Int32
) -> Int64
@_extern(wasm, module: "nanos", name: "mcp_read_resource") @_extern(c)
func nanos_sys_mcp_read_resource(
    _ server: UnsafePointer<UInt8>?, _ serverLen: Int32, _ uri: UnsafePointer<UInt8>?, _ uriLen: Int32
) -> Int64
@_extern(wasm, module: "nanos", name: "mcp_read_resource_into") @_extern(c)
func nanos_sys_mcp_read_resource_into(
    _ server: UnsafePointer<UInt8>?, _ serverLen: Int32, _ uri: UnsafePointer<UInt8>?, _ uriLen: Int32,
    _ out: UnsafeMutablePointer<UInt8>?, _ outCap: Int32
) -> Int64
@_extern(wasm, module: "nanos", name: "mcp_list_prompts") @_extern(c)
func nanos_sys_mcp_list_prompts(_ server: UnsafePointer<UInt8>?, _ serverLen: Int32) -> Int64
@_extern(wasm, module: "nanos", name: "mcp_list_prompts_into") @_extern(c)
func nanos_sys_mcp_list_prompts_into(
    _ server: UnsafePointer<UInt8>?, _ serverLen: Int32, _ out: UnsafeMutablePointer<UInt8>?, _ outCap: Int32
) -> Int64
@_extern(wasm, module: "nanos", name: "mcp_get_prompt") @_extern(c)
func nanos_sys_mcp_get_prompt(
    _ server: UnsafePointer<UInt8>?, _ serverLen: Int32, _ name: UnsafePointer<UInt8>?, _ nameLen: Int32,
    _ args: UnsafePointer<UInt8>?, _ argsLen: Int32
) -> Int64
@_extern(wasm, module: "nanos", name: "mcp_get_prompt_into") @_extern(c)
func nanos_sys_mcp_get_prompt_into(
    _ server: UnsafePointer<UInt8>?, _ serverLen: Int32, _ name: UnsafePointer<UInt8>?, _ nameLen: Int32,
    _ args: UnsafePointer<UInt8>?, _ argsLen: Int32, _ out: UnsafeMutablePointer<UInt8>?, _ outCap: Int32
) -> Int64
@_extern(wasm, module: "nanos", name: "agent_grants") @_extern(c)
func nanos_sys_agent_grants() -> Int64
@_extern(wasm, module: "nanos", name: "agent_grants_into") @_extern(c)
func nanos_sys_agent_grants_into(_ out: UnsafeMutablePointer<UInt8>?, _ outCap: Int32) -> Int64
@_extern(wasm, module: "nanos", name: "agent_peers") @_extern(c)
func nanos_sys_agent_peers() -> Int64
@_extern(wasm, module: "nanos", name: "agent_peers_into") @_extern(c)
func nanos_sys_agent_peers_into(_ out: UnsafeMutablePointer<UInt8>?, _ outCap: Int32) -> Int64
@_extern(wasm, module: "nanos", name: "agent_send") @_extern(c)
func nanos_sys_agent_send(_ to: UnsafePointer<UInt8>?, _ toLen: Int32, _ msg: UnsafePointer<UInt8>?, _ msgLen: Int32)
    -> Int32
@_extern(wasm, module: "nanos", name: "agent_recv") @_extern(c)
func nanos_sys_agent_recv(_ timeoutMs: Int32) -> Int64
@_extern(wasm, module: "nanos", name: "agent_recv_into") @_extern(c)
func nanos_sys_agent_recv_into(_ timeoutMs: Int32, _ out: UnsafeMutablePointer<UInt8>?, _ outCap: Int32) -> Int64
@_extern(wasm, module: "nanos", name: "agent_broadcast") @_extern(c)
func nanos_sys_agent_broadcast(_ msg: UnsafePointer<UInt8>?, _ msgLen: Int32) -> Int32
@_extern(wasm, module: "nanos", name: "clock_now") @_extern(c)
func nanos_sys_clock_now() -> Int64
@_extern(wasm, module: "nanos", name: "random_bytes") @_extern(c)
func nanos_sys_random_bytes(_ len: Int32) -> Int64
@_extern(wasm, module: "nanos", name: "random_bytes_into") @_extern(c)
func nanos_sys_random_bytes_into(_ len: Int32, _ out: UnsafeMutablePointer<UInt8>?, _ outCap: Int32) -> Int64
@_extern(wasm, module: "nanos", name: "last_error") @_extern(c)
func nanos_sys_last_error() -> Int64
@_extern(wasm, module: "nanos", name: "last_error_into") @_extern(c)
func nanos_sys_last_error_into(_ out: UnsafeMutablePointer<UInt8>?, _ outCap: Int32) -> Int64
