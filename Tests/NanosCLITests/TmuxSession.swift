import Foundation

/// A command running in a tmux pane of its own (a private tmux server), driven by keys and
/// read back as the screen shows it: how a person sees a terminal program.
final class TmuxSession {
    let socket = "nanos-test-\(UUID().uuidString.prefix(8))"
    let name = "dashboard"

    /// Starts `command` (run by `sh -c`) in a `columns`×`rows` pane in `directory`.
    init(_ command: String, columns: Int = 80, rows: Int = 24, directory: String, environment: [String: String] = [:])
        throws
    {
        // A crash must end the pane's program, not wait at the backtracer's prompt.
        var exports = "export TERM=xterm-256color SWIFT_BACKTRACE=enable=yes,interactive=no"
        for (key, value) in environment.sorted(by: { $0.key < $1.key }) { exports += "; export \(key)='\(value)'" }
        try tmux([
            "new-session", "-d", "-s", name, "-x", String(columns), "-y", String(rows), "-c", directory,
            "\(exports); \(command)",
        ])
    }

    deinit {
        _ = try? tmux(["kill-server"])
    }

    /// Runs a tmux command and waits for that process alone. (Foundation's `Process` waits
    /// until every process that inherited its watch descriptor is gone, and the first
    /// command starts the tmux server, which lives on.) Output goes through a file.
    @discardableResult
    private func tmux(_ arguments: [String]) throws -> String {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("tmux-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let argv = (["tmux", "-L", socket] + arguments).map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, "tmux", &actions, nil, argv, environ)
        guard rc == 0 else { throw NodeFailure(message: "cannot start tmux: \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1, errno == EINTR {}
        return (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
    }

    /// The pane's text as shown; with `escapes`, with its colour and style sequences.
    func screen(escapes: Bool = false) -> String {
        (try? tmux(["capture-pane", "-p", "-t", name] + (escapes ? ["-e"] : []))) ?? ""
    }

    /// Sends keys as tmux names them: "j", "Enter", "Escape", "Up", "C-c".
    func send(_ keys: String...) {
        _ = try? tmux(["send-keys", "-t", name] + keys)
    }

    func resize(columns: Int, rows: Int) {
        _ = try? tmux(["resize-window", "-t", name, "-x", String(columns), "-y", String(rows)])
    }

    /// Waits until the screen satisfies `check`; false after `seconds`.
    func waitUntil(seconds: Double = 30, _ check: (String) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if check(screen()) { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return check(screen())
    }

    func waitFor(_ text: String, seconds: Double = 30) -> Bool {
        waitUntil(seconds: seconds) { $0.contains(text) }
    }
}
