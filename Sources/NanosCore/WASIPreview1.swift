import Foundation
import NanosManifest
import WasmKit

/// A deny-by-default subset of `wasi_snapshot_preview1`, so guests built against
/// wasi-libc run without getting any ambient authority.
///
/// Output to stdout/stderr becomes `agent.log` steps, time and randomness go through
/// their groups like ABI v1 calls, and every other WASI function answers ENOTCAPABLE
/// without touching the host (see ``stub(name:type:)``).
enum WASIPreview1 {
    static let module = "wasi_snapshot_preview1"

    /// WASI's own errno values (not ABI v1's).
    enum WASIErrno: UInt32 {
        case success = 0, tooBig = 1, again = 6, badFileDescriptor = 8, invalid = 28, io = 29, permission = 63,
            timedOut = 73, notCapable = 76
    }

    static func wasiErrno(_ errno: Errno) -> Value {
        let code: WASIErrno
        switch errno {
        case .EPERM: code = .notCapable
        case .ENOENT: code = .badFileDescriptor
        case .EINVAL: code = .invalid
        case .E2BIG: code = .tooBig
        case .EIO, .EQUOTA: code = .io
        case .ETIMEDOUT: code = .timedOut
        case .EAGAIN: code = .again
        }
        return .i32(code.rawValue)
    }

    /// The served functions by name; any other returns ENOTCAPABLE (see ``stub(name:type:)``).
    static let imports: [String: HostImport] = Dictionary(
        uniqueKeysWithValues: ([fdWrite, procExit, clockTimeGet, randomGet] + fixed).map { ($0.name, $0) })

    /// Output to fds 1 and 2 becomes an `agent.log` step (the iovecs are gathered here).
    static let fdWrite = HostImport(
        module: module, name: "fd_write", parameters: [.i32, .i32, .i32, .i32], results: [.i32]
    ) { run in
        { _, args, results in
            let fd = args[0].i32
            guard fd == 1 || fd == 2 else {
                results[0] = .i32(WASIErrno.badFileDescriptor.rawValue)
                return
            }
            let level: LogLevel = fd == 1 ? .info : .warn
            results[0] = try run.perform(
                "agent.log", group: nil,
                decode: { () throws(SyscallFailure) in
                    [
                        .int(Int64(level.rawValue)),
                        .bytes(try gather(run.requireMemory(), iovecs: args[1].i32, count: args[2].i32)),
                    ]
                },
                answer: { arguments in
                    .catching { () throws(SyscallFailure) in
                        let text = arguments.bytes(1)
                        try run.log(level, text, call: "fd_write")
                        try run.requireMemory().storeUInt32(
                            UInt32(text.count), at: args[3].i32, what: "fd_write nwritten")
                        return .value(Int64(text.count))
                    }
                },
                deliver: { wasiErrno($0) }
            ).value
        }
    }

    /// The bytes `count` iovecs at `iovecs` point to, within the log message cap.
    private static func gather(_ memory: GuestMemory, iovecs: UInt32, count rawCount: UInt32) throws(SyscallFailure)
        -> [UInt8]
    {
        let count = Int(rawCount)
        guard count <= SyscallLimits.wasiIovecs else {
            throw SyscallFailure(.E2BIG, "fd_write: \(count) iovecs is over \(SyscallLimits.wasiIovecs)")
        }
        var text: [UInt8] = []
        for index in 0..<count {
            let iovec = iovecs &+ UInt32(index * 8)
            let base = try memory.loadUInt32(at: iovec, what: "fd_write iovec")
            let length = try memory.loadUInt32(at: iovec &+ 4, what: "fd_write iovec")
            text += try memory.read(
                ptr: base, len: length, limit: SyscallLimits.message - text.count, what: "fd_write data")
        }
        return text
    }

    static let procExit = HostImport(module: module, name: "proc_exit", parameters: [.i32], results: []) { _ in
        { _, args, _ in throw RunTermination.exit(code: Int32(bitPattern: args[0].i32)) }
    }

