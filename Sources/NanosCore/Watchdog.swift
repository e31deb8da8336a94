import Dispatch
import Synchronization
@_spi(Fuzzing) import WasmKit

/// Enforces the wall-clock deadline while the guest computes.
///
/// WasmKit has no cross-thread interrupt, but it re-reads the store's fuel cell at every
/// metered region: zeroing it from a timer stops the guest at its next region, and the
/// kernel then reports `timeout` instead of `out_of_fuel`. The interpreter's own
/// read-modify-write of that cell can overwrite the zero, so once the deadline has passed
/// the timer zeroes it again every millisecond until the run ends. Syscalls check the
/// deadline themselves, so a guest blocked in the host is covered too.
final class Watchdog: Sendable {
    private struct State: @unchecked Sendable {
        // @unchecked: `store` is touched off its thread only under the mutex, and only to
        // write the fuel word, which the interpreter reads as a plain integer.
        var store: Store?
        var didFire = false
        /// Fuel left when the deadline first passed, so the report shows what was really burnt.
        var fuelAtDeadline: UInt64?
        /// The pending timer, cancelled on disarm so finished runs leave nothing queued.
        var pending: DispatchWorkItem?
    }

    private let state: Mutex<State>
    private static let queue = DispatchQueue(label: "nanos.watchdog")

    init(store: Store, deadline: ContinuousClock.Instant) {
        state = Mutex(State(store: store))
        let delay = max(0, ContinuousClock.now.duration(to: deadline).nanosecondCount)
        schedule(after: .nanoseconds(Int(clamping: delay)))
    }

    private func schedule(after delay: DispatchTimeInterval) {
        let item = DispatchWorkItem { [weak self] in self?.fire() }
        state.withLock { $0.pending = item }
        Watchdog.queue.asyncAfter(deadline: .now() + delay, execute: item)
    }

    var fired: Bool { state.withLock { $0.didFire } }

    /// Stops the guest now, as if the deadline had passed (a cancelled run).
    func expire() { fire() }
    var remainingFuelAtDeadline: UInt64? { state.withLock { $0.fuelAtDeadline } }

    private func fire() {
        let armed = state.withLock { state in
            guard let store = state.store else { return false }
            if !state.didFire { state.fuelAtDeadline = store.fuel?.remaining }
            state.didFire = true
            store.fuel = Fuel(remaining: 0)
            return true
        }
        if armed { schedule(after: .milliseconds(1)) }
    }

    func disarm() {
        state.withLock { state in
            state.store = nil
            state.pending?.cancel()
            state.pending = nil
        }
    }
}
