import Foundation
import NanosManifest
import WasmKit

/// One host function a guest may import.
struct HostImport: Sendable {
    let module: String
    let name: String
    let parameters: [ValueType]
    let results: [ValueType]
    let make: @Sendable (AgentRun) -> Function.RawImplementation

    var type: FunctionType { FunctionType(parameters: parameters, results: results) }
}

/// Binds the calls of the ABI table to host functions: each import's wasm type, argument
/// decoding, policy group, step name and way of handing back its result come from its
/// table entry; the answer comes from the run's service for the call.
enum CallBinding {
    /// The host function for `module.name`, or nil when nanos serves no such import.
    static func lookup(module: String, name: String) -> HostImport? {
        if let call = ABI.call(module: module, name: name) { return bound[call.key] }
        return WASIPreview1.imports[name].flatMap { module == WASIPreview1.module ? $0 : nil }
    }

    private static let bound: [String: HostImport] = Dictionary(
        uniqueKeysWithValues: ABI.calls.map { ($0.key, bind($0)) })

    static func bind(_ call: ABICall) -> HostImport {
        let parameters = [ValueType](repeating: .i32, count: call.wasmParameterCount)
        let results: [ValueType] = [call.returnsI64 ? .i64 : .i32]
        if !call.isStep {
            return HostImport(module: call.module.rawValue, name: call.name, parameters: parameters, results: results) {
                run in lastErrorImplementation(call, run)
            }
        }
        return HostImport(module: call.module.rawValue, name: call.name, parameters: parameters, results: results) {
            run in
            let answer = run.handler(serving: call.serves, step: call.step)
            let ends = call.key == "nanos.agent_done"
            return { _, raw, results in
                let performed = try run.perform(
                    call.step, group: call.group,
                    decode: { () throws(SyscallFailure) in try run.decode(call.parameters, step: call.step, raw) },
                    answer: answer, deliver: { run.deliver(&$0, call, raw) })
                results[0] = performed.value
                try run.raisePending()
                if ends, performed.outcome.result.isSuccess {
                    throw RunTermination.done(summary: String(decoding: performed.arguments.bytes(0), as: UTF8.self))
                }
            }
        }
    }

    /// `last_error` and its `_into` form: the last failure's message, outside the trace
    /// (reading it is part of handling the failed step).
    private static func lastErrorImplementation(_ call: ABICall, _ run: AgentRun) -> Function.RawImplementation {
        { _, raw, results in
            if run.insideAllocator { throw RunTermination.syscallInsideAllocator(call: call.name) }
            var outcome = SyscallOutcome(
                run.lastError.map { StepOutcome.data($0) }
                    ?? .failure(SyscallFailure(.ENOENT, "no call has failed")))
            let saved = (run.lastError, run.lastFailure)
            results[0] = run.deliver(&outcome, call, raw)
            // Handing the message over must not replace it.
            (run.lastError, run.lastFailure) = saved
            try run.raisePending()
        }
    }
}

extension AgentRun {
    /// Hands an outcome to the guest in the way the call's table entry says, and returns
    /// the wasm result. Where handing it over fails (the guest's allocator failed, its
    /// buffer is too small or out of range) the outcome becomes that failure.
    @inline(__always)
    func deliver(_ outcome: inout SyscallOutcome, _ call: ABICall, _ raw: UnsafeBufferPointer<Value>) -> Value {
        switch call.result {
        case .data:
            switch outcome.result {
            case .data(let bytes):
                do throws(SyscallFailure) {
                    return .i64(UInt64(bitPattern: try place(bytes)))
                } catch {
                    outcome.result = .failure(error)
                    return negI64(error.errno)
                }
            case .value: return .i64(0)
            case .failure(let failure): return negI64(failure.errno)
            }
        case .into:
            let bytes: [UInt8]
            switch outcome.result {
            case .data(let data): bytes = data
            case .value: bytes = []
            case .failure(let failure): return negI64(failure.errno)
            }
            let outputIndex = call.wasmParameterCount - 2
            let capacity = Int(Int32(bitPattern: raw[outputIndex + 1].i32))
            guard bytes.count <= capacity else {
                outcome.counters["needed_bytes"] = Int64(bytes.count)
                outcome.result = .failure(
                    SyscallFailure(
                        .E2BIG, "\(call.name): the answer is \(bytes.count) bytes; the buffer holds \(max(capacity, 0))"
                    ))
                return .i64(UInt64(bitPattern: -(Int64(bytes.count) << 8 | Int64(Errno.E2BIG.rawValue))))
            }
            do throws(SyscallFailure) {
                try requireMemory().write(bytes, at: raw[outputIndex].i32, what: "\(call.name) buffer")
                return .i64(UInt64(bytes.count))
            } catch {
                outcome.result = .failure(error)
                return negI64(error.errno)
            }
        case .status:
            if case .failure(let failure) = outcome.result { return negI32(failure.errno) }
            return .i32(0)
        case .handle:
            switch outcome.result {
            case .value(let handle): return .i32(UInt32(truncatingIfNeeded: handle))
            case .data: return .i32(0)
            case .failure(let failure): return negI32(failure.errno)
            }
        case .value:
            switch outcome.result {
            case .value(let value): return .i64(UInt64(bitPattern: value))
            case .data: return .i64(0)
            case .failure(let failure): return negI64(failure.errno)
            }
        case .copied:
            return .i32(copyInBand(&outcome, call, raw))
        case .flag:
            return .i32(outcome.result.isSuccess ? 1 : 0)
        }
    }
}

@inline(__always) func negI32(_ errno: Errno) -> Value { .i32(UInt32(bitPattern: -errno.rawValue)) }
@inline(__always) func negI64(_ errno: Errno) -> Value { .i64(UInt64(bitPattern: Int64(-errno.rawValue))) }

extension Value {
    /// The raw 32 bits of an i32 argument (the engine has already checked the type).
    @inline(__always)
    var i32: UInt32 {
        if case .i32(let value) = self { return value }
        return 0
    }
}
