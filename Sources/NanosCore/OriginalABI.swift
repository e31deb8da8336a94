import WasmKit

/// How the original project's ABI (module `env`) hands results back, so its guests run
/// unchanged: every call copies at most `out_max` bytes of its answer to `out_ptr` and
/// returns the count, and failures travel in band as the original's strings. The same
/// services, policy and trace serve these calls as ABI v1 (their table entries say which
/// v1 call each shares a service with); only the convention differs. Unlike the
/// original, a bad pointer never crashes the host: the call copies nothing and the step
/// records EINVAL.
enum OriginalABI {
    static let permissionDenied = "[Security] PERMISSION_DENIED"
    static let networkDisabled = "[Security] NETWORK_DISABLED_IN_MANIFEST"
    /// The rule a denial carries when the manifest allows no network at all.
    static let networkDisabledRule = "permissions.network is false"

    /// The original's text for a failure of `call`.
    static func failureText(_ failure: SyscallFailure, call: String) -> String {
        if failure.errno == .EPERM {
            return failure.rule == networkDisabledRule ? networkDisabled : permissionDenied
        }
        switch call {
        case "fs_read": return "Error reading file: \(failure.message)"
        case "fs_write": return "Failed to write file: \(failure.message)"
        case "web_get": return "HTTP Request failed: \(failure.message)"
        case "llm_infer": return "LLM Inference Error: \(failure.message)"
        case "mcp_call": return "MCP Error calling tool: \(failure.message)"
        case "eval_js": return "eval_js sandbox violation: \(failure.message)"
        default: return failure.message
        }
    }

    /// The original's answer to a call that succeeds with nothing to say.
    static func successText(call: String) -> String {
        call == "fs_write" ? "Successfully wrote to file." : ""
    }
}

extension AgentRun {
    /// Copies the in-band answer of an original-ABI call to its output buffer and returns
    /// the count; a bad buffer copies nothing and, if the call had succeeded, the step
    /// records why.
    func copyInBand(_ outcome: inout SyscallOutcome, _ call: ABICall, _ raw: UnsafeBufferPointer<Value>) -> UInt32 {
        let text: [UInt8]
        switch outcome.result {
        case .data(let bytes): text = bytes
        case .value: text = Array(OriginalABI.successText(call: call.name).utf8)
        case .failure(let failure): text = Array(OriginalABI.failureText(failure, call: call.name).utf8)
        }
        let outputIndex = call.wasmParameterCount - 2
        let limit = Int32(bitPattern: raw[outputIndex + 1].i32)
        guard limit > 0, let memory else { return 0 }
        let count = Swift.min(text.count, Int(limit))
        do throws(SyscallFailure) {
            try memory.write(
                count == text.count ? text : Array(text.prefix(count)), at: raw[outputIndex].i32, what: "out buffer")
            return UInt32(count)
        } catch {
            if outcome.result.isSuccess { outcome.result = .failure(error) }
            return 0
        }
    }
}
