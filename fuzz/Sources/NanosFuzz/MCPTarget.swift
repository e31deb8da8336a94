import Foundation
import MCP
@testable import NanosMCP
import NanosJSON

/// What nanos does with the bytes an MCP server writes: the line framing of its stdout and
/// stderr (`LineReader`, as `PipeTransport` and `ServerConnection` use it), then each line
/// decoded the way the SDK's client does (a JSON-RPC response or batch, whose result is a
/// `Value` re-decoded as the typed result of the request it answers), and nanos' own
/// handling of those results: SDK values to nanos JSON and back, a tool's `inputSchema`
/// checking arguments, a prompt's arguments, the text of a tool's content.
///
/// Input: the first byte chooses the stream (bit 0: stderr, cut long lines; else stdout,
/// fail on a long line) and the line limit (bits 1-7); the rest is what the server wrote.
let mcpTarget = FuzzTarget(
    name: "mcp",
    summary: "an MCP server's output: LineReader framing, SDK JSON-RPC decoding, nanos' conversions of results",
    run: { bytes in
        guard let flags = bytes.first else { return }
        let stream = Array(bytes.dropFirst())
        let stderr = flags & 1 == 1
        // Small limits so that overflow is reached; stdout also with the real limit.
        let limit = flags & 0x80 != 0 && !stderr ? PipeTransport.maxMessageBytes : 1 + Int(flags >> 1 & 0x3F) * 16
        let (lines, end) = readLines(stream, maxLineBytes: limit, overflow: stderr ? .truncate : .fail)
        if stderr {
            let cut = Array(" …(cut)".utf8).count
            check(
                lines.allSatisfy { $0.count <= limit + cut },
                "a stderr line over the limit of \(limit) bytes was kept whole")
            let output = ServerOutput()
            for line in lines { output.append(String(decoding: line, as: UTF8.self)) }
            _ = output.take()
            _ = output.recent
            return
        }
        checkFraming(stream, lines: lines, end: end, limit: limit)
        for line in lines { decodeLine(Data(line)) }
    })

/// Runs a `LineReader` over `bytes` as a pipe would deliver them; returns the lines it
/// handed on and why it stopped.
func readLines(_ bytes: [UInt8], maxLineBytes: Int, overflow: LineReader.Overflow) -> ([[UInt8]], String?) {
    let pipe = Pipe()
    // The input fits the pipe's buffer (libFuzzer's -max_len is far below 64 KiB).
    if !bytes.isEmpty { pipe.fileHandleForWriting.write(Data(bytes)) }
    try? pipe.fileHandleForWriting.close()
    let collected = Locked<([[UInt8]], String?)>(([], nil))
    let ended = DispatchSemaphore(value: 0)
    LineReader.start(
        pipe.fileHandleForReading, name: "fuzz", maxLineBytes: maxLineBytes, overflow: overflow,
        onLine: { line in collected.withLock { $0.0.append(line) } },
        onEnd: { problem in
            collected.withLock { $0.1 = problem }
            ended.signal()
        })
    ended.wait()
    return collected.value
}

/// What stdout framing must do: hand on the non-empty lines in order, each whole and
/// without its newline, and stop only for a line over the limit.
func checkFraming(_ stream: [UInt8], lines: [[UInt8]], end: String?, limit: Int) {
    let expected = stream.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true).map(Array.init)
    if let end {
        check(end.contains("longer than the limit"), "the reader stopped for another reason: \(end)")
        check(
            expected.contains { $0.count > limit },
            "the reader refused a stream whose lines are all within \(limit) bytes")
        check(Array(expected.prefix(lines.count)) == lines, "the lines before the overflow were changed")
    } else {
        check(
            lines == expected, "the reader split \(stream.count) bytes into \(lines.count) lines, not \(expected.count)"
        )
        check(lines.allSatisfy { $0.count <= limit }, "a line over the limit of \(limit) bytes was handed on")
    }
}

/// A method whose result is any value: how the SDK's client first reads every response.
enum RawMethod: MCP.Method {
    static let name = "fuzz/raw"
    typealias Parameters = Value
    typealias Result = Value
}

struct RawNotification: MCP.Notification {
    static let name = "fuzz/raw"
    typealias Parameters = Value
}

