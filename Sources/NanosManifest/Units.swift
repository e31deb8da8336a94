import Foundation

/// Bytes in `text`: a number with an optional unit, like `512MB`, `1.5GB`, `4gb`,
/// `64KiB`, `100B` or `1048576`. KB/MB/GB/TB and KiB/MiB/GiB/TiB (and K/M/G/T) are
/// all powers of 1024, since memory is what they measure. Units ignore case, a
/// decimal point is allowed, a bare number is bytes. Nil when the text is not a
/// size or does not fit in an `Int`.
public func parseSize(_ text: String) -> Int? {
    guard let quantity = Quantity(text) else { return nil }
    let bytesPerUnit: Int
    switch quantity.unit.lowercased() {
    case "", "b": bytesPerUnit = 1
    case "k", "kb", "kib": bytesPerUnit = 1 << 10
    case "m", "mb", "mib": bytesPerUnit = 1 << 20
    case "g", "gb", "gib": bytesPerUnit = 1 << 30
    case "t", "tb", "tib": bytesPerUnit = 1 << 40
    default: return nil
    }
    return quantity.scaled(by: bytesPerUnit)
}

/// The length of time in `text`: a number with an optional unit, like `30s`,
/// `500ms`, `1.5s`, `2m`, `1h`, `250us` or `10ns`. A bare number is seconds.
/// Nil when the text is not a duration or is too long to represent.
public func parseDuration(_ text: String) -> Duration? {
    guard let quantity = Quantity(text) else { return nil }
    let nanosecondsPerUnit: Int
    switch quantity.unit.lowercased() {
    case "ns": nanosecondsPerUnit = 1
    case "us", "µs": nanosecondsPerUnit = 1_000
    case "ms": nanosecondsPerUnit = 1_000_000
    case "", "s": nanosecondsPerUnit = 1_000_000_000
    case "m", "min": nanosecondsPerUnit = 60_000_000_000
    case "h": nanosecondsPerUnit = 3_600_000_000_000
    default: return nil
    }
    guard let nanoseconds = quantity.scaled(by: nanosecondsPerUnit) else { return nil }
    return .nanoseconds(nanoseconds)
}

/// A non-negative decimal number followed by a unit word, as written in a manifest.
/// The whole and fractional parts are kept apart so whole quantities scale exactly.
private struct Quantity {
    var whole: Int
    var fractionDigits: Substring
    var unit: Substring

    init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let wholeDigits = trimmed.prefix(while: \.isASCIIDigit)
        var rest = trimmed.dropFirst(wholeDigits.count)
        fractionDigits = ""
        if rest.first == "." {
            fractionDigits = rest.dropFirst().prefix(while: \.isASCIIDigit)
            rest = rest.dropFirst(1 + fractionDigits.count)
            guard !fractionDigits.isEmpty else { return nil }
        }
        guard !wholeDigits.isEmpty || !fractionDigits.isEmpty, let whole = Int(wholeDigits.isEmpty ? "0" : wholeDigits)
        else { return nil }
        self.whole = whole
        unit = rest.drop(while: { $0 == " " })
        guard unit.allSatisfy(\.isLetter) else { return nil }
    }

    /// The quantity times `multiplier`, rounded to a whole number; nil on overflow.
    func scaled(by multiplier: Int) -> Int? {
        let (wholePart, overflow) = whole.multipliedReportingOverflow(by: multiplier)
        guard !overflow else { return nil }
        guard !fractionDigits.isEmpty, let fraction = Double("0." + fractionDigits) else { return wholePart }
        let (total, sumOverflow) = wholePart.addingReportingOverflow(Int((fraction * Double(multiplier)).rounded()))
        return sumOverflow ? nil : total
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
