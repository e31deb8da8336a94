import NanosManifest

/// The limits one run has, with the kernel's defaults filled in where the manifest is
/// silent. Every limit a run is held to is here, and the report shows them.
public struct RunLimits: Sendable, Equatable {
    /// Wall-clock limit when `resources.timeout` is absent. With the default fuel it ends a
    /// runaway guest within a minute; agents that wait on a model set their own.
    public static let defaultTimeout = Duration.seconds(60)
    /// Fuel when `resources.fuel` is absent: about 40 seconds of a tight wasm loop on a
    /// 2-core x86 VM (measured: 5.3e8 fuel/s), so a guest that computes forever ends within
    /// the default timeout on fuel alone too.
    public static let defaultFuel: UInt64 = 20_000_000_000
    /// The same for JS agents, whose interpreter burns fuel about 4,000 times as fast per
    /// second (measured: 2e12 fuel/s in a QuickJS loop): about 50 seconds of JS.
    public static let defaultJSFuel: UInt64 = 100_000_000_000_000
    public static let defaultStackBytes = 1 << 20
    /// The bytes of arguments, results, messages and step records a trace may hold: a
    /// guest decides how much each step records.
    public static let defaultTraceBytes = 256 << 20
    /// The bytes of log messages a run may emit.
    public static let defaultLogBytes = 1 << 20

    public var memoryBytes: Int
    public var maxSteps: Int
    public var fuel: UInt64
    public var timeout: Duration
    public var stackBytes: Int
    public var traceBytes: Int
    public var logBytes: Int
    /// `resources.tokens`: model tokens (prompt plus generated) for the whole run; nil is no cap.
    public var tokens: Int?
    /// Which of them came from the kernel's defaults rather than the manifest.
    public var defaulted: Set<String> = []

    /// `preferredStackBytes`: what the module asks for (a JS agent's `nanos.js` section)
    /// when the manifest sets no stack; `jsAgent`: whether the guest is a JS agent.
    public init(_ resources: Resources, preferredStackBytes: Int? = nil, jsAgent: Bool = false) {
        memoryBytes = resources.memoryBytes
        maxSteps = resources.maxSteps
        fuel = resources.fuel ?? (jsAgent ? Self.defaultJSFuel : Self.defaultFuel)
        timeout = resources.timeout ?? Self.defaultTimeout
        stackBytes = resources.stackBytes ?? preferredStackBytes ?? Self.defaultStackBytes
        traceBytes = resources.traceBytes ?? Self.defaultTraceBytes
        logBytes = resources.logBytes ?? Self.defaultLogBytes
        tokens = resources.tokens
        if resources.fuel == nil { defaulted.insert("fuel") }
        if resources.timeout == nil { defaulted.insert("timeout") }
        if resources.stackBytes == nil { defaulted.insert(preferredStackBytes == nil ? "stack" : "stack (module)") }
        if resources.traceBytes == nil { defaulted.insert("trace") }
        if resources.logBytes == nil { defaulted.insert("logs") }
    }

    var timeoutMilliseconds: Int64 { timeout.nanosecondCount / 1_000_000 }

    /// As the report's `limits` object; `defaulted` lists the fields the kernel chose.
    public func json() -> JSONValue {
        .object([
            ("memory", .int(Int64(memoryBytes))),
            ("max_steps", .int(Int64(maxSteps))),
            ("fuel", .int(Int64(clamping: fuel))),
            ("timeout_ms", .int(timeoutMilliseconds)),
            ("stack", .int(Int64(stackBytes))),
            ("trace", .int(Int64(traceBytes))),
            ("logs", .int(Int64(logBytes))),
            ("tokens", tokens.map { .int(Int64($0)) } ?? .null),
            ("defaulted", .array(defaulted.sorted().map(JSONValue.string))),
        ])
    }
}
