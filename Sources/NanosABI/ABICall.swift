/// One host function of the ABI, as the table in ``ABI`` declares it.
///
/// The kernel binds its imports from these entries (types, argument decoding, size caps,
/// group, step name), and the parity test checks docs/abi.md and the SDKs against them.
public struct ABICall: Sendable, Hashable {
    /// The import module: ABI v1 (`nanos`) or the original project's (`env`).
    public enum Module: String, Sendable, Hashable {
        case nanos, env
    }

    /// One parameter as the guest passes it.
    public enum Parameter: Sendable, Hashable {
        /// A (ptr, len) pair of bytes in guest memory, at most `limit` bytes.
        case bytes(String, limit: Int)
        /// An i32.
        case int(String)
        /// A (ptr, cap) pair the host writes the result into.
        case output(String)

        public var name: String {
            switch self {
            case .bytes(let name, _), .int(let name), .output(let name): return name
            }
        }

        /// How many wasm parameters it takes.
        public var width: Int {
            if case .int = self { return 1 }
            return 2
        }
    }

    /// How the result reaches the guest.
    public enum Result: Sendable, Hashable {
        /// i64: `len << 32 | ptr` of a buffer from the guest's `nanos_alloc`, 0 when empty, or -errno.
        case data
        /// i64: the byte count written to the output buffer, or -errno; a buffer too small
        /// gives `-(needed << 8 | E2BIG)`.
        case into
        /// i32: 0 or -errno.
        case status
        /// i32: a handle ≥ 1 or -errno.
        case handle
        /// i32: a count ≥ 0 or -errno.
        case count
        /// i64: a plain value, never negative (the clock).
        case value
        /// The original ABI's i32: bytes copied to the output buffer, the failure's text in band.
        case copied
        /// The original ABI's i32: 1 on success, 0 on failure.
        case flag
    }

    public let module: Module
    /// The import name.
    public let name: String
    /// The step name in the trace, e.g. `fs.read`; the original ABI's calls are `env.NAME`.
    public let step: String
    /// The group `tools:` must grant; nil for calls that expose nothing but the run itself
    /// (its own goal and tools, logging, finishing), which every guest may make.
    public let group: ToolGroup?
    public let parameters: [Parameter]
    public let result: Result
    /// The call whose service answers this one: itself, or for an `_into` form and an
    /// original-ABI call, the ABI v1 call it shares a service with.
    public let serves: String
    /// A short statement of what the call returns, for docs/abi.md.
    public let summary: String
    /// The JS runtime's binding (`__nanos_sys.NAME`), when the JS SDK exposes the call.
    public let jsBinding: String?
    /// Whether the call is one step of the trace (`last_error` reads the last one instead).
    public let isStep: Bool

    public init(
        _ name: String, module: Module = .nanos, step: String, group: ToolGroup?, parameters: [Parameter],
        result: Result, serves: String? = nil, js: String? = nil, isStep: Bool = true, _ summary: String
    ) {
        self.module = module
        self.name = name
        self.step = step
        self.group = group
        self.parameters = parameters
        self.result = result
        self.serves = serves ?? name
        self.summary = summary
        self.jsBinding = js
        self.isStep = isStep
    }

    /// `module.name`, the key imports are looked up by.
    public var key: String { "\(module.rawValue).\(name)" }

    /// The wasm parameter count.
    public var wasmParameterCount: Int { parameters.reduce(0) { $0 + $1.width } }

    /// Whether the result is i64 (else i32).
    public var returnsI64: Bool {
        switch result {
        case .data, .into, .value: return true
        case .status, .handle, .count, .copied, .flag: return false
        }
    }

    /// The signature as docs/abi.md writes it: `(path_ptr i32, path_len i32) -> i64`.
    public var signature: String {
        var names: [String] = []
        for parameter in parameters {
            switch parameter {
            case .bytes(let name, _): names += ["\(name)_ptr i32", "\(name)_len i32"]
            case .int(let name): names.append("\(name) i32")
            case .output(let name): names += ["\(name)_ptr i32", "\(name)_cap i32"]
            }
        }
        return "(\(names.joined(separator: ", "))) -> \(returnsI64 ? "i64" : "i32")"
    }

    /// The `_into` form of a data call: the same arguments and an output buffer.
    func intoForm() -> ABICall {
        ABICall(
            name + "_into", module: module, step: step, group: group, parameters: parameters + [.output("out")],
            result: .into,
            serves: serves, isStep: isStep, "as `\(name)`, written into the guest's buffer")
    }
}
