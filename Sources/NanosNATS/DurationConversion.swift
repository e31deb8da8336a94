extension Duration {
    /// Whole milliseconds, saturating at `Int64.max`, never negative (libnats timeouts are `int64_t` ms).
    var natsMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        if overflow { return Int64.max }
        return scaled &+ attoseconds / 1_000_000_000_000_000
    }

    /// Like `natsMilliseconds` but at least 1: libnats rejects zero timeouts with `NATS_INVALID_TIMEOUT`.
    var natsTimeoutMilliseconds: Int64 { Swift.max(1, natsMilliseconds) }

    /// Whole nanoseconds, saturating, never negative (JetStream durations on the wire are nanoseconds).
    var natsNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return Int64.max }
        let (sum, overflow2) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000)
        return overflow2 ? Int64.max : sum
    }
}
