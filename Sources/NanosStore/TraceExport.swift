import Foundation
import NanosCore

/// A run as JSON Lines, to attach to a bug report and replay elsewhere: the first line is
/// `{"run": {…}}` (the manifest text, module path and hash, status), each next line one
/// step as `nanos run --trace` writes it, every byte kept.
public enum TraceExport {
    /// The largest line `read` accepts (a step carries at most a few MiB of payload, base64).
    public static let maxLineBytes = 64 << 20

    public static func lines(_ run: StoredRun) -> [String] {
        let info = run.info
        var members: [(String, JSONValue)] = [
            ("id", .string(info.id)), ("agent", .string(info.agent)), ("manifest_path", .string(info.manifestPath)),
            ("manifest_text", .string(info.manifestText)), ("module_path", .string(info.modulePath)),
            ("module_hash", .string(info.moduleHash)), ("status", .string(info.status)),
            ("started_at", .double(info.startedAt.timeIntervalSince1970)),
        ]
        if let parent = info.parent { members.append(("parent", .string(parent))) }
        if let step = info.forkStep { members.append(("fork_step", .int(Int64(step)))) }
        if let summary = info.summary { members.append(("summary", .string(summary))) }
        if let message = info.message { members.append(("message", .string(message))) }
        return [JSONValue.object([("run", .object(members))]).serialized()]
            + run.steps.map { $0.jsonObject().serialized() }
    }

    /// Reads an exported run back (a fresh id unless `keepID`), and stores it.
    public static func importLines(_ lines: [Substring], into store: TraceStore) throws(StoreError) -> RunInfo {
        guard let first = lines.first, let header = try? JSONValue.parse(Array(first.utf8)),
            let run = header["run"], let manifestText = run["manifest_text"]?.stringValue,
            let modulePath = run["module_path"]?.stringValue, let moduleHash = run["module_hash"]?.stringValue
        else {
            throw .invalidTraceFile(
                line: 1, reason: "expected {\"run\": {…}} with manifest_text, module_path and module_hash")
        }
        var info = RunInfo(
            id: RunInfo.newID(), agent: run["agent"]?.stringValue ?? "imported",
            manifestPath: run["manifest_path"]?.stringValue ?? "", manifestText: manifestText, modulePath: modulePath,
            moduleHash: moduleHash,
            startedAt: Date(timeIntervalSince1970: run["started_at"]?.doubleValue ?? Date().timeIntervalSince1970))
        var steps: [Step] = []
        for (offset, line) in lines.dropFirst().enumerated() where !line.isEmpty {
            guard let object = try? JSONValue.parse(Array(line.utf8)), let step = Step(json: object) else {
                throw .invalidTraceFile(line: offset + 2, reason: "not a step as `nanos trace export` writes one")
            }
            guard step.index == steps.count + 1 else {
                throw .invalidTraceFile(line: offset + 2, reason: "step \(step.index) where \(steps.count + 1) was due")
            }
            steps.append(step)
        }
        let recorder = try store.begin(info)
        for step in steps { recorder.record(step, durable: false) }
        var report = RunReport(
            agent: info.agent, status: RunStatus(rawValue: run["status"]?.stringValue ?? "") ?? .failed)
        report.summary = run["summary"]?.stringValue
        report.message = run["message"]?.stringValue
        report.fuelUsed = steps.reduce(0) { $0 + $1.fuelUsed }
        if run["status"]?.stringValue == "interrupted" {
            recorder.flushNow()
            try store.setStatus(info.id, "interrupted")
        } else {
            try recorder.finish(report)
        }
        info.status = run["status"]?.stringValue ?? "failed"
        return info
    }
}

extension Step {
    /// A step from the JSON `jsonObject()` writes (payloads included).
    public init?(json: JSONValue) {
        guard let index = json["index"]?.intValue, let name = json["name"]?.stringValue,
            case .array(let rawArguments)? = json["args"], let ok = json["ok"]?.boolValue
        else { return nil }
        var arguments: [StepValue] = []
        for argument in rawArguments {
            if case .int(let value) = argument {
                arguments.append(.int(value))
            } else if let bytes = JSONValue.decodeBytes(argument) {
                arguments.append(.bytes(bytes))
            } else {
                return nil
            }
        }
        let outcome: StepOutcome
        if !ok {
            guard let errno = json["errno"]?.stringValue.flatMap(Errno.init(name:)) else { return nil }
            outcome = .failure(
                SyscallFailure(errno, json["error"]?.stringValue ?? "", rule: json["rule"]?.stringValue))
        } else if json["result_bytes"] != nil {
            guard let result = json["result"], let bytes = JSONValue.decodeBytes(result) else { return nil }
            outcome = .data(bytes)
        } else {
            outcome = .value(json["result"]?.intValue ?? 0)
        }
        var counters: [String: Int64] = [:]
        if case .object(let members)? = json["counters"] {
            for (key, value) in members { counters[key] = value.intValue }
        }
        var serviceLog: [String] = []
        if case .array(let lines)? = json["service_log"] { serviceLog = lines.compactMap { $0.stringValue } }
        self.init(
            index: Int(index), name: name, args: arguments, outcome: outcome,
            latencyNanoseconds: UInt64(clamping: json["latency_ns"]?.intValue ?? 0),
            fuelUsed: UInt64(clamping: json["fuel"]?.intValue ?? 0), memoryBytes: Int(json["memory"]?.intValue ?? 0),
            counters: counters, serviceLog: serviceLog)
    }
}
