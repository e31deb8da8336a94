import Foundation

/// An evaluation suite: a folder of task folders. A task folder holds `task.nano` (the
/// agent's manifest, whose grants name paths inside the folder), the input files the
/// goal is about, and `check.json` (``EvalCheck``). Tasks run in the order of their names.
public struct EvalSuite: Sendable {
    public struct Task: Sendable {
        /// The task folder's name.
        public let name: String
        /// The task folder, absolute.
        public let folder: String
        public let check: EvalCheck
    }

    public let path: String
    public let tasks: [Task]

    /// The most tasks one suite may hold.
    public static let maxTasks = 200
    public static let manifestName = "task.nano"
    public static let checkName = "check.json"

    /// Reads every task's check; a folder without `task.nano` is not a task.
    public static func load(_ path: String) throws(EvalError) -> EvalSuite {
        let root = (path as NSString).standardizingPath
        let absolute = root.hasPrefix("/") ? root : FileManager.default.currentDirectoryPath + "/" + root
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: absolute) else {
            throw .invalidSuite(path, "is not a readable folder")
        }
        var tasks: [Task] = []
        for name in names.sorted() {
            let folder = absolute + "/" + name
            var info = stat()
            guard lstat(folder, &info) == 0, info.st_mode & S_IFMT == S_IFDIR,
                FileManager.default.fileExists(atPath: folder + "/" + manifestName)
            else { continue }
            guard tasks.count < maxTasks else { throw .invalidSuite(path, "more than \(maxTasks) tasks") }
            let checkPath = folder + "/" + checkName
            guard let bytes = TaskFolder.text(folder, checkName, limit: EvalCheck.maxBytes) else {
                throw .invalidTask(folder, "has no readable \(checkName) of at most \(EvalCheck.maxBytes) bytes")
            }
            let check = try EvalCheck.parse(Array(bytes.utf8), source: checkPath)
            tasks.append(Task(name: name, folder: folder, check: check))
        }
        guard !tasks.isEmpty else { throw .invalidSuite(path, "holds no task folder (a folder with \(manifestName))") }
        return EvalSuite(path: absolute, tasks: tasks)
    }
}
