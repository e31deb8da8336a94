import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The terminal the dashboard draws on: raw input, the alternate screen, a hidden cursor,
/// and its size. Whatever happens, the terminal is given back as it was: on a normal
/// exit, on Ctrl-C (which arrives as a key in raw mode), on SIGTERM/SIGHUP, and on a
/// crash signal, whose handler restores it with async-signal-safe calls only and then
/// dies of the same signal.
public final class Terminal: @unchecked Sendable {
    // Sendable: the saved settings are written once, before any signal handler is set,
    // and read only to restore.
    private var saved = termios()
    private(set) var isActive = false

    /// Enter the dashboard's screen; false when stdin or stdout is not a terminal.
    public static var isInteractive: Bool { isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1 }

    public init() {}

    public func start() {
        guard !isActive, tcgetattr(STDIN_FILENO, &saved) == 0 else { return }
        Self.restoreState.saved = saved
        Self.restoreState.armed = true
        installSignalHandlers()
        enterRawMode()
        isActive = true
    }

    /// Back to the terminal as it was: cooked input, the main screen, the cursor shown.
    public func stop() {
        guard isActive else { return }
        isActive = false
        Self.restore()
        Self.restoreState.armed = false
    }

    /// Runs `body` with the terminal as it was (an editor opened from the dashboard), then
    /// takes it again.
    public func suspended<T>(_ body: () throws -> T) rethrows -> T {
        Self.restore()
        defer { enterRawMode() }
        return try body()
    }

    /// Rows and columns; 24×80 when the size cannot be read.
    public var size: (rows: Int, columns: Int) {
        var window = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &window) == 0, window.ws_row > 0, window.ws_col > 0 else {
            return (24, 80)
        }
        return (Int(window.ws_row), Int(window.ws_col))
    }

    public func write(_ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { buffer in
                Glibc.write(STDOUT_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if written <= 0 {
                if errno == EINTR { continue }
                return
            }
            offset += written
        }
    }

    /// Waits up to `milliseconds` for input; the bytes read, empty when none came.
    public func read(timeoutMilliseconds: Int32) -> [UInt8] {
        var descriptor = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, timeoutMilliseconds) > 0 else { return [] }
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = buffer.withUnsafeMutableBytes { Glibc.read(STDIN_FILENO, $0.baseAddress, $0.count) }
        return count > 0 ? Array(buffer[..<count]) : []
    }

    private func enterRawMode() {
        var raw = saved
        raw.c_lflag &= ~tcflag_t(ECHO | ICANON | ISIG | IEXTEN)
        raw.c_iflag &= ~tcflag_t(IXON | ICRNL | BRKINT | INPCK | ISTRIP)
        raw.c_cc.6 = 0  // VMIN: a read returns what is there (input is polled first)
        raw.c_cc.5 = 0  // VTIME
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw)
        write(Self.enterSequence)
    }

    /// Alternate screen, cursor hidden, wrap off.
    static let enterSequence = "\u{1B}[?1049h\u{1B}[?25l\u{1B}[?7l"
    /// Wrap on, cursor shown, main screen, colours reset.
    static let leaveSequence = "\u{1B}[?7h\u{1B}[?25h\u{1B}[?1049l\u{1B}[0m"

    // MARK: Restoring, from anywhere

    /// What a signal handler needs, kept where it can reach it without locks.
    nonisolated(unsafe) private static var restoreState = (saved: termios(), armed: false)
    private static let leaveBytes: [UInt8] = Array(leaveSequence.utf8)

    /// Async-signal-safe: `write` and `tcsetattr` only.
    private static func restore() {
        leaveBytes.withUnsafeBytes { buffer in _ = Glibc.write(STDOUT_FILENO, buffer.baseAddress, buffer.count) }
        var saved = restoreState.saved
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved)
    }

    private func installSignalHandlers() {
        for signalNumber in [SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { signalNumber in
                if Terminal.restoreState.armed {
                    Terminal.restoreState.armed = false
                    Terminal.restore()
                }
                // Die of the same signal, as if there were no handler.
                signal(signalNumber, SIG_DFL)
                raise(signalNumber)
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = Int32(bitPattern: UInt32(SA_RESETHAND))
            sigaction(signalNumber, &action, nil)
        }
    }
}
