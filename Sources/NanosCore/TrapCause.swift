@_spi(Fuzzing) import WasmKit

/// Why the guest stopped with an error that is not one of the kernel's own
/// ``RunTermination``s, as the run's status needs it.
enum TrapCause: Equatable {
    case outOfFuel
    case callStackExhausted
    /// Any other trap, with its reason (never its backtrace: host addresses, and one
    /// line per frame, megabytes after deep recursion).
    case other(String)
    /// Not a trap: the engine refused to start the guest.
    case notATrap(String)

    /// WasmKit keeps a trap's reason (an enum) out of its public API, so this is the one
    /// place that reads it, by reflection, and maps its two cases that have a status of
    /// their own.
    init(_ error: any Error) {
        guard let trap = error as? Trap else {
            self = .notATrap(String(describing: error))
            return
        }
        guard let reason = Mirror(reflecting: trap).descendant("reason") else {
            self = .other("the guest trapped")
            return
        }
        let text = String(describing: reason)
        switch text {
        case TrapCause.outOfFuelReason: self = .outOfFuel
        case TrapCause.callStackExhaustedReason: self = .callStackExhausted
        default: self = .other(text)
        }
    }

    /// WasmKit 0.4.2's descriptions of the two reasons.
    static let outOfFuelReason = "out of fuel"
    static let callStackExhaustedReason = "call stack exhausted"

    /// What a trap says, without its backtrace.
    static func reason(_ error: any Error) -> String {
        switch TrapCause(error) {
        case .outOfFuel: return outOfFuelReason
        case .callStackExhausted: return callStackExhaustedReason
        case .other(let text), .notATrap(let text): return text
        }
    }
}
