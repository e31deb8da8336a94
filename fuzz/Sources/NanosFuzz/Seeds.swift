import Foundation
import WAT

/// Seeds for the abi target, written by `NANOS_FUZZ_WRITE_SEEDS=<folder> fuzz-abi`
/// (fuzz/run.sh seeds): small programs that reach each group of calls with sensible
/// arguments, so the fuzzer starts from runs that get past the argument checks.
struct ABIProgram {
    /// Ops and their arguments; ends with `return 0`.
    private var code: [UInt8] = []
    /// Strings, placed after the code (which must stay under `codeBytes`).
    private var strings: [UInt8] = []
    static let codeBytes = 384

    /// The guest address of a string stored with the program.
    mutating func text(_ value: String) -> (UInt32, UInt32) {
        let address = inputAddress + 4 + UInt32(Self.codeBytes + strings.count)
        strings += Array(value.utf8)
        return (address, UInt32(value.utf8.count))
    }

    mutating func op(_ name: String, module: String = "nanos", _ args: UInt32...) {
        code.append(abiOp(name, module: module))
        for arg in args { code += withUnsafeBytes(of: arg.littleEndian) { Array($0) } }
    }

    mutating func op(_ name: String, module: String = "nanos", text values: [String], then args: [UInt32] = []) {
        var words: [UInt32] = []
        for value in values {
            let (address, count) = text(value)
            words += [address, count]
        }
        code.append(abiOp(name, module: module))
        for arg in words + args { code += withUnsafeBytes(of: arg.littleEndian) { Array($0) } }
    }

    var bytes: [UInt8] {
        var program = code
        program.append(abiOp("return"))
        program += [0, 0, 0, 0]
        precondition(program.count <= Self.codeBytes, "seed program too long")
        program += Array(repeating: 0, count: Self.codeBytes - program.count)
        return program + strings
    }
}

