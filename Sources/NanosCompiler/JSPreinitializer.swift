import NanosABI
import NanosJSON
@_spi(Fuzzing) import WasmKit

/// Turns the QuickJS runtime plus one bundled agent into the agent's module, at compile time.
///
/// The runtime wasm is started here, inside WasmKit, exactly as the kernel would
/// start it: QuickJS boots, the SDK module is evaluated, the bundle is compiled to
/// bytecode and loaded. Then the linear memory is written out as the data of a copy
/// of the runtime module whose only entry is `run`. Every agent therefore starts
/// from a booted runtime: none of the start-up is repeated per run, and no bytecode
/// is ever read at run time from anywhere but the compiler's own output.
///
/// Nothing here may depend on the machine or the clock: the clock reads 0 and
/// randomness is zeros, so the same bundle always gives the same bytes.
enum JSPreinitializer {
    /// The exports the agent module keeps; the compile-time entry points go.
    static let agentExports: Set<String> = ["memory", "run", "nanos_alloc"]
    /// Mutable globals (the C stack pointer) are exported under this prefix, so the
    /// kernel can restore a used instance and start the next agent on it.
    static let globalExportPrefix = JSImageFormat.globalExportPrefix
    /// Free memory above the booted heap, so that most agents never grow memory and
    /// their instance stays reusable (a grown one is dropped).
    static let headroomPages: UInt32 = 16

    /// The custom section that marks a JS agent: JSON with what built it and the
    /// interpreter stack it needs, which the kernel uses when the manifest sets none.
    static let provenanceSection = JSImageFormat.sectionName
    /// WasmKit keeps each wasm frame's locals on its own stack, far more per JS call
    /// than QuickJS's shadow stack sees (≈1.5 KB per plain call, ≈7.5 KB per level of
    /// the parser, measured): with 64 MiB, QuickJS's RangeError comes before the
    /// interpreter's stack runs out, for every kind of recursion tried. The pages are
    /// only resident once touched.
    static let interpreterStackBytes = 64 << 20

    struct Failure: Error {
        /// `true` when the agent's code was rejected; `false` when the runtime itself failed.
        let isAgentError: Bool
        let message: String
    }

    static func agentModule(
        runtime: [UInt8], sdkSource: [UInt8], bundle: [UInt8], bundleName: String, provenance: String
    ) throws(Failure) -> [UInt8] {
        let console = CompileConsole()
        do {
            let module = try parseWasm(bytes: runtime)
            let store = Store(engine: Engine(configuration: EngineConfiguration(stackSize: interpreterStackBytes)))
            let imports = try compileTimeImports(for: module, store: store, console: console)
            let instance = try module.instantiate(store: store, imports: imports)
            let calls = try RuntimeCalls(instance: instance, console: console)

            try calls.call("_initialize")
            try calls.expectSuccess(
                "nanos_js_init", calls.withGuestCopy(of: sdkSource) { try calls.call("nanos_js_init", $0) },
                isAgentError: false)
            let name = Array(bundleName.utf8)
            try calls.expectSuccess(
                "nanos_js_compile",
                calls.withGuestCopy(of: bundle) { source in
                    try calls.withGuestCopy(of: name) { name in try calls.call("nanos_js_compile", source + name) }
                }, isAgentError: true)
            let bytecode = try calls.output()
            try calls.expectSuccess(
                "nanos_js_load", calls.withGuestCopy(of: bytecode) { try calls.call("nanos_js_load", $0) },
                isAgentError: false)

            return try snapshot(memory: calls.memory, of: runtime, provenance: provenance)
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(
                isAgentError: false, message: "the JS runtime failed while compiling: \(error)\(console.suffix)")
        }
    }

