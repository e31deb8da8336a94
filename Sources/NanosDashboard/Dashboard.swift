import Foundation
import NanosCore

/// The dashboard: a live table of runs (or a fleet's agents), a run's steps with every
/// byte of the selected one, an event log and sparklines, driven by keys. It shows what
/// its source reports and asks the source to act; it has no logic of its own.
public final class Dashboard {
    enum View: Equatable {
        case table
        case steps(String)
        case help
    }

    private let source: any DashboardSource
    private let terminal = Terminal()
    private let colour: Bool
    private var view = View.table
    private var previous = View.table
    private var selectedRow = 0
    private var selectedStep = 0
    /// In the steps view, the selection follows new steps until the user moves it.
    private var followSteps = true
    private var filter = ""
    private var typingFilter = false
    private var message: String?
    private var tokenSeries: [Double] = []
    private var memorySeries: [Double] = []
    private var lastSample: (at: ContinuousClock.Instant, tokens: Int)?
    private var lastFrame = ""
    /// Redraws made and the CPU time they took on this thread (`--stats`).
    public private(set) var redraws = 0
    public private(set) var drawingSeconds = 0.0
    private let started = ContinuousClock.now

    /// How often the screen is rebuilt; it is written only when it changed.
    static let tick: Int32 = 200

    public init(source: any DashboardSource, colour: Bool) {
        self.source = source
        self.colour = colour
    }

    /// Runs until `q` (or Ctrl-C, or the source's end when `untilFinished`); the terminal
    /// is restored whatever happens.
    public func run() {
        terminal.start()
        defer { terminal.stop() }
        while true {
            let cpuBefore = Self.threadCPUSeconds()
            let size = terminal.size
            let text = frame(rows: size.rows, columns: size.columns).rendered(colour: colour)
            if text != lastFrame {
                terminal.write(text)
                lastFrame = text
                redraws += 1
            }
            drawingSeconds += Self.threadCPUSeconds() - cpuBefore
            for key in Key.parse(terminal.read(timeoutMilliseconds: Self.tick)) where !handle(key) { return }
        }
    }

    /// Seconds it has run, for `--stats`.
    public var elapsedSeconds: Double { started.duration(to: .now).secondsValue }

    /// One plain-text screenful, for a non-terminal.
    public func snapshot(columns: Int = 100) -> String {
        let rows = source.snapshot().rows.count
        return frame(rows: rows + 12, columns: columns).plain()
    }

    // MARK: Keys

    /// Acts on a key; false to quit.
    private func handle(_ key: Key) -> Bool {
        if typingFilter {
            switch key {
            case .enter: typingFilter = false
            case .escape:
                typingFilter = false
                filter = ""
            case .backspace: if !filter.isEmpty { filter.removeLast() }
            case .character(let character): filter.append(character)
            case .interrupt: return false
            default: break
            }
            selectedRow = 0
            return true
        }
        message = nil
        switch key {
        case .interrupt, .character("q"): return false
        case .character("?"):
            if view == .help {
                view = previous
            } else {
                previous = view
                view = .help
            }
        case .escape:
            switch view {
            case .table: filter = ""
            case .steps: view = .table
            case .help: view = previous
            }
        case .up, .character("k"): move(-1)
        case .down, .character("j"): move(1)
        case .pageUp: move(-10)
        case .pageDown: move(10)
        case .home, .character("g"): move(-1_000_000)
        case .end, .character("G"): move(1_000_000)
        case .enter:
            if view == .table, let row = currentRow() {
                view = .steps(row.id)
                selectedStep = 0
                followSteps = true
            }
        case .character("/"):
            if view == .table {
                typingFilter = true
                filter = ""
            }
        case .character("c"):
            if let row = currentRow() { message = source.cancel(row) }
        case .character("f"): forkSelectedStep()
        default: break
        }
        return true
    }

    private func move(_ delta: Int) {
        switch view {
        case .table:
            let count = visibleRows().count
            selectedRow = max(0, min(count - 1, selectedRow + delta))
        case .steps(let id):
            let count = steps(id).count
            selectedStep = max(0, min(count - 1, selectedStep + delta))
            followSteps = selectedStep == count - 1
        case .help: break
        }
    }

    /// The rows the filter lets through (all of the source's when none is given).
    private func visibleRows(_ rows: [DashboardRow]? = nil) -> [DashboardRow] {
        let rows = rows ?? source.snapshot().rows
        guard !filter.isEmpty else { return rows }
        let needle = filter.lowercased()
        return rows.filter {
            $0.name.lowercased().contains(needle) || $0.status.lowercased().contains(needle)
                || $0.id.lowercased().contains(needle)
        }
    }

