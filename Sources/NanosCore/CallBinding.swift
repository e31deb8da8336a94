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
        if call.result == .into {
            return HostImport(module: call.module.rawValue, name: call.name, parameters: parameters, results: results) {
                run in
                guard let direct = run.directHandler(serving: call.serves) else { return stepImplementation(call, run) }
                return { _, raw, results in
                    let output = run.outputBuffer(call, raw)
                    let performed = try run.perform(
                        call.step, group: call.group,
                        decode: { () throws(SyscallFailure) in try run.decode(call.parameters, step: call.step, raw) },
                        answer: { direct($0, output) }, deliver: { run.deliverWritten(&$0, output, call, raw) })
                    results[0] = performed.value
                    try run.raisePending()
                }
            }
        }
        return HostImport(module: call.module.rawValue, name: call.name, parameters: parameters, results: results) {
            run in stepImplementation(call, run)
        }
    }

    /// A call answered by its service's plain handler and handed back as the table says.
    private static func stepImplementation(_ call: ABICall, _ run: AgentRun) -> Function.RawImplementation {
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
            case .failure: return intoFailure(outcome)
            }
            let output = outputBuffer(call, raw)
            if let refusal = output.refusal(needing: bytes.count) {
                outcome = refusal
                return intoFailure(outcome)
            }
            do throws(SyscallFailure) {
                try output.withPrefix(bytes.count) { buffer in
                    bytes.withUnsafeBytes { buffer.copyMemory(from: $0) }
                }
                return .i64(UInt64(bytes.count))
            } catch {
                outcome.result = .failure(error)
                return negI64(error.errno)
            }
        case .status:
            if case .failure(let failure) = outcome.result { return negI32(failure.errno) }
            return .i32(0)
        case .handle, .count:
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

extension AgentRun {
    /// The output buffer of an `_into` call: its last two parameters.
    @inline(__always)
    func outputBuffer(_ call: ABICall, _ raw: UnsafeBufferPointer<Value>) -> OutputBuffer {
        let index = call.wasmParameterCount - 2
        return OutputBuffer(
            capacity: max(0, Int(Int32(bitPattern: raw[index + 1].i32))), memory: memory, pointer: raw[index].i32,
            call: call.name)
    }

    /// What the guest gets for a failed `_into` call: `-errno`, and for a buffer that is too
    /// small, `-(needed << 8 | E2BIG)`, so it can size the next one.
    func intoFailure(_ outcome: SyscallOutcome) -> Value {
        guard let failure = outcome.failure else { return .i64(0) }
        if failure.errno == .E2BIG, let needed = outcome.counters["needed_bytes"] {
            return .i64(UInt64(bitPattern: -(needed << 8 | Int64(Errno.E2BIG.rawValue))))
        }
        return negI64(failure.errno)
    }

    /// Delivers a direct handler's outcome: the bytes it wrote into the guest's buffer
    /// become the step's data (shared with the previous result when they are the same),
    /// so the step records what the plain handler's would.
    @inline(__always)
    func deliverWritten(
        _ outcome: inout SyscallOutcome, _ output: OutputBuffer, _ call: ABICall, _ raw: UnsafeBufferPointer<Value>
    ) -> Value {
        // A recorded answer (replay) is data, handed over as any answer is.
        guard case .value(let count) = outcome.result else { return deliver(&outcome, call, raw) }
        do throws(SyscallFailure) {
            outcome.result = .data(try output.withPrefix(Int(count)) { recordedResult(UnsafeRawBufferPointer($0)) })
        } catch {
            outcome.result = .failure(error)
            return negI64(error.errno)
        }
        return .i64(UInt64(count))
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