let decoder = JSONDecoder()
let encoder = JSONEncoder()

/// One line of a server's stdout, as the client's receive loop reads it.
func decodeLine(_ line: Data) {
    if let batch = try? decoder.decode([Response<RawMethod>].self, from: line) {
        for response in batch { answer(response) }
    } else if let response = try? decoder.decode(Response<RawMethod>.self, from: line) {
        answer(response)
    } else if let request = try? decoder.decode(Request<RawMethod>.self, from: line) {
        _ = request.id
        roundTrip(request.params)
    } else if let message = try? decoder.decode(Message<RawNotification>.self, from: line) {
        roundTrip(message.params)
    }
    // Any JSON value as an SDK Value, as tools' schemas and structured content arrive.
    if let value = try? decoder.decode(Value.self, from: line) { roundTrip(value) }
}

/// A response's result, decoded as each typed result a request of nanos could await
/// (the SDK re-encodes the `Value` and decodes the type), then handled as nanos does.
func answer(_ response: Response<RawMethod>) {
    let value: Value
    switch response.result {
    case .success(let result): value = result
    case .failure(let error):
        _ = error.errorDescription
        _ = error.code
        return
    }
    roundTrip(value)
    guard let data = try? encoder.encode(value) else { return }
    let request = "mcp.fuzz"
    if let result = try? decoder.decode(CallTool.Result.self, from: data) {
        do {
            let content = try MCPSession.json(result.content, request: request)
            let structured = try result.structuredContent.map { v throws(MCPServiceError) in
                try MCPSession.json(v, request: request)
            }
            let answer = MCPToolResult(content: content, structuredContent: structured)
            _ = answer.json.serialized()
            _ = answer.text
            _ = MCPSession.text(of: content)
        } catch {
            _ = error.description
        }
    }
    if let result = try? decoder.decode(ListTools.Result.self, from: data) {
        _ = try? MCPSession.json(result.tools, request: request)
        for tool in result.tools {
            guard let schema = try? MCPSession.json(tool.inputSchema, request: request) else { continue }
            for arguments in sampleArguments {
                for violation in JSONSchema(schema).violations(of: .object(arguments)) { _ = violation.description }
            }
            _ = tool.annotations.readOnlyHint == true || tool.annotations.idempotentHint == true
        }
    }
    if let result = try? decoder.decode(ListPrompts.Result.self, from: data) {
        _ = try? MCPSession.json(result.prompts, request: request)
        for prompt in result.prompts {
            for arguments in sampleArguments {
                _ = try? MCPSession.promptArguments(arguments, for: prompt, request: request)
            }
        }
    }
    if let result = try? decoder.decode(GetPrompt.Result.self, from: data) {
        _ = try? MCPSession.json(result, request: request)
    }
    if let result = try? decoder.decode(ListResources.Result.self, from: data) {
        _ = try? MCPSession.json(result.resources, request: request)
    }
    if let result = try? decoder.decode(ReadResource.Result.self, from: data) {
        _ = try? MCPSession.json(result, request: request)
    }
    if let result = try? decoder.decode(Initialize.Result.self, from: data) {
        _ = result.capabilities.tools != nil
        _ = try? MCPSession.json(result, request: request)
    }
}

/// Arguments a guest might send: none, a string, a number, a nested value.
let sampleArguments: [[(String, JSONValue)]] = [
    [],
    [("a", .string("x")), ("city", .string("Paris"))],
    [("n", .int(3)), ("x", .double(0.5)), ("flag", .bool(true))],
    [("list", .array([.int(1), .string("two"), .null])), ("obj", .object([("k", .string("v"))]))],
]

/// An SDK value as nanos JSON (what a guest is handed) and back (what nanos sends): once
/// in nanos' form, the conversion must be a fixed point.
func roundTrip(_ value: Value) {
    guard let json = try? MCPSession.json(value, request: "mcp.fuzz") else { return }
    let again: JSONValue
    do {
        again = try MCPSession.json(MCPSession.value(json), request: "mcp.fuzz")
    } catch {
        check(false, "nanos' JSON \(json.serialized()) does not convert back: \(error)")
        return
    }
    check(again == json, "JSON → Value → JSON changed \(json.serialized()) to \(again.serialized())")
}
