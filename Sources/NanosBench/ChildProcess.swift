import Foundation

/// A `nanos` command run as a process of its own, its output dropped, for the figures
/// only a separate process gives: its peak RSS (`wait4`) and its wall time.
enum ChildProcess {
    /// Starts `/proc/self/exe ARGUMENTS`.
    static func start(_ arguments: [String]) throws -> pid_t {
        let executable = "/proc/self/exe"
        var pid: pid_t = 0
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let rc = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard rc == 0 else {
            throw BenchError.setup("cannot start nanos \(arguments.first ?? ""): \(String(cString: strerror(rc)))")
        }
        return pid
    }

    /// Waits for it: its exit status and peak RSS in bytes.
    static func wait(_ pid: pid_t) -> (status: Int32, peakRSSBytes: Int) {
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) == -1, errno == EINTR {}
        return (status, usage.ru_maxrss * 1024)
    }
}
