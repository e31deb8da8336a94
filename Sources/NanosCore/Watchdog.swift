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
final class Watchdog: @unchecked Sendable {
    // @unchecked: `store` is touched off its thread only under `lock`, and only to
    // write the fuel word, which the interpreter reads as a plain integer.
    private let lock = NSLock()
    private var store: Store?
    private var didFire = false
    /// Fuel left when the deadline first passed, so the report shows what was really burnt.
    private var fuelAtDeadline: UInt64?
    private static let queue = DispatchQueue(label: "nanos.watchdog")

    init(store: Store, deadline: ContinuousClock.Instant) {
        self.store = store
        let delay = max(0, ContinuousClock.now.duration(to: deadline).nanoseconds)
        schedule(after: .nanoseconds(Int(clamping: delay)))
    }

    /// The pending timer, cancelled on disarm so finished runs leave nothing queued.
    private var pending: DispatchWorkItem?

    private func schedule(after delay: DispatchTimeInterval) {
        let item = DispatchWorkItem { [weak self] in self?.fire() }
        lock.withLock { pending = item }
        Watchdog.queue.asyncAfter(deadline: .now() + delay, execute: item)
    }

    var fired: Bool { lock.withLock { didFire } }
    var remainingFuelAtDeadline: UInt64? { lock.withLock { fuelAtDeadline } }

    private func fire() {
        let armed = lock.withLock {
            guard let store else { return false }
            if !didFire { fuelAtDeadline = store.fuel?.remaining }
            didFire = true
            store.fuel = Fuel(remaining: 0)
            return true
        }
        if armed { schedule(after: .milliseconds(1)) }
    }

    func disarm() {
        lock.withLock {
            store = nil
            pending?.cancel()
            pending = nil
        }
    }
}
