import Foundation

/// A throw-away `nats-server` (JetStream on, random port, private store) for one test.
///
/// Starts `nats-server -a 127.0.0.1 -p -1 -js -sd <tmp> --ports_file_dir <tmp> [-c <tmp>/server.conf]`,
/// waits for the ports file to learn the port, and kills the server and removes the directory on
/// `stop()` or `deinit`. For benchmarks and tests: a real server that nothing else shares.
public final class NATSServerProcess: @unchecked Sendable {
    // `@unchecked`: mutable state (`stopped`) is guarded by `lock`; Process is only touched under it.

    /// Server-side authentication to configure.
    public enum Auth: Sendable {
        case none
        case token(String)
        case user(String, password: String)
    }

    public struct StartError: Error, CustomStringConvertible {
        public let description: String
    }

    /// `nats://127.0.0.1:PORT`.
    public let url: String
    public let directory: URL
    private let process: Process
    private let lock = NSLock()
    private var stopped = false

    public init(auth: Auth = .none, startTimeout: Duration = .seconds(10)) throws {
        guard let executable = Self.findExecutable() else {
            throw StartError(description: "nats-server not found in PATH, /usr/sbin or /usr/bin")
        }
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("nats-test-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)

        var arguments = [
            "-a", "127.0.0.1", "-p", "-1", "-js",
            "-sd", directory.appendingPathComponent("jetstream").path,
            "--ports_file_dir", directory.path,
        ]
        if let config = Self.config(for: auth) {
            let configURL = directory.appendingPathComponent("server.conf")
            try config.write(to: configURL, atomically: true, encoding: .utf8)
            arguments += ["-c", configURL.path]
        }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }

        let deadline = ContinuousClock.now + startTimeout
        var port: Int?
        while port == nil, ContinuousClock.now < deadline, process.isRunning {
            port = Self.readPort(directory: directory, pid: process.processIdentifier)
            if port == nil { Thread.sleep(forTimeInterval: 0.02) }
        }
        guard let port else {
            let running = process.isRunning
            if running { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            try? FileManager.default.removeItem(at: directory)
            throw StartError(
                description: running ? "nats-server wrote no ports file in time" : "nats-server exited at start")
        }
        self.url = "nats://127.0.0.1:\(port)"
        self.directory = directory
        self.process = process
    }

    deinit {
        stop()
    }

    /// Kills the server (SIGKILL: nothing in a test store is worth a clean shutdown) and removes its
    /// directory. Idempotent.
    public func stop() {
        lock.lock()
        defer { lock.unlock() }
        guard !stopped else { return }
        stopped = true
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
    }

    private static func config(for auth: Auth) -> String? {
        switch auth {
        case .none: nil
        case .token(let token): "authorization { token: \"\(token)\" }\n"
        case .user(let user, let password): "authorization { user: \"\(user)\", password: \"\(password)\" }\n"
        }
    }

    private static func findExecutable() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let candidates = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/bin"]
        for directory in candidates where !directory.isEmpty {
            let file = directory + "/nats-server"
            if FileManager.default.isExecutableFile(atPath: file) { return file }
        }
        return nil
    }

    /// The ports file is `<exe>_<pid>.ports`, JSON like `{"nats":["nats://127.0.0.1:4222"],...}`.
    private static func readPort(directory: URL, pid: Int32) -> Int? {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path),
            let name = names.first(where: { $0.hasSuffix("_\(pid).ports") }),
            let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let urls = object["nats"] as? [String],
            let first = urls.first,
            let colon = first.lastIndex(of: ":")
        else { return nil }
        return Int(first[first.index(after: colon)...])
    }
}
