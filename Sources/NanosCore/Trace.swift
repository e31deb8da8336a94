import Foundation
@_exported import NanosJSON

/// One argument of a syscall as the guest passed it.
public enum StepValue: Sendable, Equatable {
    case bytes([UInt8])
    case int(Int64)
}

/// What a syscall gave back.
public enum StepOutcome: Sendable {
    /// Bytes placed in guest memory (or an empty result).
    case data([UInt8])
    /// A plain number (clock.now) or a success code with nothing attached.
    case value(Int64)
    /// Boxed: a failure is rare, and inline it would more than double every step's size.
    indirect case failure(SyscallFailure)

    public var isSuccess: Bool {
        if case .failure = self { return false }
        return true
    }

    public var failure: SyscallFailure? {
        if case .failure(let failure) = self { return failure }
        return nil
    }
}

/// One syscall. A step holds every byte that crossed the sandbox boundary, so a run can
/// be replayed exactly by feeding the recorded outcomes back in order.
public struct Step: Sendable {
    /// 1-based position in the run.
    public var index: Int
    /// Dotted name, e.g. `fs.read`, or `env.fs_read` for the original ABI.
    public var name: String
    public var args: [StepValue]
    public var outcome: StepOutcome
    public var latencyNanoseconds: UInt64
    /// Fuel the guest burned between the previous step and this one.
    public var fuelUsed: UInt64
    /// The guest's linear memory size when the call was made.
    public var memoryBytes: Int
    /// Service-specific counters, such as prompt and generated tokens for `llm.infer`.
    public var counters: [String: Int64]
    /// Lines a service process wrote on the side while serving the step, such as an MCP
    /// server's stderr since the previous request to it.
    public var serviceLog: [String]

    public init(
        index: Int, name: String, args: [StepValue], outcome: StepOutcome,
        latencyNanoseconds: UInt64, fuelUsed: UInt64, memoryBytes: Int, counters: [String: Int64] = [:],
        serviceLog: [String] = []
    ) {
        self.index = index
        self.name = name
        self.args = args
        self.outcome = outcome
        self.latencyNanoseconds = latencyNanoseconds
        self.fuelUsed = fuelUsed
        self.memoryBytes = memoryBytes
        self.counters = counters
        self.serviceLog = serviceLog
    }
}

// MARK: - JSON

extension Step {
    /// The step as one JSON object (one line of a `--trace` file).
    ///
    /// Bytes that are valid UTF-8 are written as JSON strings; anything else as
    /// `{"base64": "…"}`, so no byte is lost. With `includePayloads: false` (the run
    /// report) arguments are cut to their first 200 bytes and results are left out.
    public func jsonObject(includePayloads: Bool = true) -> JSONValue {
        var object: [(String, JSONValue)] = [
            ("index", .int(Int64(index))),
            ("name", .string(name)),
            ("args", .array(args.map { includePayloads ? $0.json : $0.preview })),
        ]
        switch outcome {
        case .data(let bytes):
            object.append(("ok", .bool(true)))
            if includePayloads { object.append(("result", JSONValue.bytes(bytes))) }
            object.append(("result_bytes", .int(Int64(bytes.count))))
        case .value(let value):
            object.append(("ok", .bool(true)))
            object.append(("result", .int(value)))
        case .failure(let failure):
            object.append(("ok", .bool(false)))
            object.append(("errno", .string(failure.errno.description)))
            object.append(("error", .string(failure.message)))
            if let rule = failure.rule { object.append(("rule", .string(rule))) }
        }
        object.append(("latency_ns", .int(Int64(clamping: latencyNanoseconds))))
        object.append(("fuel", .int(Int64(clamping: fuelUsed))))
        object.append(("memory", .int(Int64(memoryBytes))))
        if !counters.isEmpty {
            object.append(("counters", .object(counters.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) })))
        }
        if !serviceLog.isEmpty { object.append(("service_log", .array(serviceLog.map(JSONValue.string)))) }
        return .object(object)
    }
}

extension StepValue {
    var json: JSONValue {
        switch self {
        case .bytes(let bytes): return JSONValue.bytes(bytes)
        case .int(let value): return .int(value)
        }
    }

    /// At most 200 bytes, cut on a character boundary, with "…" when cut.
    var preview: JSONValue {
        guard case .bytes(let bytes) = self, bytes.count > 200 else { return json }
        let text = String(decoding: bytes.prefix(200), as: UTF8.self)
        return .string(String(text.dropLast(text.hasSuffix("\u{FFFD}") ? 1 : 0)) + "…")
    }
}

extension Step {
    /// Whether this step repeats `other`: the same call with the same arguments, and the
    /// same kind of outcome (success, or the same errno). Results may differ (clock.now).
    public func repeats(_ other: Step) -> Bool {
        guard name == other.name, args == other.args else { return false }
        switch (outcome, other.outcome) {
        case (.failure(let mine), .failure(let theirs)): return mine.errno == theirs.errno
        case (.failure, _), (_, .failure): return false
        default: return true
        }
    }
}
