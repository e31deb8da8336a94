/// Compares two runs step by step, as `replay --verify` and `trace diff` do: the call, its
/// arguments, its outcome (bytes, value, or errno and message), its counters and the fuel
/// the guest burned before it. Timings and cache counters are left out (see `sameCounters`).
public enum TraceComparison {
    /// The first step at which two traces differ, and in what.
    public struct Difference: Sendable, CustomStringConvertible {
        /// 1-based.
        public let step: Int
        /// What differs: `call`, `arguments`, `outcome`, `counters`, `fuel`, or `length`
        /// when one trace ends first.
        public let field: String
        public let left: Step?
        public let right: Step?

        public var description: String {
            func show(_ step: Step?) -> String {
                guard let step else { return "no step (the trace ends)" }
                return "\(step.callDescription) -> \(step.outcomeDescription), fuel \(step.fuelUsed)"
            }
            return "step \(step) differs in its \(field):\n  A: \(show(left))\n  B: \(show(right))"
        }
    }

    public static func firstDifference(_ left: [Step], _ right: [Step]) -> Difference? {
        for index in 0..<max(left.count, right.count) {
            guard index < left.count, index < right.count else {
                return Difference(
                    step: index + 1, field: "length", left: left.indices.contains(index) ? left[index] : nil,
                    right: right.indices.contains(index) ? right[index] : nil)
            }
            let (a, b) = (left[index], right[index])
            let field: String? =
                a.name != b.name
                ? "call"
                : a.args != b.args
                    ? "arguments"
                    : !sameOutcome(a.outcome, b.outcome)
                        ? "outcome"
                        : !sameCounters(a.counters, b.counters) ? "counters" : a.fuelUsed != b.fuelUsed ? "fuel" : nil
            if let field { return Difference(step: index + 1, field: field, left: a, right: b) }
        }
        return nil
    }

    /// Counters other than how the work was done: timings (`…_ms`) and where prompt tokens
    /// came from (`prompt_tokens_cached`, `…_evaluated`, `…_shared`: a KV cache a resumed or
    /// forked process has not warmed yet), which two runs of the same steps may differ in.
    static func sameCounters(_ a: [String: Int64], _ b: [String: Int64]) -> Bool {
        func outcomeCounters(_ counters: [String: Int64]) -> [String: Int64] {
            counters.filter { !$0.key.hasSuffix("_ms") && !$0.key.hasPrefix("prompt_tokens_") }
        }
        return outcomeCounters(a) == outcomeCounters(b)
    }

    public static func sameOutcome(_ a: StepOutcome, _ b: StepOutcome) -> Bool {
        switch (a, b) {
        case (.data(let x), .data(let y)): return x == y
        case (.value(let x), .value(let y)): return x == y
        case (.failure(let x), .failure(let y)): return x.errno == y.errno && x.message == y.message
        default: return false
        }
    }
}

extension Step {
    /// The outcome in a few words: `64 bytes "…"`, `= 5`, or `EPERM: message`.
    public var outcomeDescription: String {
        switch outcome {
        case .data(let bytes):
            let text = String(decoding: bytes.prefix(60), as: UTF8.self)
            return "\(bytes.count) bytes \(text.debugDescription)\(bytes.count > 60 ? "…" : "")"
        case .value(let value): return "= \(value)"
        case .failure(let failure): return "\(failure.errno): \(failure.message)"
        }
    }
}
