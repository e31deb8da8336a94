import Foundation
import NanosFS
import NanosLLM
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

/// Size caps for what a guest may ask of the host (docs/abi.md).
public enum SyscallLimits {
    public static let path = 4 * 1024
    public static let fileBytes = 16 * 1024 * 1024
    public static let message = 64 * 1024
    public static let llmRequest = 1024 * 1024
    public static let randomBytes = 64 * 1024
    public static let url = 8 * 1024
    /// All notes one run's `memory_store` keeps, together: host memory the guest decides.
    public static let notesBytes = 1024 * 1024
}

/// The import modules nanos serves, keyed by `module.name`.
enum SyscallTable {
    static let all: [String: HostImport] = {
        var table: [String: HostImport] = [:]
        for entry in abiV1 + llmCalls + mcpCalls + OriginalABI.imports + WASIPreview1.imports {
            table["\(entry.module).\(entry.name)"] = entry
        }
        return table
    }()

    static func lookup(module: String, name: String) -> HostImport? {
        all["\(module).\(name)"]
    }

    static let abiModule = "nanos"

    // MARK: - ABI v1

    static let abiV1: [HostImport] = [
        dataCall("agent_goal", "agent.goal", group: .agent, params: []) { run, _ in
            Array((run.manifest.goal ?? "").utf8)
        },
        dataCall("agent_tools", "agent.tools", group: .agent, params: []) { run, _ in
            let names = run.policy.grantedGroups.map { JSONValue.string($0.rawValue) }
            return Array(JSONValue.array(names).serialized().utf8)
        },
        statusCall(
            "agent_log", "agent.log", group: .agent, params: [.i32, .i32, .i32],
            inputs: [.int(0), .bytes(1, limit: SyscallLimits.message, what: "agent.log message")]
        ) { run, input in
            let level = LogLevel(rawValue: Int32(clamping: input.int(0))) ?? .info
            try run.log(level, input.bytes(1), call: "agent.log")
        },
        HostImport(module: abiModule, name: "agent_done", parameters: [.i32, .i32], results: [.i32]) { run in
            { _, args, results in
                let value = try run.perform(
                    "agent.done", group: .agent,
                    inputs: [.bytes(0, limit: SyscallLimits.message, what: "agent.done summary")], raw: args,
                    failureValue: negI32
                ) { _ throws(SyscallFailure) in (.value(0), .i32(0)) }
                if run.steps.last?.outcome.isSuccess == true {
                    throw RunTermination.done(summary: String(decoding: run.steps.last?.args.bytes(0) ?? [], as: UTF8.self))
                }
                results[0] = value
            }
        },
        dataCall("fs_read", "fs.read", group: .fs_read, params: [.i32, .i32], inputs: [pathInput]) { run, input in
            try run.files.readOrFail(try run.utf8Path(input.bytes(0)))
        },
        statusCall(
            "fs_write", "fs.write", group: .fs_write, params: [.i32, .i32, .i32, .i32],
            inputs: [pathInput, .bytes(2, limit: SyscallLimits.fileBytes, what: "fs.write data")]
        ) { run, input in
            try run.files.writeOrFail(try run.utf8Path(input.bytes(0)), input.bytes(1))
        },
        dataCall("fs_list", "fs.list", group: .fs_read, params: [.i32, .i32], inputs: [pathInput]) { run, input in
            let entries = try run.files.listOrFail(try run.utf8Path(input.bytes(0)))
            let json = JSONValue.array(
                entries.map {
                    .object([("name", .string($0.name)), ("type", .string($0.kind.rawValue)), ("size", .int(Int64($0.size)))])
                })
            return Array(json.serialized().utf8)
        },
        dataCall(
            "web_fetch", "web.fetch", group: .web, params: [.i32, .i32],
            inputs: [.bytes(0, limit: SyscallLimits.url, what: "web.fetch url")]
        ) { run, input in
            try run.checkNetwork(url: String(decoding: input.bytes(0), as: UTF8.self), call: "web.fetch")
            throw SyscallFailure(.EIO, "web.fetch is not available in this build of nanos")
        },
        HostImport(module: abiModule, name: "clock_now", parameters: [], results: [.i64]) { run in
            { _, _, results in
                results[0] = try run.perform("clock.now", group: .clock, failureValue: negI64) {
                    _ throws(SyscallFailure) in
                    let now = wallClockNanoseconds()
                    return (.value(now), .i64(UInt64(bitPattern: now)))
                }
            }
        },
        dataCall("random_bytes", "random.bytes", group: .random, params: [.i32], inputs: [.int(0)]) { run, input in
            let count = input.int(0)
            guard count >= 0 else { throw SyscallFailure(.EINVAL, "random.bytes: negative length \(count)") }
            guard count <= SyscallLimits.randomBytes else {
                throw SyscallFailure(.E2BIG, "random.bytes: \(count) is over the limit of \(SyscallLimits.randomBytes)")
            }
            return secureRandomBytes(Int(count))
        },
        // Not a step: reading the last error is part of handling the failed step.
        HostImport(module: abiModule, name: "last_error", parameters: [], results: [.i64]) { run in
            { _, _, results in
                if run.insideAllocator { throw RunTermination.syscallInsideAllocator(call: "last_error") }
                guard let message = run.lastError else {
                    results[0] = negI64(.ENOENT)
                    return
                }
                do throws(SyscallFailure) {
                    results[0] = .i64(UInt64(bitPattern: try run.place(message)))
                } catch {
                    results[0] = negI64(error.errno)
                }
                try run.raisePending()
            }
        },
    ]

