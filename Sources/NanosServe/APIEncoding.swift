import Foundation
import NanosCore
import NanosStore

/// The JSON shapes of the API (docs/serve.md), in one place.
enum APIEncoding {
    static func iso8601(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    /// A run as lists and views show it. `live`: running in this server now.
    static func summary(_ info: RunInfo, live: Bool, root: ServeRoot) -> JSONValue {
        let duration = info.endedAt.map { ($0.timeIntervalSince(info.startedAt) * 1e6).rounded() / 1e3 }
        return .object([
            ("id", .string(info.id)),
            ("agent", .string(info.agent)),
            ("status", .string(info.status)),
            ("live", .bool(live)),
            ("steps", .int(Int64(info.steps))),
            ("tokens", .int(Int64(info.tokens))),
            ("fuel", .int(Int64(clamping: info.fuel))),
            ("started_at", .string(iso8601(info.startedAt))),
            ("ended_at", info.endedAt.map { .string(iso8601($0)) } ?? .null),
            ("duration_ms", duration.map(JSONValue.double) ?? .null),
            ("parent", info.parent.map(JSONValue.string) ?? .null),
            ("fork_step", info.forkStep.map { .int(Int64($0)) } ?? .null),
            ("summary", info.summary.map(JSONValue.string) ?? .null),
            ("message", info.message.map(JSONValue.string) ?? .null),
            ("manifest", .string(root.relative(info.manifestPath))),
        ])
    }

    /// A step with every byte (the shape of a `--trace` line).
    static func step(_ step: Step) -> JSONValue {
        step.jsonObject(includePayloads: true)
    }

    static func difference(_ difference: TraceComparison.Difference?) -> JSONValue {
        guard let difference else { return .null }
        return .object([
            ("step", .int(Int64(difference.step))),
            ("field", .string(difference.field)),
            ("a", difference.left.map(step) ?? .null),
            ("b", difference.right.map(step) ?? .null),
        ])
    }
}