    /// The row under the selection (the table's, or the one whose steps are shown).
    private func currentRow() -> DashboardRow? {
        switch view {
        case .steps(let id): return source.snapshot().rows.first { $0.id == id }
        default:
            let rows = visibleRows()
            return rows.indices.contains(selectedRow) ? rows[selectedRow] : nil
        }
    }

    private func steps(_ id: String) -> [Step] {
        guard let row = source.snapshot().rows.first(where: { $0.id == id }) else { return [] }
        return source.steps(of: row)
    }

    // MARK: Fork through $EDITOR

    private func forkSelectedStep() {
        guard case .steps(let id) = view, let row = currentRow() else {
            message = "open a run (Enter) and select a step to fork from it"
            return
        }
        let all = steps(id)
        guard all.indices.contains(selectedStep) else { return }
        let step = all[selectedStep]
        let original = Self.editableText(step.outcome)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "nanos-fork-\(row.name)-step\(step.index)-\(UUID().uuidString.prefix(8)).txt"
        ).path
        guard FileManager.default.createFile(atPath: path, contents: Data(original.utf8)) else {
            message = "cannot write \(path)"
            return
        }
        defer { try? FileManager.default.removeItem(atPath: path) }
        let status = terminal.suspended { Self.runEditor(path) }
        lastFrame = ""  // the editor drew over the screen
        guard status == 0, let edited = FileManager.default.contents(atPath: path) else {
            message = "the editor ended with status \(status): nothing forked"
            return
        }
        var text = String(decoding: edited, as: UTF8.self)
        // Editors add a final newline; the answer did not have one.
        if !original.hasSuffix("\n"), text.hasSuffix("\n") { text.removeLast() }
        switch source.fork(row, at: step.index, outcome: Self.outcome(text, like: step.outcome)) {
        case .success(let newID):
            message = "forked \(row.name) at step \(step.index) as \(newID); following it"
            view = .steps(newID)
            selectedStep = 0
            followSteps = true
        case .failure(let error):
            message = "fork failed: \(error)"
        }
    }

    static func editableText(_ outcome: StepOutcome) -> String {
        switch outcome {
        case .data(let bytes): return String(decoding: bytes, as: UTF8.self)
        case .value(let value): return String(value)
        case .failure(let failure): return failure.errno.description
        }
    }

    /// The edited text as an outcome of the same kind: a number for a value, an errno
    /// name for a failure (any other text makes it data).
    static func outcome(_ text: String, like recorded: StepOutcome) -> SyscallOutcome {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        switch recorded {
        case .value:
            if let value = Int64(trimmed) { return .value(value) }
        case .failure:
            if let errno = Errno(name: trimmed) { return .failure(SyscallFailure(errno, "set in the dashboard")) }
        case .data: break
        }
        return .data(Array(text.utf8))
    }

    static func runEditor(_ path: String) -> Int32 {
        let environment = ProcessInfo.processInfo.environment
        let editor = environment["VISUAL"] ?? environment["EDITOR"] ?? "vi"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "\(editor) \"$1\"", "sh", path]
        do {
            try process.run()
        } catch {
            return 127
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    // MARK: Drawing

    private func frame(rows: Int, columns: Int) -> Frame {
        var frame = Frame(rows: rows, columns: columns)
        let snapshot = source.snapshot()
        sample(snapshot.rows)
        switch view {
        case .table: drawTable(&frame, snapshot.rows, snapshot.events)
        case .steps(let id): drawSteps(&frame, id, snapshot.rows)
        case .help: drawHelp(&frame)
        }
        return frame
    }

    /// Tokens per second and memory in use, once a second.
    private func sample(_ rows: [DashboardRow]) {
        let tokens = rows.reduce(0) { $0 + $1.tokens }
        let memory = Double(rows.filter(\.isLive).reduce(0) { $0 + $1.memory })
        guard let last = lastSample else {
            lastSample = (.now, tokens)
            return
        }
        let seconds = last.at.duration(to: .now).secondsValue
        guard seconds >= 1 else { return }
        tokenSeries.append(Double(max(0, tokens - last.tokens)) / seconds)
        memorySeries.append(memory)
        if tokenSeries.count > 240 { tokenSeries.removeFirst() }
        if memorySeries.count > 240 { memorySeries.removeFirst() }
        lastSample = (.now, tokens)
    }

    private func header(_ frame: inout Frame, _ text: String) {
        frame.add([Frame.Span(text: " nanos dashboard · \(text)".cell(frame.columns), style: .reverse)])
    }

    private func footer(_ frame: inout Frame, _ hints: String) {
        while frame.lines.count < frame.rows - 1 { frame.add("") }
        if typingFilter {
            frame.add([Frame.Span(text: " filter: \(filter)█", style: .bold)])
        } else if let message {
            frame.add([Frame.Span(text: " \(message)", style: .yellow)])
        } else {
            frame.add(" \(hints)", .dim)
        }
    }

    private func drawTable(_ frame: inout Frame, _ all: [DashboardRow], _ events: [DashboardEvent]) {
        let rows = visibleRows(all)
        selectedRow = max(0, min(selectedRow, rows.count - 1))
        let live = all.filter(\.isLive).count
        let ok = all.filter { $0.status == "ok" }.count
        header(
            &frame,
            "\(source.title) · \(all.count) runs: \(live) running, \(ok) ok, \(all.count - live - ok) other"
                + (filter.isEmpty ? "" : " · filter \"\(filter)\" (\(rows.count))"))
        let sparkWidth = max(8, min(30, (frame.columns - 50) / 2))
        let tokensNow = tokenSeries.last ?? 0
        let memoryNow = memorySeries.last ?? 0
        frame.add([
            Frame.Span(text: " tokens/s ", style: .dim),
            Frame.Span(text: Sparkline.render(tokenSeries, width: sparkWidth), style: .cyan),
            Frame.Span(text: String(format: " %6.1f   ", tokensNow), style: .plain),
            Frame.Span(text: "memory ", style: .dim),
            Frame.Span(text: Sparkline.render(memorySeries, width: sparkWidth), style: .cyan),
            Frame.Span(text: " " + Self.bytes(Int(memoryNow)), style: .plain),
        ])
        let nameWidth = max(8, frame.columns - 71)
        frame.add(
            "  " + "NAME".cell(nameWidth) + " " + "STATUS".cell(10) + " " + "STEP".cell(5, right: true) + " "
                + "LAST CALL".cell(14) + " " + "TOKENS".cell(7, right: true) + " " + "FUEL".cell(10, right: true)
                + " " + "MEM".cell(8, right: true) + " " + "ELAPSED".cell(8, right: true), .bold)
        let eventLines = min(6, max(2, (frame.rows - 8) / 4))
        let tableHeight = max(1, frame.rows - 4 - (eventLines + 1))
        let first = max(0, min(selectedRow - tableHeight / 2, rows.count - tableHeight))
        for index in first..<min(rows.count, first + tableHeight) {
            let row = rows[index]
            let name = (row.parent != nil ? "↳ " : "") + row.name
            let line =
                "  " + name.cell(nameWidth) + " " + row.status.cell(10) + " " + String(row.steps).cell(5, right: true)
                + " " + row.lastCall.cell(14) + " " + String(row.tokens).cell(7, right: true) + " "
                + String(row.fuel).cell(10, right: true) + " " + Self.bytes(row.memory).cell(8, right: true) + " "
                + String(format: "%.1fs", row.elapsedSeconds).cell(8, right: true)
            if index == selectedRow {
                frame.add([Frame.Span(text: line.cell(frame.columns), style: .reverse)])
            } else {
                frame.add(line, Self.style(row.status))
            }
        }
        if rows.isEmpty { frame.add(filter.isEmpty ? "  no runs yet" : "  no run matches the filter", .dim) }
        while frame.lines.count < frame.rows - eventLines - 2 { frame.add("") }
        frame.add(" events", .bold)
        for event in events.suffix(eventLines) {
            frame.add("  \(event.agent): \(event.text)", Self.style(event.kind))
        }
        footer(&frame, "↑↓/jk move · Enter steps · / filter · c cancel · ? help · q quit")
    }

    private func drawSteps(_ frame: inout Frame, _ id: String, _ rows: [DashboardRow]) {
        guard let row = rows.first(where: { $0.id == id }) else {
            header(&frame, "run \(id)")
            frame.add("  waiting for the run to appear…", .dim)
            footer(&frame, "Esc back · q quit")
            return
        }
        let all = source.steps(of: row)
        if followSteps { selectedStep = max(0, all.count - 1) }
        selectedStep = max(0, min(selectedStep, all.count - 1))
        header(
            &frame,
            "\(row.name) · run \(row.runID ?? row.id) · \(row.status) · \(all.count) steps"
                + (row.parent.map { " · forked from \($0)" } ?? ""))
        let listHeight = max(3, (frame.rows - 3) / 2)
        let first = max(0, min(selectedStep - listHeight / 2, all.count - listHeight))
        for index in first..<min(all.count, first + listHeight) {
            let step = all[index]
            let line =
                "  " + String(step.index).cell(5, right: true) + " " + step.name.cell(16) + " "
                + Self.shortArguments(step).cell(max(10, frame.columns - 46)) + " " + Self.shortOutcome(step.outcome)
            if index == selectedStep {
                frame.add([Frame.Span(text: line.cell(frame.columns), style: .reverse)])
            } else {
                frame.add(line, step.outcome.isSuccess ? .plain : .red)
            }
        }
        if all.isEmpty { frame.add("  no steps yet", .dim) }
        while frame.lines.count < listHeight + 1 { frame.add("") }
        if all.indices.contains(selectedStep) {
            let step = all[selectedStep]
            var counters = [
                "latency \(String(format: "%.3f", Double(step.latencyNanoseconds) / 1e6)) ms",
                "fuel \(step.fuelUsed)", "memory \(Self.bytes(step.memoryBytes))",
            ]
            for key in step.counters.keys.sorted() { counters.append("\(key) \(step.counters[key] ?? 0)") }
            frame.add(" step \(step.index) · \(step.name) · " + counters.joined(separator: " · "), .bold)
            frame.add(" request:", .dim)
            for argument in step.args {
                for line in Self.wrap(Self.text(argument), frame.columns - 4).prefix(4) { frame.add("   " + line) }
            }
            frame.add(" outcome:", .dim)
            let outcome: String
            switch step.outcome {
            case .data(let bytes): outcome = String(decoding: bytes, as: UTF8.self)
            case .value(let value): outcome = String(value)
            case .failure(let failure): outcome = "\(failure.errno): \(failure.message)"
            }
            for line in Self.wrap(outcome, frame.columns - 4).prefix(max(1, frame.rows - frame.lines.count - 1)) {
                frame.add("   " + line, step.outcome.isSuccess ? .plain : .red)
            }
        }
        footer(&frame, "↑↓/jk step · f fork from this step ($EDITOR) · c cancel · Esc back · q quit")
    }

    private func drawHelp(_ frame: inout Frame) {
        header(&frame, "keys")
        for line in [
            "↑ ↓  j k      move; PgUp PgDn, g G (Home End) jump",
            "Enter         open the selected run's steps",
            "Esc           back; in the table, clear the filter",
            "/             filter runs by name, status or id (Enter keeps it, Esc drops it)",
            "f             in a run's steps: fork from the selected step, editing its outcome",
            "              in $EDITOR; the fork starts and is followed",
            "c             cancel the selected run",
            "?             this help",
            "q  Ctrl-C     quit (the terminal is restored)",
            "",
            "The table shows each run's status, step, last call, tokens, fuel, memory and",
            "elapsed time; events list denials, errors and messages between agents; the",
            "sparklines show tokens per second and the live runs' memory.",
        ] {
            frame.add("  " + line)
        }
        footer(&frame, "? or Esc: back")
    }

    // MARK: Formatting

    static func style(_ status: String) -> Frame.Style {
        switch status {
        case "ok": return .green
        case "running", "queued": return .plain
        case "denied", "failed", "trap", "lost", "refused": return .red
        default: return .yellow
        }
    }

    static func style(_ kind: DashboardEvent.Kind) -> Frame.Style {
        switch kind {
        case .denied, .error: return .red
        case .message: return .cyan
        case .info: return .dim
        }
    }

    static func bytes(_ count: Int) -> String {
        if count < 1024 { return "\(count) B" }
        if count < 1 << 20 { return String(format: "%.0f KiB", Double(count) / 1024) }
        return String(format: "%.1f MiB", Double(count) / 1_048_576)
    }

    static func text(_ value: StepValue) -> String {
        switch value {
        case .int(let number): return String(number)
        case .bytes(let bytes): return String(decoding: bytes, as: UTF8.self)
        }
    }

    static func shortArguments(_ step: Step) -> String {
        step.args.map { text($0).replacingOccurrences(of: "\n", with: "⏎") }.joined(separator: " ")
    }

    static func shortOutcome(_ outcome: StepOutcome) -> String {
        switch outcome {
        case .data(let bytes): return "ok \(bytes.count) B"
        case .value: return "ok"
        case .failure(let failure): return failure.errno.description
        }
    }

    /// `text` broken into lines of at most `width` characters, at line breaks first.
    static func wrap(_ text: String, _ width: Int) -> [String] {
        var lines: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var rest = Substring(paragraph)
            repeat {
                lines.append(String(rest.prefix(max(1, width))))
                rest = rest.dropFirst(max(1, width))
            } while !rest.isEmpty
            if lines.count > 400 { break }
        }
        return lines
    }

    static func threadCPUSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