    /// The clock service's `clock.now`, stored at the guest's pointer.
    static let clockTimeGet = HostImport(
        module: module, name: "clock_time_get", parameters: [.i32, .i64, .i32], results: [.i32]
    ) { run in
        let answer = run.handler(serving: "clock_now", step: "clock.now")
        return { _, args, results in
            results[0] = try run.perform(
                "clock.now", group: .clock, decode: { [] }, answer: answer,
                deliver: { outcome in
                    storing(&outcome) { result throws(SyscallFailure) in
                        guard case .value(let now) = result else { return }
                        try run.requireMemory().storeUInt64(
                            UInt64(bitPattern: now), at: args[2].i32, what: "clock_time_get result")
                    }
                }
            ).value
        }
    }

    /// The random service's `random.bytes`, written into the guest's buffer.
    static let randomGet = HostImport(module: module, name: "random_get", parameters: [.i32, .i32], results: [.i32]) {
        run in
        let answer = run.handler(serving: "random_bytes", step: "random.bytes")
        return { _, args, results in
            // WASI lengths are unsigned.
            results[0] = try run.perform(
                "random.bytes", group: .random, decode: { [.int(Int64(args[1].i32))] }, answer: answer,
                deliver: { outcome in
                    storing(&outcome) { result throws(SyscallFailure) in
                        guard case .data(let bytes) = result else { return }
                        try run.requireMemory().write(bytes, at: args[0].i32, what: "random_get buffer")
                    }
                }
            ).value
        }
    }

    static let fixed: [HostImport] = [
        emptyList("environ_sizes_get"), emptyList("args_sizes_get"),
        constant("environ_get", parameters: 2, .success), constant("args_get", parameters: 2, .success),
        // wasi-libc enumerates preopened directories until EBADF: there are none.
        constant("fd_prestat_get", parameters: 2, .badFileDescriptor),
        constant("fd_fdstat_get", parameters: 2, .badFileDescriptor),
        constant("fd_close", parameters: 1, .badFileDescriptor),
    ]

    /// Writes a successful result where the guest asked (`store` sees the result and does
    /// nothing for a failure); a write that fails becomes the outcome. Returns WASI's errno.
    static func storing(
        _ outcome: inout SyscallOutcome, _ store: (StepOutcome) throws(SyscallFailure) -> Void
    ) -> Value {
        do throws(SyscallFailure) {
            try store(outcome.result)
        } catch {
            outcome.result = .failure(error)
        }
        return wasiErrno(outcome)
    }

    /// WASI's result for an outcome: success, or the errno's WASI equivalent.
    static func wasiErrno(_ outcome: SyscallOutcome) -> Value {
        guard case .failure(let failure) = outcome.result else { return .i32(WASIErrno.success.rawValue) }
        return wasiErrno(failure.errno)
    }

    /// `*_sizes_get(count_ptr, size_ptr)`: there is nothing to report.
    static func emptyList(_ name: String) -> HostImport {
        HostImport(module: module, name: name, parameters: [.i32, .i32], results: [.i32]) { run in
            { _, args, results in
                guard let memory = run.memory,
                    (try? memory.storeUInt32(0, at: args[0].i32, what: name)) != nil,
                    (try? memory.storeUInt32(0, at: args[1].i32, what: name)) != nil
                else {
                    results[0] = .i32(WASIErrno.invalid.rawValue)
                    return
                }
                results[0] = .i32(WASIErrno.success.rawValue)
            }
        }
    }

    static func constant(_ name: String, parameters: Int, _ code: WASIErrno) -> HostImport {
        HostImport(module: module, name: name, parameters: Array(repeating: .i32, count: parameters), results: [.i32]) {
            _ in { _, _, results in results[0] = .i32(code.rawValue) }
        }
    }

    /// Any other WASI function: ENOTCAPABLE, whatever its signature, if it returns an errno.
    static func stub(name: String, type: FunctionType) -> HostImport? {
        guard type.results == [.i32] else { return nil }
        return HostImport(module: module, name: name, parameters: type.parameters, results: type.results) { _ in
            { _, _, results in results[0] = .i32(WASIErrno.notCapable.rawValue) }
        }
    }
}
