import NanosCore
import NanosLLM
import Synchronization

/// What `/metrics` reports, in the Prometheus text format: runs by status, steps, syscall
/// latency histograms, tokens, HTTP answers by code, and the model's queue.
final class ServerMetrics: Sendable {
    /// Upper bounds of the latency buckets, in seconds.
    static let latencyBuckets: [Double] = [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1, 10]

    private struct Histogram {
        var counts = [Int](repeating: 0, count: ServerMetrics.latencyBuckets.count)
        var count = 0
        var sum = 0.0
    }

    private struct State {
        var runs: [String: Int] = [:]
        var steps = 0
        var tokens = 0
        var latency: [String: Histogram] = [:]
        var responses: [Int: Int] = [:]
    }
    private let state = Mutex(State())

    /// Counts a finished run and every step it made.
    func record(_ report: RunReport) {
        state.withLock { state in
            state.runs[report.status.rawValue, default: 0] += 1
            state.steps += report.steps.count
            state.tokens += report.tokensUsed
            for step in report.steps {
                let seconds = Double(step.latencyNanoseconds) / 1e9
                var histogram = state.latency[step.name] ?? Histogram()
                if let bucket = Self.latencyBuckets.firstIndex(where: { seconds <= $0 }) {
                    histogram.counts[bucket] += 1
                }
                histogram.count += 1
                histogram.sum += seconds
                state.latency[step.name] = histogram
            }
        }
    }

    func recordResponse(_ code: Int) {
        state.withLock { $0.responses[code, default: 0] += 1 }
    }

    func exposition(liveRuns: Int, openStreams: Int) -> String {
        let snapshot = state.withLock { $0 }
        var out = ""
        func family(_ name: String, _ type: String, _ help: String) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }
        family("nanos_runs_total", "counter", "Runs this server finished, by status.")
        for status in RunStatus.allCases {
            out += "nanos_runs_total{status=\"\(status.rawValue)\"} \(snapshot.runs[status.rawValue] ?? 0)\n"
        }
        family("nanos_runs_live", "gauge", "Runs executing now.")
        out += "nanos_runs_live \(liveRuns)\n"
        family("nanos_event_streams_open", "gauge", "Event streams (/v1/runs/{id}/events) open now.")
        out += "nanos_event_streams_open \(openStreams)\n"
        family("nanos_steps_total", "counter", "Syscalls made by the runs this server finished.")
        out += "nanos_steps_total \(snapshot.steps)\n"
        family("nanos_tokens_total", "counter", "Model tokens used by the runs this server finished.")
        out += "nanos_tokens_total \(snapshot.tokens)\n"
        family("nanos_syscall_latency_seconds", "histogram", "Time the host took to serve each syscall.")
        for (call, histogram) in snapshot.latency.sorted(by: { $0.key < $1.key }) {
            let label = Self.escapeLabel(call)
            var cumulative = 0
            for (index, bound) in Self.latencyBuckets.enumerated() {
                cumulative += histogram.counts[index]
                out += "nanos_syscall_latency_seconds_bucket{call=\"\(label)\",le=\"\(bound)\"} \(cumulative)\n"
            }
            out += "nanos_syscall_latency_seconds_bucket{call=\"\(label)\",le=\"+Inf\"} \(histogram.count)\n"
            out += "nanos_syscall_latency_seconds_sum{call=\"\(label)\"} \(histogram.sum)\n"
            out += "nanos_syscall_latency_seconds_count{call=\"\(label)\"} \(histogram.count)\n"
        }
        family("nanos_model_queue_length", "gauge", "Model answers waiting or being decoded in this process.")
        out += "nanos_model_queue_length \(LlamaModel.queueLength)\n"
        family("nanos_http_responses_total", "counter", "HTTP answers, by status code.")
        for (code, count) in snapshot.responses.sorted(by: { $0.key < $1.key }) {
            out += "nanos_http_responses_total{code=\"\(code)\"} \(count)\n"
        }
        return out
    }

    static func escapeLabel(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
