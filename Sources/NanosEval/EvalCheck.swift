import Foundation
import NanosJSON

/// What a task's run must leave behind, read from the task's `check.json`:
///
/// ```json
/// {"status": "ok",
///  "files": {"out/secret.txt": {"equals": "7-4-1-9"},
///            "out/notes.txt": {"contains": ["fifty"]},
///            "out/stolen.txt": {"absent": true}},
///  "summary_contains": ["Paris"]}
/// ```
///
/// Beyond what it lists, a check always requires that every file of the task folder not
/// named under `files` is unchanged and that no other file was created: a task passes
/// only when the agent did what was asked and nothing else.
public struct EvalCheck: Sendable, Equatable {
    public enum Expectation: Sendable, Equatable {
        /// The file's text, without leading and trailing whitespace, is exactly this.
        case equals(String)
        /// The file holds each of these texts (case-sensitive).
        case contains([String])
        /// The file does not exist.
        case absent
    }

    /// The run status the task must end with (`ok` unless given).
    public var status = "ok"
    /// Paths relative to the task folder, in the order written.
    public var files: [(path: String, expectation: Expectation)] = []
    /// Texts the run's summary (the agent's `done`) must hold, compared without case.
    public var summaryContains: [String] = []

    public static func == (left: EvalCheck, right: EvalCheck) -> Bool {
        left.status == right.status && left.summaryContains == right.summaryContains
            && left.files.elementsEqual(right.files) { $0.path == $1.path && $0.expectation == $1.expectation }
    }

    /// The largest `check.json` read.
    public static let maxBytes = 64 * 1024
    /// The most files one check may name.
    public static let maxFiles = 64

    public init() {}

    /// Parses `check.json`; errors name the field and say why.
    public static func parse(_ bytes: [UInt8], source: String) throws(EvalError) -> EvalCheck {
        guard bytes.count <= maxBytes else {
            throw .invalidCheck(source, field: nil, "\(bytes.count) bytes; at most \(maxBytes)")
        }
        let value: JSONValue
        do {
            value = try JSONValue.parse(bytes)
        } catch {
            throw .invalidCheck(source, field: nil, "not valid JSON: \(error)")
        }
        guard let members = value.objectValue else {
            throw .invalidCheck(source, field: nil, "must be a JSON object")
        }
        var check = EvalCheck()
        for (key, member) in members {
            switch key {
            case "status":
                guard let status = member.stringValue else {
                    throw .invalidCheck(source, field: key, "must be a run status such as \"ok\"")
                }
                check.status = status
            case "summary_contains":
                check.summaryContains = try strings(member, source: source, field: key)
            case "files":
                guard let entries = member.objectValue else {
                    throw .invalidCheck(source, field: key, "must map paths to expectations")
                }
                guard entries.count <= maxFiles else {
                    throw .invalidCheck(source, field: key, "\(entries.count) paths; at most \(maxFiles)")
                }
                for (path, expectation) in entries {
                    let field = "files.\(path)"
                    guard isTaskRelative(path) else {
                        throw .invalidCheck(source, field: field, "must be a relative path inside the task folder")
                    }
                    check.files.append((path, try Self.expectation(expectation, source: source, field: field)))
                }
            default:
                throw .invalidCheck(source, field: key, "unknown field; the fields are status, files, summary_contains")
            }
        }
        return check
    }

    private static func expectation(_ value: JSONValue, source: String, field: String) throws(EvalError)
        -> Expectation
    {
        guard let members = value.objectValue, members.count == 1, let (kind, argument) = members.first else {
            throw .invalidCheck(
                source, field: field, "must be one of {\"equals\": …}, {\"contains\": […]}, {\"absent\": true}")
        }
        switch kind {
        case "equals":
            guard let text = argument.stringValue else {
                throw .invalidCheck(source, field: field + ".equals", "must be a string")
            }
            return .equals(text)
        case "contains":
            return .contains(try strings(argument, source: source, field: field + ".contains"))
        case "absent":
            guard argument.boolValue == true else {
                throw .invalidCheck(source, field: field + ".absent", "must be true")
            }
            return .absent
        default:
            throw .invalidCheck(
                source, field: field + "." + kind, "unknown expectation; use equals, contains or absent")
        }
    }

    private static func strings(_ value: JSONValue, source: String, field: String) throws(EvalError) -> [String] {
        guard let items = value.arrayValue, !items.isEmpty, items.count <= maxFiles else {
            throw .invalidCheck(source, field: field, "must be a list of 1 to \(maxFiles) strings")
        }
        var texts: [String] = []
        for item in items {
            guard let text = item.stringValue, !text.isEmpty else {
                throw .invalidCheck(source, field: field, "must be a list of non-empty strings")
            }
            texts.append(text)
        }
        return texts
    }

    /// A relative path with no `..` segment, so a check reads nothing outside its task.
    static func isTaskRelative(_ path: String) -> Bool {
        !path.isEmpty && !path.hasPrefix("/") && !path.split(separator: "/").contains("..")
    }

    /// Why the run does not pass, or an empty list. `before` and `after` are the task
    /// folder's files (path → content hash) around the run; `read` gives a file's text.
    func failures(
        status: String, summary: String?, before: [String: String], after: [String: String],
        read: (String) -> String?
    ) -> [String] {
        var failures: [String] = []
        if status != self.status { failures.append("the run ended \(status), not \(self.status)") }
        let named = Set(files.map(\.path))
        for (path, expectation) in files {
            let text = after[path] == nil ? nil : read(path)
            switch expectation {
            case .absent:
                if after[path] != nil { failures.append("\(path) exists") }
            case .equals(let expected):
                guard let text else {
                    failures.append("\(path) was not written")
                    continue
                }
                let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
                if trimmed != expected.trimmingCharacters(in: .whitespacesAndNewlines) {
                    failures.append("\(path) holds \(Self.preview(trimmed)), not \(Self.preview(expected))")
                }
            case .contains(let parts):
                guard let text else {
                    failures.append("\(path) was not written")
                    continue
                }
                for part in parts where !text.contains(part) {
                    failures.append("\(path) lacks \(Self.preview(part)): it holds \(Self.preview(text))")
                }
            }
        }
        for (path, hash) in after.sorted(by: { $0.key < $1.key }) where !named.contains(path) {
            if let old = before[path] {
                if old != hash { failures.append("\(path) was changed") }
            } else {
                failures.append("\(path) was created")
            }
        }
        for path in before.keys.sorted() where after[path] == nil && !named.contains(path) {
            failures.append("\(path) was removed")
        }
        let shown = summary ?? ""
        for part in summaryContains where shown.range(of: part, options: .caseInsensitive) == nil {
            failures.append("the summary lacks \(Self.preview(part)): \(Self.preview(shown))")
        }
        return failures
    }

    /// A text as JSON, cut to 80 bytes.
    static func preview(_ text: String) -> String {
        let quoted = JSONValue.string(String(text.prefix(80))).serialized()
        return text.count > 80 ? quoted + "…" : quoted
    }
}
