import Foundation
import NanosKernel
import NanosManifest
import NanosTestSupport

extension AgentFixture {
    /// Runs `wat` through the real kernel (every standard service), collecting the agent's log lines.
    func run(wat: String, manifest text: String) throws -> (report: RunReport, log: [String]) {
        let log = LogCollector()
        let image = try Kernel.loadImage(bytes: Array(wat.utf8), source: "guest.wat")
        let report = Kernel.run(
            manifest: try manifest(text), image: image, options: RunOptions(logSink: { _, line in log.append(line) }))
        return (report, log.lines)
    }
}
