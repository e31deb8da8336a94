import Foundation
import NanosFS
import NanosMCP
import NanosManifest
import WasmKit

/// The original project's ABI (import module `env`), so its guests run unchanged.
///
/// Every call copies at most `out_max` bytes of its response to `out_ptr` and returns the
/// count; errors travel in-band as the original's strings. The same services, policy and
/// trace serve these calls as ABI v1: only the calling convention differs. Unlike the
/// original, a bad pointer never crashes the host: the call returns 0 and the step records
/// EINVAL.
enum OriginalABI {
    static let module = "env"
    static let permissionDenied = "[Security] PERMISSION_DENIED"
    static let networkDisabled = "[Security] NETWORK_DISABLED_IN_MANIFEST"

    static let imports: [HostImport] = [
        copyingCall("fs_read", group: .fs_read, inputs: 1, failure: { "Error reading file: \($0.message)" }) { run, input in
            try run.files.readOrFail(try run.utf8Path(input[0]))
        },
        HostImport(module: module, name: "fs_write", parameters: Array(repeating: .i32, count: 6), results: [.i32]) { run in
            { _, args, results in
                var response: [UInt8] = []
                let inputs: [ArgumentSpec] = [
                    SyscallTable.pathInput, .bytes(2, limit: SyscallLimits.fileBytes, what: "fs_write content"),
                ]
                results[0] = try run.perform(
                    "env.fs_write", group: .fs_write, inputs: inputs, raw: args, failureValue: { _ in .i32(0) }
                ) { input throws(SyscallFailure) in
                    try run.files.writeOrFail(try run.utf8Path(input.bytes(0)), input.bytes(1))
                    response = Array("Successfully wrote to file.".utf8)
                    return (.data(response), .i32(0))
                }
                if case .failure(let failure)? = run.steps.last?.outcome {
                    response = Array(inBand(failure, otherwise: "Failed to write file: \(failure.message)").utf8)
                }
                results[0] = .i32(run.copyOut(response, ptr: args[4], max: args[5]))
            }
        },
        copyingCall("get_manifest_goal", group: .agent, inputs: 0, failure: { $0.message }) { run, _ in
            Array((run.manifest.goal ?? "").utf8)
        },
        copyingCall("get_manifest_tools", group: .agent, inputs: 0, failure: { $0.message }) { run, _ in
            // The original returned the manifest's names comma-joined.
            let names = run.manifest.toolNames ?? run.policy.grantedGroups.map(\.rawValue)
            return Array(names.joined(separator: ",").utf8)
        },
        copyingCall("web_get", group: .web, inputs: 1, failure: { "HTTP Request failed: \($0.message)" }) { run, input in
            let url = String(decoding: input[0], as: UTF8.self)
            try run.checkNetwork(url: url, call: "web_get")
            throw SyscallFailure(.EIO, "web access is not available in this build of nanos")
        },
        flagCall("memory_store", group: .memory, inputs: 1) { run, input in
            try run.notes.store(input[0])
        },
        copyingCall("memory_recall", group: .memory, inputs: 1, failure: { $0.message }) { run, input in
            Array((run.notes.recall(input[0]) ?? "No memory found.").utf8)
        },
        copyingCall("llm_infer", group: .llm, inputs: 1, failure: { "LLM Inference Error: \($0.message)" }) { run, input in
            Array(try run.infer(input[0], call: "llm_infer").text.utf8)
        },
        // The original joined the text items of the answer; `isError` (which it ignored)
        // is now a failure with the server's text.
        copyingCall("mcp_call", group: .mcp_call, inputs: 3, failure: { "MCP Error calling tool: \($0.message)" }) {
            run, input in
            let result = try run.mcpRequest { session, deadline throws(MCPServiceError) in
                try session.callTool(
                    server: try run.mcpText(input[0], "server"), tool: try run.mcpText(input[1], "tool"),
                    arguments: input[2], deadline: deadline)
            }
            return Array(result.text.utf8)
        },
        flagCall("agent_send", group: .agent_send, inputs: 2) { _, input in
            throw SyscallFailure(.ENOENT, "no agent named \(String(decoding: input[0], as: UTF8.self)) in this run")
        },
        copyingCall("agent_recv", group: .agent_recv, inputs: 0, failure: { $0.message }) { _, _ in [] },
        copyingCall("eval_js", group: nil, inputs: 1, failure: { "eval_js sandbox violation: \($0.message)" }) { _, _ in
            throw SyscallFailure.denied(
                "eval_js is disabled: nanos never runs JavaScript outside the sandbox",
                rule: "eval_js is never granted; compile JS agents with `nanos compile`")
        },
    ]

