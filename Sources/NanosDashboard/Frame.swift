/// One screenful of text, line by line, with a style per span; turned into ANSI in one
/// write. Text from guests and runs is shown, never obeyed: control characters become
/// visible before they reach a line.
struct Frame {
    enum Style: String {
        case plain = "0", bold = "1", dim = "2", reverse = "7", red = "31", green = "32", yellow = "33", cyan = "36"
    }

    struct Span {
        var text: String
        var style: Style
    }

    let rows: Int
    let columns: Int
    private(set) var lines: [[Span]] = []

    init(rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
    }

    var isFull: Bool { lines.count >= rows }

    mutating func add(_ spans: [Span]) {
        guard !isFull else { return }
        lines.append(spans)
    }

    mutating func add(_ text: String, _ style: Style = .plain) {
        add([Span(text: text, style: style)])
    }

    /// The frame as terminal output: each line cut to the width and cleared to its end,
    /// unused rows cleared. `colour` false (NO_COLOR) keeps only reverse video, which
    /// marks the selection.
    func rendered(colour: Bool) -> String {
        var out = "\u{1B}[H"
        for row in 0..<rows {
            var width = 0
            if row < lines.count {
                for span in lines[row] where width < columns {
                    let text = Self.fit(span.text, columns - width)
                    width += text.count
                    let style = colour || span.style == .reverse ? span.style : .plain
                    out += style == .plain ? text : "\u{1B}[\(style.rawValue)m\(text)\u{1B}[0m"
                }
            }
            // With wrapping off the cursor stays on the last column of a full line, where
            // erasing to the end of the line would erase that column's character.
            if width < columns { out += "\u{1B}[K" }
            if row < rows - 1 { out += "\r\n" }
        }
        return out
    }

    /// The frame as plain text (a snapshot for a non-terminal), without trailing blanks.
    func plain() -> String {
        lines.map { spans in
            String(spans.map(\.text).joined().prefix(columns)).replacingOccurrences(
                of: "\\s+$", with: "", options: .regularExpression)
        }.joined(separator: "\n")
    }

    /// `text` made safe to show and cut to `width` characters.
    static func fit(_ text: String, _ width: Int) -> String {
        guard width > 0 else { return "" }
        var out = ""
        var count = 0
        for character in text {
            guard count < width else { break }
            let shown: Character =
                character.unicodeScalars.allSatisfy({
                    $0.value >= 0x20 && $0.value != 0x7F && !(0x80..<0xA0).contains($0.value)
                })
                ? character : "·"
            out.append(shown)
            count += 1
        }
        return out
    }
}

extension String {
    /// Padded with spaces (or cut) to exactly `width` characters.
    func cell(_ width: Int, right: Bool = false) -> String {
        let text = Frame.fit(self, width)
        let padding = String(repeating: " ", count: max(0, width - text.count))
        return right ? padding + text : text + padding
    }
}

/// A row of block characters for a series of values, scaled to its own maximum.
enum Sparkline {
    static let blocks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    static func render(_ values: [Double], width: Int) -> String {
        let shown = values.suffix(max(0, width))
        guard let top = shown.max(), top > 0 else { return String(repeating: "▁", count: shown.count) }
        return String(shown.map { blocks[min(blocks.count - 1, Int(($0 / top) * Double(blocks.count - 1) + 0.5))] })
    }
}