func abiSeeds() -> [String: [UInt8]] {
    var seeds: [String: [UInt8]] = [:]
    let out: UInt32 = 0x3000  // scratch below the allocator's heap

    var hello = ABIProgram()
    hello.op("agent_goal")
    hello.op("log_last")
    hello.op("agent_tools")
    let (greeting, greetingLength) = hello.text("hello from the fuzzer")
    hello.op("agent_log", 1, greeting, greetingLength)
    hello.op("agent_done", text: ["done"])
    seeds["agent"] = hello.bytes

    var files = ABIProgram()
    files.op("fs_read", text: ["data/notes.txt"])
    files.op("log_last")
    files.op("fs_list", text: ["data"])
    files.op("fs_write", text: ["out/a.txt", "written"])
    files.op("fs_read", text: ["data/secret"])
    files.op("last_error")
    files.op("fs_read", text: ["data/../secret.txt"])
    files.op("fs_read", text: ["data/sub/up/secret.txt"])
    files.op("fs_list", text: ["data/sub/up"])
    files.op("fs_write", text: ["out/../secret.txt", "x"])
    seeds["files"] = files.bytes

    var llm = ABIProgram()
    llm.op("llm_infer", text: ["<|im_start|>user\nhello<|im_end|>"])
    llm.op("llm_chat", text: [#"{"prompt":"hi","max_tokens":4,"stop":["\n"]}"#])
    llm.op(
        "llm_infer",
        text: [#"{"prompt":"x","schema":{"type":"object","properties":{"a":{"type":"integer"}},"required":["a"]}}"#])
    llm.op("llm_stream_open", text: [#"{"messages":[{"role":"user","content":"stream me"}]}"#])
    llm.op("llm_stream_next", 1)
    llm.op("llm_stream_next", 1)
    llm.op("llm_stream_close", 1)
    llm.op("llm_stream_next", 7)
    seeds["llm"] = llm.bytes

    var mcp = ABIProgram()
    mcp.op("mcp_call", text: ["time", "get_current_time", #"{"timezone":"UTC"}"#])
    mcp.op("mcp_list_tools", text: ["time"])
    mcp.op("mcp_read_resource", text: ["time", "file:///x"])
    mcp.op("mcp_get_prompt", text: ["time", "p", "{}"])
    mcp.op("web_fetch", text: ["https://example.com/"])
    seeds["mcp-web"] = mcp.bytes

    var original = ABIProgram()
    original.op("fs_read", module: "env", text: ["data/notes.txt"], then: [out, 64])
    original.op("get_manifest_goal", module: "env", out, 100)
    original.op("get_manifest_tools", module: "env", out, 100)
    original.op("memory_store", module: "env", text: ["remember this"])
    original.op("memory_recall", module: "env", text: ["REMEMBER"], then: [out, 100])
    original.op("llm_infer", module: "env", text: ["prompt"], then: [out, 100])
    original.op("mcp_call", module: "env", text: ["time", "now", "{}"], then: [out, 100])
    original.op("fs_write", module: "env", text: ["out/b.txt", "data"], then: [out, 100])
    original.op("eval_js", module: "env", text: ["1+1"], then: [out, 100])
    seeds["original-abi"] = original.bytes

    var wasi = ABIProgram()
    let (message, length) = wasi.text("wasi says hi\n")
    wasi.op("store", out, message)
    wasi.op("store", out + 4, length)
    wasi.op("fd_write", module: "wasi_snapshot_preview1", 1, out, 1, out + 16)
    wasi.op("clock_time_get", module: "wasi_snapshot_preview1", 0, 1, out + 32)
    wasi.op("random_get", module: "wasi_snapshot_preview1", out + 48, 16)
    wasi.op("args_sizes_get", module: "wasi_snapshot_preview1", out, out + 4)
    wasi.op("fd_read", module: "wasi_snapshot_preview1", 0, out, 1, out + 16)
    wasi.op("proc_exit", module: "wasi_snapshot_preview1", 3)
    seeds["wasi"] = wasi.bytes

    var hostile = ABIProgram()
    hostile.op("agent_log", 1, 0xFFFF_FFFF, 2)
    hostile.op("agent_log", 1, 0xFFFE, 0x10)
    hostile.op("fs_read", 0x1004, 0x8000_0000)
    hostile.op("random_bytes", 70_000)
    hostile.op("set_alloc", 1, 0xFFFF_FFF0)
    hostile.op("agent_goal")
    hostile.op("set_alloc", 2, 0)
    hostile.op("clock_now")
    hostile.op("random_bytes", 16)
    hostile.op("set_alloc", 5, 20)
    hostile.op("agent_tools")
    hostile.op("grow", 3)
    hostile.op("set_alloc", 3, 0)
    hostile.op("agent_goal")
    seeds["hostile"] = hostile.bytes

    var allocatorCalls = ABIProgram()
    allocatorCalls.op("fs_read", text: ["nope"])
    allocatorCalls.op("set_alloc", 7, 0)
    allocatorCalls.op("agent_goal")
    seeds["alloc-last-error"] = allocatorCalls.bytes

    var spin = ABIProgram()
    spin.op("set_alloc", 6, 0)
    spin.op("agent_tools")
    seeds["alloc-spin"] = spin.bytes

    return seeds
}

/// Writes seeds and exits, when NANOS_FUZZ_WRITE_SEEDS names a folder.
func writeSeedsIfAsked(_ make: () -> [String: [UInt8]]) {
    guard let folder = ProcessInfo.processInfo.environment["NANOS_FUZZ_WRITE_SEEDS"], !folder.isEmpty else { return }
    try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    for (name, bytes) in make() {
        _ = FileManager.default.createFile(atPath: "\(folder)/\(name)", contents: Data(bytes))
    }
    exit(0)
}

/// Seeds for the wasm target: the `.wat` files of the folder NANOS_FUZZ_WAT names,
/// compiled (those that compile).
func wasmSeeds() -> [String: [UInt8]] {
    guard let folder = ProcessInfo.processInfo.environment["NANOS_FUZZ_WAT"],
        let names = try? FileManager.default.contentsOfDirectory(atPath: folder)
    else { return [:] }
    var seeds: [String: [UInt8]] = [:]
    for name in names where name.hasSuffix(".wat") {
        guard let text = try? String(contentsOfFile: "\(folder)/\(name)", encoding: .utf8) else { continue }
        do {
            seeds[String(name.dropLast(4)) + ".wasm"] = try wat2wasm(text)
        } catch {
            FileHandle.standardError.write(Data("\(name): \(error)\n".utf8))
        }
    }
    return seeds
}