    /// The runtime module with the booted memory as its data and only the run-time exports.
    private static func snapshot(memory: Memory, of moduleBytes: [UInt8], provenance: String) throws(Failure) -> [UInt8]
    {
        let bytes = memory.withUnsafeBufferPointer(offset: 0, count: memory.byteCount) { Array($0) }
        guard var binary = WasmBinary(bytes: moduleBytes),
            binary.keepExports(agentExports),
            binary.exportMutableGlobals(prefix: globalExportPrefix),
            binary.setMemoryMinimum(pages: UInt32(bytes.count / WasmBinary.pageSize) + headroomPages)
        else {
            throw Failure(
                isAgentError: false,
                message:
                    "the JS runtime module has an unexpected layout (one defined memory, no imported globals expected)")
        }
        binary.replaceData(with: WasmBinary.segments(of: bytes))
        let description = JSONValue.object([
            (JSImageFormat.runtimeKey, .string(provenance)),
            (JSImageFormat.stackBytesKey, .int(Int64(interpreterStackBytes))),
        ])
        binary.addCustomSection(name: provenanceSection, payload: Array(description.serialized().utf8))
        return binary.encoded()
    }

    // MARK: Compile-time host

    /// What the runtime printed while compiling, shown when something fails.
    final class CompileConsole: @unchecked Sendable {
        // @unchecked: used only on the compiling thread.
        var text = ""
        var suffix: String { text.isEmpty ? "" : "\nruntime output:\n\(text)" }
    }

    /// WASI as far as a booting QuickJS needs it, answered without touching the host:
    /// a clock at 0, zero randomness, output captured, no files. Any ABI call is an
    /// error: nothing may run agent code at compile time.
    private static func compileTimeImports(for module: Module, store: Store, console: CompileConsole) throws -> Imports
    {
        var imports = Imports()
        for entry in module.imports {
            guard case .function(let typeIndex) = entry.descriptor, let type = module.functionType(at: typeIndex) else {
                throw Failure(
                    isAgentError: false,
                    message: "the JS runtime imports \(entry.module).\(entry.name), which is not a function")
            }
            let name = entry.name
            let isWASI = entry.module == "wasi_snapshot_preview1"
            let function = Function(store: store, type: type) { caller, arguments in
                guard isWASI else {
                    throw Failure(
                        isAgentError: true,
                        message:
                            "the agent called \(entry.module).\(name) while it was being compiled; calls belong in code that runs"
                    )
                }
                return try wasiCall(
                    name, arguments, memory: caller.instance?.exports[memory: "memory"], console: console, type: type)
            }
            imports.define(module: entry.module, name: entry.name, function)
        }
        return imports
    }

    private static let wasiSuccess: Value = .i32(0)
    private static let wasiBadDescriptor: Value = .i32(8)
    private static let wasiNotCapable: Value = .i32(76)

    private static func wasiCall(
        _ name: String, _ arguments: [Value], memory: Memory?, console: CompileConsole, type: FunctionType
    ) throws -> [Value] {
        func store(_ bytes: [UInt8], at address: Value) throws {
            guard case .i32(let pointer) = address, let memory, Int(pointer) + bytes.count <= memory.byteCount else {
                throw Failure(isAgentError: false, message: "WASI \(name): pointer outside memory")
            }
            memory.withUnsafeMutableBufferPointer(offset: UInt(pointer), count: bytes.count) { buffer in
                bytes.withUnsafeBytes { buffer.copyMemory(from: $0) }
            }
        }
        func load(_ pointer: UInt32, _ count: Int) throws -> [UInt8] {
            guard let memory, Int(pointer) + count <= memory.byteCount else {
                throw Failure(isAgentError: false, message: "WASI \(name): pointer outside memory")
            }
            return memory.withUnsafeBufferPointer(offset: UInt(pointer), count: count) { Array($0) }
        }
        func word(_ value: UInt32) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }

