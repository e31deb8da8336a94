import Foundation
import NanosCore
import NanosTestSupport

extension AgentFixture {
    /// Runs `wat` through the core with the test services below.
    func run(wat: String, manifest text: String) throws -> (report: RunReport, log: [String]) {
        try run(wat: wat, manifest: text, services: TestServices.standard)
    }
}

/// Services for core tests: no sandboxing of their own (the core's policy still applies),
/// just enough to drive the run loop.
enum TestServices {
    static let standard: ServiceFactory = { context in [Files(directory: context.manifest.directory), Clock()] }

    /// `fs_read` of a file in the agent's folder.
    final class Files: Service {
        let directory: String
        init(directory: String) { self.directory = directory }

        var handlers: [String: SyscallHandler] {
            [
                "fs_read": { [directory] arguments in
                    let path = directory + "/" + String(decoding: arguments.bytes(0), as: UTF8.self)
                    guard let data = FileManager.default.contents(atPath: path) else {
                        return .failure(SyscallFailure(.ENOENT, "no such file"))
                    }
                    return .data(Array(data))
                }
            ]
        }
    }

    /// `clock_now`, counting up from 1.
    final class Clock: Service {
        private var now: Int64 = 0
        var handlers: [String: SyscallHandler] {
            [
                "clock_now": { _ in
                    self.now += 1
                    return .value(self.now)
                }
            ]
        }
    }

    /// Answers `name` with `outcome`, whatever the arguments.
    final class Fixed: Service {
        let name: String
        let outcome: SyscallOutcome
        init(_ name: String, _ outcome: SyscallOutcome) {
            self.name = name
            self.outcome = outcome
        }
        var handlers: [String: SyscallHandler] { [name: { [outcome] _ in outcome }] }
    }
}
