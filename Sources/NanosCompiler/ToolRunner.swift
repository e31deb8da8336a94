import Foundation

/// What a tool printed (stdout and stderr interleaved, as a terminal would show them)
/// and how it exited.
struct ToolRun: Sendable {
    let exitCode: Int32
    let output: String
    /// stderr, when it was asked for separately; else it is part of `output`.
    var errors = ""
}

enum ToolRunner {
    static func run(
        _ tool: String, _ arguments: [String], environment: [String: String], in directory: String? = nil,
        separateErrors: Bool = false
    ) throws(CompileError) -> ToolRun {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.environment = environment
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory, isDirectory: true) }
        process.standardInput = FileHandle.nullDevice
        let pipe = Pipe()
        process.standardOutput = pipe
        // stderr goes to a file when kept apart: two pipes read one after the other
        // could block the tool on the second.
        let errorsFile = NSTemporaryDirectory() + "nanos-tool-\(UUID().uuidString).err"
        if separateErrors {
            _ = FileManager.default.createFile(
                atPath: errorsFile, contents: nil, attributes: [.posixPermissions: 0o600])
            process.standardError = FileHandle(forWritingAtPath: errorsFile)
        } else {
            process.standardError = pipe
        }
        defer { if separateErrors { try? FileManager.default.removeItem(atPath: errorsFile) } }
        do {
            try process.run()
        } catch {
            throw .io(path: tool, reason: "cannot start: \(error.localizedDescription)")
        }
        // Read before waiting: a tool with a lot to say would block on a full pipe.
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let errors = separateErrors ? FileManager.default.contents(atPath: errorsFile) ?? Data() : Data()
        return ToolRun(
            exitCode: process.terminationStatus, output: String(decoding: output, as: UTF8.self),
            errors: String(decoding: errors, as: UTF8.self))
    }
}
