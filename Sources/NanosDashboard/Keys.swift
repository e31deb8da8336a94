/// A key the dashboard acts on, from the bytes a terminal sends.
enum Key: Equatable {
    case up, down, pageUp, pageDown, home, end, enter, escape, backspace, interrupt
    case character(Character)

    /// The keys in `bytes` (one read may hold several, or an escape sequence).
    static func parse(_ bytes: [UInt8]) -> [Key] {
        var keys: [Key] = []
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case 0x1B:
                // ESC [ X, ESC O X, ESC [ n ~; a lone ESC is the key itself.
                guard index < bytes.count, bytes[index] == 0x5B || bytes[index] == 0x4F else {
                    keys.append(.escape)
                    continue
                }
                index += 1
                var parameter: [UInt8] = []
                while index < bytes.count, (0x30...0x39).contains(bytes[index]) || bytes[index] == 0x3B {
                    parameter.append(bytes[index])
                    index += 1
                }
                guard index < bytes.count else { break }
                let final = bytes[index]
                index += 1
                switch (final, String(decoding: parameter, as: UTF8.self)) {
                case (0x41, _): keys.append(.up)
                case (0x42, _): keys.append(.down)
                case (0x48, _), (0x7E, "1"), (0x7E, "7"): keys.append(.home)
                case (0x46, _), (0x7E, "4"), (0x7E, "8"): keys.append(.end)
                case (0x7E, "5"): keys.append(.pageUp)
                case (0x7E, "6"): keys.append(.pageDown)
                default: break
                }
            case 0x0D, 0x0A: keys.append(.enter)
            case 0x7F, 0x08: keys.append(.backspace)
            case 0x03: keys.append(.interrupt)
            case 0x20...0x7E: keys.append(.character(Character(Unicode.Scalar(byte))))
            default: break
            }
        }
        return keys
    }
}
