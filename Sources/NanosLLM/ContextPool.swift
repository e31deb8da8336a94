import CLlama
import Foundation

/// llama contexts (KV caches) for one model and context size: one per agent that is
/// inferring right now, up to `limit`; further agents wait in arrival order.
final class ContextPool: @unchecked Sendable {
    /// `NANOS_MAX_CONTEXTS` or 4: each context of 2048 tokens costs tens of MiB of KV cache.
    static let defaultLimit: Int = {
        if let text = ProcessInfo.processInfo.environment["NANOS_MAX_CONTEXTS"], let value = Int(text), value > 0 {
            return value
        }
        return 4
    }()

    let model: LlamaModel
    let contextSize: Int
    let limit: Int

    private let condition = NSCondition()
    private var idle: [OpaquePointer] = []
    private var created = 0
    private var queue: [UInt64] = []
    private var nextTicket: UInt64 = 0

    init(model: LlamaModel, contextSize: Int, limit: Int) {
        self.model = model
        self.contextSize = contextSize
        self.limit = limit
    }

    /// How many contexts exist now (idle or in use).
    var contextCount: Int { condition.withLock { created } }

    /// Takes a context, waiting behind earlier callers if all are busy.
    func acquire(threads: Int, deadline: ContinuousClock.Instant?) throws(LLMError) -> OpaquePointer {
        condition.lock()
        defer { condition.unlock() }
        let ticket = nextTicket
        nextTicket += 1
        queue.append(ticket)
        defer {
            queue.removeAll { $0 == ticket }
            condition.broadcast()
        }
        while !(queue.first == ticket && (!idle.isEmpty || created < limit)) {
            if let deadline {
                let remaining = ContinuousClock.now.duration(to: deadline)
                guard remaining > .zero else { throw .deadlineExceeded }
                let seconds = Double(remaining.components.seconds) + Double(remaining.components.attoseconds) * 1e-18
                _ = condition.wait(until: Date(timeIntervalSinceNow: min(seconds, 1)))
            } else {
                condition.wait()
            }
        }
        let context: OpaquePointer
        if let reused = idle.popLast() {
            context = reused
        } else {
            var params = llama_context_default_params()
            params.n_ctx = UInt32(contextSize)
            params.n_batch = UInt32(contextSize)
            params.n_threads = Int32(threads)
            params.n_threads_batch = Int32(threads)
            params.no_perf = true
            guard let made = llama_init_from_model(model.pointer, params) else {
                throw .unavailable("llama.cpp could not create a context of \(contextSize) tokens for \(model.path)")
            }
            created += 1
            context = made
        }
        llama_set_n_threads(context, Int32(threads), Int32(threads))
        return context
    }

    /// Gives a context back, its memory cleared, and wakes the next waiter.
    func release(_ context: OpaquePointer) {
        llama_set_abort_callback(context, nil, nil)
        if let memory = llama_get_memory(context) { llama_memory_clear(memory, false) }
        condition.withLock {
            idle.append(context)
            condition.broadcast()
        }
    }
}