    // MARK: - Builders

    /// A path argument: the (ptr, len) pair at parameters 0 and 1.
    static let pathInput = ArgumentSpec.bytes(0, limit: SyscallLimits.path, what: "path")

    /// A call whose result is bytes handed over through `nanos_alloc`; returns i64.
    static func dataCall(
        _ name: String, _ stepName: String, group: ToolGroup, params: [ValueType], inputs: [ArgumentSpec] = [],
        _ body: @escaping @Sendable (AgentRun, [StepValue]) throws -> [UInt8]
    ) -> HostImport {
        HostImport(module: abiModule, name: name, parameters: params, results: [.i64]) { run in
            { _, args, results in
                results[0] = try run.perform(stepName, group: group, inputs: inputs, raw: args, failureValue: negI64) {
                    input throws(SyscallFailure) in
                    let bytes = run.sharingRecentStorage(try syscallErrors { try body(run, input) })
                    return (.data(bytes), .i64(UInt64(bitPattern: try run.place(bytes))))
                }
                try run.raisePending()
            }
        }
    }

    /// A call that returns 0 or -errno as i32.
    static func statusCall(
        _ name: String, _ stepName: String, group: ToolGroup, params: [ValueType], inputs: [ArgumentSpec],
        _ body: @escaping @Sendable (AgentRun, [StepValue]) throws -> Void
    ) -> HostImport {
        HostImport(module: abiModule, name: name, parameters: params, results: [.i32]) { run in
            { _, args, results in
                results[0] = try run.perform(stepName, group: group, inputs: inputs, raw: args, failureValue: negI32) {
                    input throws(SyscallFailure) in
                    try syscallErrors { try body(run, input) }
                    return (.value(0), .i32(0))
                }
            }
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

/// Unix time in nanoseconds, exact (a Double-based `Date` would round to 256 ns).
@inline(__always)
func wallClockNanoseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
}

/// `count` bytes from the kernel's secure generator, in one request where the C library
/// has `getrandom` (a generator asked byte by byte costs a system call per byte).
func secureRandomBytes(_ count: Int) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    bytes.withUnsafeMutableBytes { buffer in
        var filled = 0
        if let getrandom = SecureRandom.getrandom {
            while filled < count, let base = buffer.baseAddress {
                let got = getrandom(base + filled, count - filled, 0)
                if got > 0 {
                    filled += got
                } else if errno != EINTR {
                    break
                }
            }
        }
        // Without getrandom (or if it failed): the standard generator for the rest.
        var generator = SystemRandomNumberGenerator()
        for index in filled..<count { buffer[index] = UInt8.random(in: 0...255, using: &generator) }
    }
    return bytes
}

private enum SecureRandom {
    /// Glibc's `getrandom`, which its Swift module does not export.
    typealias GetRandom = @convention(c) (UnsafeMutableRawPointer?, Int, UInt32) -> Int
    static let getrandom: GetRandom? = dlsym(nil, "getrandom").map { unsafeBitCast($0, to: GetRandom.self) }
}

/// Runs a service body, passing its `SyscallFailure` through and turning anything
/// unexpected into EIO, so a service bug reaches the guest as an error, not a crash.
@inline(__always)
func syscallErrors<T>(_ body: () throws -> T) throws(SyscallFailure) -> T {
    do {
        return try body()
    } catch let failure as SyscallFailure {
        throw failure
    } catch {
        throw SyscallFailure(.EIO, "internal error: \(error)")
    }
}


extension SyscallFailure {
    /// The guest's message names the path as the guest wrote it, so errors do not reveal
    /// the host's folder layout; the rule (kept in the trace, never shown to the guest)
    /// has the resolved path.
    init(fsError: FSError, requested: String) {
        switch fsError {
        case .denied(_, let rule):
            self.init(.EPERM, "access to \(requested) denied", rule: rule)
        case .notFound:
            self.init(.ENOENT, "no such file or directory: \(requested)")
        case .invalidPath(_, let reason):
            self.init(.EINVAL, "invalid path \(requested.debugDescription): \(reason)")
        case .tooLarge(_, let limit):
            self.init(.E2BIG, "\(requested) is larger than the limit of \(limit) bytes")
        case .io(_, let message):
            self.init(.EIO, "\(requested): \(message)")
        }
    }
}

// MARK: - Services shared by both ABIs

extension AgentRun {
    /// The network rule: `permissions.network` must allow the URL's host.
    func checkNetwork(url: String, call: String) throws(SyscallFailure) {
        switch manifest.permissions.network {
        case .none:
            throw .denied("\(call) denied: the manifest does not allow network access", rule: "permissions.network is false")
        case .any:
            return
        case .hosts(let hosts):
            guard let host = URLComponents(string: url)?.host?.lowercased(), hosts.contains(where: { $0.lowercased() == host })
            else {
                throw .denied(
                    "\(call) denied: \(url) is not an allowed host",
                    rule: "permissions.network allows only [\(hosts.joined(separator: ", "))]")
            }
        }
    }
}
