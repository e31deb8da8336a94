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
        case success = 0, tooBig = 1, badFileDescriptor = 8, invalid = 28, io = 29, permission = 63,
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
        }
        return .i32(code.rawValue)
    }

    static let imports: [HostImport] = [
        HostImport(module: module, name: "fd_write", parameters: [.i32, .i32, .i32, .i32], results: [.i32]) { run in
            { _, args, results in
                let fd = args[0].i32
                guard fd == 1 || fd == 2 else {
                    results[0] = .i32(WASIErrno.badFileDescriptor.rawValue)
                    return
                }
                results[0] = try run.perform("agent.log", group: .agent, failureValue: wasiErrno) {
                    _ throws(SyscallFailure) in
                    let memory = try run.requireMemory()
                    let count = Int(args[2].i32)
                    guard count <= 1024 else { throw SyscallFailure(.E2BIG, "fd_write: \(count) iovecs is over 1024") }
                    var text: [UInt8] = []
                    for index in 0..<count {
                        let iovec = args[1].i32 &+ UInt32(index * 8)
                        let base = try memory.loadUInt32(at: iovec, what: "fd_write iovec")
                        let length = try memory.loadUInt32(at: iovec &+ 4, what: "fd_write iovec")
                        text += try memory.read(
                            ptr: base, len: length, limit: SyscallLimits.message - text.count, what: "fd_write data")
                    }
                    let level: LogLevel = fd == 1 ? .info : .warn
                    run.currentArgs = [.int(Int64(level.rawValue)), .bytes(text)]
                    try run.log(level, text, call: "fd_write")
                    try memory.storeUInt32(UInt32(text.count), at: args[3].i32, what: "fd_write nwritten")
                    return (.value(Int64(text.count)), .i32(0))
                }
            }
        },
        HostImport(module: module, name: "proc_exit", parameters: [.i32], results: []) { _ in
            { _, args, _ in throw RunTermination.exit(code: Int32(bitPattern: args[0].i32)) }
        },
        HostImport(module: module, name: "clock_time_get", parameters: [.i32, .i64, .i32], results: [.i32]) { run in
            { _, args, results in
                results[0] = try run.perform("clock.now", group: .clock, failureValue: wasiErrno) {
                    _ throws(SyscallFailure) in
                    let now = UInt64(wallClockNanoseconds())
                    try run.requireMemory().storeUInt64(now, at: args[2].i32, what: "clock_time_get result")
                    return (.value(Int64(now)), .i32(0))
                }
            }
        },
        HostImport(module: module, name: "random_get", parameters: [.i32, .i32], results: [.i32]) { run in
            { _, args, results in
                results[0] = try run.perform("random.bytes", group: .random, failureValue: wasiErrno) {
                    _ throws(SyscallFailure) in
                    let count = Int(args[1].i32)
                    guard count <= SyscallLimits.randomBytes else {
                        throw SyscallFailure(.E2BIG, "random_get: \(count) is over \(SyscallLimits.randomBytes)")
                    }
                    let bytes = secureRandomBytes(count)
                    run.currentArgs = [.int(Int64(count))]
                    try run.requireMemory().write(bytes, at: args[0].i32, what: "random_get buffer")
                    return (.data(bytes), .i32(0))
                }
            }
        },
        emptyList("environ_sizes_get"), emptyList("args_sizes_get"),
        constant("environ_get", parameters: 2, .success), constant("args_get", parameters: 2, .success),
        // wasi-libc enumerates preopened directories until EBADF: there are none.
        constant("fd_prestat_get", parameters: 2, .badFileDescriptor),
        constant("fd_fdstat_get", parameters: 2, .badFileDescriptor),
        constant("fd_close", parameters: 1, .badFileDescriptor),
    ]

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
