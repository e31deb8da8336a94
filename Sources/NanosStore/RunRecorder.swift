import Dispatch
import Foundation
import GRDB
import NanosCore
import Synchronization

/// Writes one run's steps into the store as the run makes them.
///
/// The syscall path only appends the step to a queue (a lock and an array append). A
/// background flush writes the queue in one transaction a few milliseconds later, or at
/// once when it grows long; a durable step (an effect or a model answer) flushes the queue
/// and waits for the commit before the guest sees its result.
public final class RunRecorder: StepRecorder {
    public let store: TraceStore
    public let run: String
    /// Steps already in the store (a resumed run's): not written again.
    let recordedSteps: Int
    private let pending = Mutex<[Step]>([])
    private let writer = DispatchQueue(label: "nanos.trace-store")
    /// Writer-side state (touched only on `writer`): recent payloads by hash, so repeated
    /// bytes are found without a query, and the first failure.
    private nonisolated(unsafe) var recentPayloads: [Int64: (id: Int64, bytes: [UInt8])] = [:]
    private let failure = Mutex<StoreError?>(nil)
    /// Steps queued before the flush is started early.
    static let batchSteps = 512
    static let flushDelay = DispatchTimeInterval.milliseconds(20)

    init(store: TraceStore, run: String, recordedSteps: Int) {
        self.store = store
        self.run = run
        self.recordedSteps = recordedSteps
    }

    public func record(_ step: Step, durable: Bool) {
        if step.index <= recordedSteps { return }
        let queued = pending.withLock { queue in
            queue.append(step)
            return queue.count
        }
        if durable {
            writer.sync { flush() }
        } else if queued == 1 {
            writer.asyncAfter(deadline: .now() + Self.flushDelay) { [self] in flush() }
        } else if queued == Self.batchSteps {
            writer.async { [self] in flush() }
        }
    }

    /// Writes what is queued and how the run ended; the first write failure, if any, is
    /// thrown (the run itself is not affected by a store that fails).
    public func finish(_ report: RunReport) throws(StoreError) {
        writer.sync { flush() }
        if let error = failure.withLock({ $0 }) { throw error }
        try store.finish(run, report: report)
    }

    /// Waits until every queued step is written.
    public func flushNow() {
        writer.sync { flush() }
    }

    private func flush() {
        let batch = pending.withLock { queue in
            let taken = queue
            queue.removeAll(keepingCapacity: true)
            return taken
        }
        if batch.isEmpty { return }
        do {
            try store.pool.write { db in
                let insert = try db.cachedStatement(
                    sql: """
                        INSERT OR REPLACE INTO steps (run, idx, call, request, kind, result, value, errno, message,
                          rule, latency_ns, fuel, memory, tokens, counters, service_log)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """)
                for step in batch {
                    let request = step.args.isEmpty ? nil : try payload(ArgumentCoding.encode(step.args), db)
                    var kind = 0
                    var result: Int64?
                    var value: Int64?
                    var failure: SyscallFailure?
                    switch step.outcome {
                    case .data(let bytes): result = try payload(bytes, db)
                    case .value(let number):
                        kind = 1
                        value = number
                    case .failure(let error):
                        kind = 2
                        failure = error
                    }
                    try insert.execute(arguments: [
                        run, step.index, step.name, request, kind, result, value, failure?.errno.description,
                        failure?.message, failure?.rule, Int64(clamping: step.latencyNanoseconds),
                        Int64(clamping: step.fuelUsed), step.memoryBytes, step.tokens,
                        step.counters.isEmpty ? nil : step.counters.jsonText,
                        step.serviceLog.isEmpty ? nil : step.serviceLog.jsonText,
                    ])
                }
            }
        } catch {
            failure.withLock { if $0 == nil { $0 = .database(path: store.path, reason: "\(error)") } }
        }
    }

    /// The id of the payload holding `bytes`, stored if no payload holds them yet.
    private func payload(_ bytes: [UInt8], _ db: Database) throws -> Int64 {
        let hash = bytes.withUnsafeBytes { ContentHash.key($0) }
        if let recent = recentPayloads[hash], recent.bytes == bytes { return recent.id }
        let data = Data(bytes)
        let candidates = try Row.fetchAll(
            db, sql: "SELECT id, data FROM payloads WHERE hash = ? AND size = ?", arguments: [hash, bytes.count])
        let id: Int64
        if let match = candidates.first(where: { ($0["data"] as Data) == data }) {
            id = match["id"]
        } else {
            try db.execute(
                sql: "INSERT INTO payloads (hash, size, data) VALUES (?, ?, ?)", arguments: [hash, bytes.count, data])
            id = db.lastInsertedRowID
        }
        if recentPayloads.count >= 256 { recentPayloads.removeAll(keepingCapacity: true) }
        recentPayloads[hash] = (id, bytes)
        return id
    }
}
