import Foundation
import NanosCore

/// The clock service: `clock_now` (and WASI's `clock_time_get`, which the core routes here).
final class ClockService: Service {
    var handlers: [String: SyscallHandler] {
        ["clock_now": { _ in .value(wallClockNanoseconds()) }]
    }
}

/// Unix time in nanoseconds, exact (a Double-based `Date` would round to 256 ns).
@inline(__always)
func wallClockNanoseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
}
