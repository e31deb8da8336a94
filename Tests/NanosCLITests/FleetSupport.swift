import Foundation
import Testing

/// A `nanos node` process, its output collected as it runs; killed when dropped.
final class NodeProcess: @unchecked Sendable {
    let process = Process()
    let name: String
    private let output = OutputBox()

    /// Starts `nanos node --nats URL --name NAME --db DB ARGS` in `folder`.
    init(name: String, nats: String, folder: String, db: String, _ extra: [String] = []) throws {
        self.name = name
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = ["node", "--nats", nats, "--name", name, "--db", db] + extra
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let box = output
        let handle = pipe.fileHandleForReading
        DispatchQueue.global().async {
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                box.append(chunk)
            }
        }
    }

    deinit {
        if process.isRunning {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    var text: String { output.text }

    /// Waits until the node's output contains `needle`; false after `seconds`.
    func waitFor(_ needle: String, seconds: Double = 60) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if text.contains(needle) { return true }
            if !process.isRunning { return text.contains(needle) }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return false
    }

    func waitForExit(seconds: Double = 30) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        return process.isRunning ? nil : process.terminationStatus
    }

    func signal(_ signal: Int32) {
        Foundation.kill(process.processIdentifier, signal)
        process.waitUntilExit()
    }
}

final class OutputBox: @unchecked Sendable {
    // @unchecked: `data` is guarded by `lock`.
    private let lock = NSLock()
    private var data = Data()

    func append(_ chunk: Data) { lock.withLock { data.append(chunk) } }
    var text: String { lock.withLock { String(decoding: data, as: UTF8.self) } }
}

/// Runs `nanos ARGS` in the background; the result comes when it ends.
final class BackgroundCLI: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var result: Result<CLI.Result, any Error>?

    init(_ arguments: [String], in folder: String) {
        DispatchQueue.global().async { [self] in
            result = Result { try CLI.run(arguments, in: folder) }
            done.signal()
        }
    }

    func wait(seconds: Double = 120) throws -> CLI.Result {
        guard done.wait(timeout: .now() + seconds) == .success, let result else {
            throw NodeFailure(message: "the command did not end within \(seconds) s")
        }
        return try result.get()
    }
}

struct NodeFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

enum FleetFixture {
    /// The ring agent, compiled once by `make examples`.
    static var ringModule: String { CLI.repositoryRoot + "/examples/build/fleet_ring.wasm" }

    /// A ring fleet manifest of `agents` agents, `rounds` messages each; `llm` makes every
    /// message carry a model answer (and the run long enough to kill a node in it).
    static func ring(_ agents: [String], rounds: Int, llm: Bool, extra: String = "") -> String {
        var text = """
            name: ring
            binary: \(ringModule)
            model: {provider: local, context_window: 512}
            resources: {memory: 4MB, max_steps: 1000, timeout: 120s}
            permissions: {}
            tools: [llm, agent_send, agent_recv]
            \(extra)
            agents:

            """
        for (index, agent) in agents.enumerated() {
            let next = agents[(index + 1) % agents.count]
            text += "  - name: \(agent)\n    goal: rounds=\(rounds) next=\(next) llm=\(llm ? 1 : 0)\n"
        }
        return text
    }

    /// The agents of an `orchestrate --json` report, by name.
    static func agents(_ report: [String: Any]) -> [String: [String: Any]] {
        var byName: [String: [String: Any]] = [:]
        for agent in report["agents"] as? [[String: Any]] ?? [] {
            if let name = agent["name"] as? String { byName[name] = agent }
        }
        return byName
    }
}
