import Foundation
import NanosCore
import NanosJSON
import NanosStore
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A `nanos serve` watched through its API: its runs (polled), the steps of the live ones
/// (read on from the last one seen, so each step is fetched once), cancel and fork.
public final class ServeDashboardSource: DashboardSource {
    public let title: String
    private let client: ServeClient
    private struct State {
        var rows: [DashboardRow] = []
        var fetchedAt: ContinuousClock.Instant?
        var steps: [String: [Step]] = [:]
        var events: [DashboardEvent] = []
        var error: String?
    }
    private let state = Mutex(State())
    /// How often the server is asked again.
    static let refresh = Duration.milliseconds(500)
    /// Live runs whose steps are followed for the event log.
    static let followedRuns = 16

    public init(baseURL: URL, token: String?) {
        client = ServeClient(baseURL: baseURL, token: token)
        title = "serve \(baseURL.absoluteString)"
    }

    public func snapshot() -> (rows: [DashboardRow], events: [DashboardEvent]) {
        let due = state.withLock { state in state.fetchedAt.map { $0.duration(to: .now) >= Self.refresh } ?? true }
        if due { refresh() }
        return state.withLock { state in
            var events = state.events
            if let error = state.error { events.append(DashboardEvent(.error, agent: "serve", text: error)) }
            return (state.rows, events)
        }
    }

    private func refresh() {
        do {
            let json = try client.get("/v1/runs?limit=500")
            let rows = (json["runs"]?.arrayValue ?? []).compactMap(Self.row)
            state.withLock { state in
                state.rows = rows
                state.fetchedAt = .now
                state.error = nil
            }
            for row in rows.filter(\.isLive).prefix(Self.followedRuns) { _ = follow(row) }
        } catch {
            state.withLock { state in
                state.fetchedAt = .now
                state.error = error.description
            }
        }
    }

    static func row(_ json: JSONValue) -> DashboardRow? {
        guard let id = json["id"]?.stringValue, let agent = json["agent"]?.stringValue else { return nil }
        return DashboardRow(
            id: id, name: agent, status: json["status"]?.stringValue ?? "?",
            steps: Int(clamping: json["steps"]?.intValue ?? 0), tokens: Int(clamping: json["tokens"]?.intValue ?? 0),
            fuel: UInt64(clamping: json["fuel"]?.intValue ?? 0),
            elapsedSeconds: (json["duration_ms"]?.doubleValue ?? 0) / 1000, runID: id,
            parent: json["parent"]?.stringValue)
    }

    /// The run's steps, fetching those not seen yet (up to 1,000 per request).
    private func follow(_ row: DashboardRow) -> [Step] {
        var known = state.withLock { $0.steps[row.id] ?? [] }
        while true {
            guard let json = try? client.get("/v1/runs/\(row.id)/steps?from=\(known.count + 1)&limit=1000"),
                let page = json["steps"]?.arrayValue, !page.isEmpty
            else { break }
            let steps = page.compactMap(Step.init(json:))
            for step in steps {
                if let event = DashboardEvent.of(step, agent: row.name) {
                    state.withLock { state in
                        state.events.append(event)
                        if state.events.count > RunBook.eventLimit { state.events.removeFirst() }
                    }
                }
            }
            known += steps
            if page.count < 1000 { break }
        }
        state.withLock { $0.steps[row.id] = known }
        return known
    }

    public func steps(of row: DashboardRow) -> [Step] {
        if !row.isLive, let known = state.withLock({ $0.steps[row.id] }), known.count >= row.steps { return known }
        return follow(row)
    }

    public func cancel(_ row: DashboardRow) -> String {
        do {
            _ = try client.post("/v1/runs/\(row.id)/cancel", body: .object([]))
            return "cancelling \(row.name)"
        } catch {
            return "cancel failed: \(error)"
        }
    }

    public func fork(_ row: DashboardRow, at step: Int, outcome: SyscallOutcome) -> Result<String, DashboardError> {
        var body: [(String, JSONValue)] = [("step", .int(Int64(step)))]
        switch outcome.result {
        case .data(let bytes):
            if let text = String(validating: bytes, as: UTF8.self) {
                body.append(("result_text", .string(text)))
            } else {
                body.append(("result_base64", .string(Data(bytes).base64EncodedString())))
            }
        case .value(let value): body.append(("result_text", .string(String(value))))
        case .failure(let failure): body.append(("errno", .string(failure.errno.description)))
        }
        do {
            let json = try client.post("/v1/runs/\(row.id)/fork", body: .object(body))
            guard let id = json["run"]?["id"]?.stringValue else {
                return .failure(DashboardError("the server gave no run id"))
            }
            state.withLock { $0.fetchedAt = nil }
            return .success(id)
        } catch {
            return .failure(error)
        }
    }

    public var isFinished: Bool { true }
}

/// Blocking JSON requests to a `nanos serve`, with its bearer token.
struct ServeClient: Sendable {
    let baseURL: URL
    let token: String?
    static let timeout: TimeInterval = 10
    /// The largest answer read.
    static let maxBytes = 64 << 20

    func get(_ path: String) throws(DashboardError) -> JSONValue {
        try send(path, method: "GET", body: nil)
    }

    func post(_ path: String, body: JSONValue) throws(DashboardError) -> JSONValue {
        try send(path, method: "POST", body: Array(body.serialized().utf8))
    }

    private func send(_ path: String, method: String, body: [UInt8]?) throws(DashboardError) -> JSONValue {
        guard let url = URL(string: baseURL.absoluteString.trimmingCharacters(in: ["/"]) + path) else {
            throw DashboardError("not a URL: \(path)")
        }
        var request = URLRequest(url: url, timeoutInterval: Self.timeout)
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let body {
            request.httpBody = Data(body)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let answer = Mutex<(Data?, Int, String?)>((nil, 0, nil))
        let done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: request) { data, response, error in
            answer.withLock {
                $0 = (data, (response as? HTTPURLResponse)?.statusCode ?? 0, error?.localizedDescription)
            }
            done.signal()
        }.resume()
        guard done.wait(timeout: .now() + Self.timeout + 1) == .success else {
            throw DashboardError("\(method) \(path): no answer within \(Int(Self.timeout)) s")
        }
        let (data, status, failure) = answer.withLock { $0 }
        if let failure { throw DashboardError("\(method) \(path): \(failure)") }
        let bytes = [UInt8](data ?? Data())
        guard bytes.count <= Self.maxBytes, let json = try? JSONValue.parse(bytes) else {
            throw DashboardError("\(method) \(path): HTTP \(status), not JSON")
        }
        guard (200..<300).contains(status) else {
            throw DashboardError(
                "\(method) \(path): HTTP \(status): \(json["error"]?.stringValue ?? json.serialized())")
        }
        return json
    }
}
