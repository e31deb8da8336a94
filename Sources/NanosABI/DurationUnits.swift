/// The one conversion of a `Duration` into plain numbers, for every module.
extension Duration {
    /// Whole nanoseconds, saturating at the ends of `Int64` (a deadline a century away
    /// must not trap).
    public var nanosecondCount: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        let (sum, overflowed) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000)
        if overflowed { return seconds < 0 ? .min : .max }
        return sum
    }

    /// Seconds as a floating-point number.
    public var secondsValue: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }

    /// Milliseconds as a floating-point number.
    public var millisecondsValue: Double { secondsValue * 1000 }
}