    /// A call taking `inputs` (ptr, len) pairs then (out_ptr, out_max), returning bytes copied.
    static func copyingCall(
        _ name: String, group: ToolGroup?, inputs: Int, failure: @escaping @Sendable (SyscallFailure) -> String,
        _ body: @escaping @Sendable (AgentRun, [[UInt8]]) throws -> [UInt8]
    ) -> HostImport {
        HostImport(module: module, name: name, parameters: Array(repeating: .i32, count: inputs * 2 + 2), results: [.i32]) {
            run in
            { _, args, results in
                var response: [UInt8] = []
                _ = try run.perform(
                    "env.\(name)", group: group, inputs: pairs(inputs), raw: args, failureValue: { _ in .i32(0) }
                ) { input throws(SyscallFailure) in
                    response = try syscallErrors { try body(run, (0..<inputs).map { input.bytes($0) }) }
                    return (.data(response), .i32(0))
                }
                if case .failure(let failed)? = run.steps.last?.outcome {
                    response = Array(inBand(failed, otherwise: failure(failed)).utf8)
                }
                results[0] = .i32(run.copyOut(response, ptr: args[inputs * 2], max: args[inputs * 2 + 1]))
                try run.raisePending()
            }
        }
    }

    /// A call taking `inputs` (ptr, len) pairs and returning 1 on success, 0 on failure.
    static func flagCall(
        _ name: String, group: ToolGroup, inputs: Int,
        _ body: @escaping @Sendable (AgentRun, [[UInt8]]) throws -> Void
    ) -> HostImport {
        HostImport(module: module, name: name, parameters: Array(repeating: .i32, count: inputs * 2), results: [.i32]) {
            run in
            { _, args, results in
                results[0] = try run.perform(
                    "env.\(name)", group: group, inputs: pairs(inputs), raw: args, failureValue: { _ in .i32(0) }
                ) { input throws(SyscallFailure) in
                    try syscallErrors { try body(run, (0..<inputs).map { input.bytes($0) }) }
                    return (.value(1), .i32(1))
                }
            }
        }
    }

    /// `count` leading (ptr, len) byte arguments.
    static func pairs(_ count: Int) -> [ArgumentSpec] {
        (0..<count).map { .bytes($0 * 2, limit: SyscallLimits.llmRequest, what: "argument \($0 + 1)") }
    }

    /// The original's in-band text for a failure: denials use its `[Security]` strings.
    static func inBand(_ failure: SyscallFailure, otherwise: String) -> String {
        guard failure.errno == .EPERM else { return otherwise }
        return failure.rule == "permissions.network is false" ? networkDisabled : permissionDenied
    }
}

extension AgentRun {
    func utf8Path(_ bytes: [UInt8]) throws(SyscallFailure) -> String {
        guard bytes.count <= SyscallLimits.path else { throw SyscallFailure(.E2BIG, "path is over \(SyscallLimits.path) bytes") }
        // ASCII is valid UTF-8 as it stands and is what paths nearly always are; checking
        // for it costs a fraction of the general validation.
        if bytes.allSatisfy({ $0 < 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
        guard let path = String(validating: bytes, as: UTF8.self) else {
            throw SyscallFailure(.EINVAL, "path is not valid UTF-8")
        }
        return path
    }

    /// Copies `min(count, out_max)` bytes to the guest; a bad range copies nothing.
    func copyOut(_ bytes: [UInt8], ptr: Value, max: Value) -> UInt32 {
        let limit = Int32(bitPattern: max.i32)
        guard limit > 0, let memory else { return 0 }
        let count = Swift.min(bytes.count, Int(limit))
        do {
            try memory.write(count == bytes.count ? bytes : Array(bytes.prefix(count)), at: ptr.i32, what: "out buffer")
            return UInt32(count)
        } catch {
            if case .failure = steps.last?.outcome {} else if !steps.isEmpty {
                steps[steps.count - 1].outcome = .failure(error)
            }
            lastError = Array(error.message.utf8)
            return 0
        }
    }
}

/// File calls shared by both ABIs, so they report errors the same way.
extension SandboxedFileSystem {
    func readOrFail(_ path: String) throws(SyscallFailure) -> [UInt8] {
        do {
            return try read(path, maxBytes: SyscallLimits.fileBytes)
        } catch {
            throw SyscallFailure(fsError: error, requested: path)
        }
    }

    func listOrFail(_ path: String) throws(SyscallFailure) -> [DirectoryEntry] {
        do {
            return try list(path)
        } catch {
            throw SyscallFailure(fsError: error, requested: path)
        }
    }

    func writeOrFail(_ path: String, _ data: [UInt8]) throws(SyscallFailure) {
        do {
            try write(path, contents: data, maxBytes: SyscallLimits.fileBytes)
        } catch {
            throw SyscallFailure(fsError: error, requested: path)
        }
    }
}
