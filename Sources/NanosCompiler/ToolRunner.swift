import Foundation

/// What a tool printed (stdout and stderr interleaved, as a terminal would show them)
/// and how it exited.
struct ToolRun: Sendable {
    let exitCode: Int32
    let output: String
}

enum ToolRunner {
    static func run(
        _ tool: String, _ arguments: [String], environment: [String: String], in directory: String? = nil
    ) throws(CompileError) -> ToolRun {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.environment = environment
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory, isDirectory: true) }
        process.standardInput = FileHandle.nullDevice
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do {
            try process.run()
        } catch {
            throw .io(path: tool, reason: "cannot start: \(error.localizedDescription)")
        }
        // Read before waiting: a tool with a lot to say would block on a full pipe.
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return ToolRun(exitCode: process.terminationStatus, output: String(decoding: output, as: UTF8.self))
    }
}