        switch name {
        case "clock_time_get":
            try store([UInt8](repeating: 0, count: 8), at: arguments[2])
            return [wasiSuccess]
        case "random_get":
            guard case .i32(let count) = arguments[1] else { return [wasiNotCapable] }
            try store([UInt8](repeating: 0, count: Int(min(count, 1 << 16))), at: arguments[0])
            return [wasiSuccess]
        case "fd_write":
            guard case .i32(let iovecs) = arguments[1], case .i32(let count) = arguments[2], count <= 1024 else {
                return [wasiNotCapable]
            }
            var written = 0
            for index in 0..<count {
                let iovec = try load(iovecs &+ index &* 8, 8)
                let base = UInt32(iovec[0]) | UInt32(iovec[1]) << 8 | UInt32(iovec[2]) << 16 | UInt32(iovec[3]) << 24
                let length = UInt32(iovec[4]) | UInt32(iovec[5]) << 8 | UInt32(iovec[6]) << 16 | UInt32(iovec[7]) << 24
                let text = try load(base, Int(min(length, 1 << 20)))
                console.text += String(decoding: text, as: UTF8.self)
                written += text.count
            }
            try store(word(UInt32(written)), at: arguments[3])
            return [wasiSuccess]
        case "environ_sizes_get", "args_sizes_get":
            try store(word(0), at: arguments[0])
            try store(word(0), at: arguments[1])
            return [wasiSuccess]
        case "environ_get", "args_get":
            return [wasiSuccess]
        case "proc_exit":
            throw Failure(isAgentError: true, message: "the JS runtime exited while compiling\(console.suffix)")
        default:
            guard type.results == [.i32] else {
                throw Failure(
                    isAgentError: false,
                    message: "the JS runtime called WASI \(name), which compile time does not serve")
            }
            return [name.hasPrefix("fd_") ? wasiBadDescriptor : wasiNotCapable]
        }
    }

    /// The runtime's compile-time exports, called with guest copies of host bytes.
    private struct RuntimeCalls {
        let instance: Instance
        let memory: Memory
        let console: CompileConsole

        init(instance: Instance, console: CompileConsole) throws(Failure) {
            guard let memory = instance.exports[memory: "memory"] else {
                throw Failure(isAgentError: false, message: "the JS runtime exports no memory")
            }
            self.instance = instance
            self.memory = memory
            self.console = console
        }

        @discardableResult
        func call(_ name: String, _ arguments: [UInt32] = []) throws -> Int64 {
            guard let function = instance.exports[function: name] else {
                throw Failure(
                    isAgentError: false, message: "the JS runtime exports no \(name); rebuild it from guest/js/runtime")
            }
            let results = try function.invoke(arguments.map { .i32($0) })
            switch results.first {
            case .i32(let value)?: return Int64(Int32(bitPattern: value))
            case .i64(let value)?: return Int64(bitPattern: value)
            default: return 0
            }
        }

        /// Copies `bytes` into memory from `nanos_alloc` and passes `(pointer, length)` to `body`.
        func withGuestCopy<R>(of bytes: [UInt8], _ body: ([UInt32]) throws -> R) throws -> R {
            let pointer = UInt32(truncatingIfNeeded: try call("nanos_alloc", [UInt32(bytes.count)]))
            guard pointer != 0, Int(pointer) + bytes.count <= memory.byteCount else {
                throw Failure(isAgentError: false, message: "the JS runtime could not allocate \(bytes.count) bytes")
            }
            if !bytes.isEmpty {
                memory.withUnsafeMutableBufferPointer(offset: UInt(pointer), count: bytes.count) { buffer in
                    bytes.withUnsafeBytes { buffer.copyMemory(from: $0) }
                }
            }
            defer { _ = try? call("free", [pointer]) }
            return try body([pointer, UInt32(bytes.count)])
        }

        /// The runtime's output buffer: bytecode after a compile, the error text after a failure.
        func output() throws -> [UInt8] {
            let packed = UInt64(bitPattern: try call("nanos_js_output"))
            let pointer = UInt32(truncatingIfNeeded: packed)
            let length = Int(packed >> 32)
            guard Int(pointer) + length <= memory.byteCount else {
                throw Failure(isAgentError: false, message: "nanos_js_output points outside memory")
            }
            return memory.withUnsafeBufferPointer(offset: UInt(pointer), count: length) { Array($0) }
        }

        func expectSuccess(_ name: String, _ status: Int64, isAgentError: Bool) throws {
            guard status != 0 else { return }
            let text = String(decoding: try output(), as: UTF8.self)
            throw Failure(isAgentError: isAgentError, message: text.isEmpty ? "\(name) failed\(console.suffix)" : text)
        }
    }
}
