import CLlama
import Foundation
import NanosManifest

/// Runs every local answer of one model, window and thread count on one llama context,
/// from one thread: continuous batching with KV sessions.
///
/// - **Batching.** Each step puts the next token of every generating answer, plus a chunk
///   of any prompt being read, into one `llama_decode` with one sequence per answer.
/// - **Chunked prefill.** A prompt is read at most ``sharedPrefillChunk`` tokens per step
///   while other answers are generating, so a long prompt slows them but never stalls
///   them; prompts being read take turns.
/// - **Sessions.** A sequence keeps its tokens in the KV cache after its answer ends. A
///   new answer takes the free sequence with the longest common token prefix and reads
///   only the rest; an agent's next call finds its own conversation there. A prefix held
///   by another sequence (the same system prompt) is copied rather than computed again.
///   Sequences are reused least recently used first: an evicted session just reads its
///   prompt again.
/// - **Budget.** At most ``maxSequences`` sequences of `window` tokens each: the KV cache
///   never holds more than `maxSequences × window` tokens. The context starts with one
///   sequence and grows only when more answers run at once (answers in progress then read
///   their tokens again, and idle sessions are dropped: KV state does not move between
///   contexts of different sizes).
/// - **Deadlines and cancellation** are checked at every step.
final class DecodeEngine: @unchecked Sendable {
    /// `NANOS_MAX_SEQUENCES` or 4: answers decoded at once per model and window.
    static let defaultMaxSequences: Int = {
        if let text = ProcessInfo.processInfo.environment["NANOS_MAX_SEQUENCES"], let value = Int(text), value > 0 {
            return min(value, 64)
        }
        return 4
    }()
    /// Prompt tokens read in one step when no answer is generating.
    static let prefillChunk = 512
    /// Prompt tokens read in one step while answers are generating.
    static let sharedPrefillChunk = 64
    /// A prefix held by another sequence is copied when it saves at least this many tokens.
    static let minSharedPrefix = 32

    let model: LlamaModel
    let window: Int
    let threads: Int
    let maxSequences: Int

    private let condition = NSCondition()
    // Under the condition.
    private var waiting: [GenerationJob] = []
    private var threadStarted = false
    private var publishedSequences = 0
    /// Answers being decoded, as of the last step (the engine thread publishes it).
    private var publishedRunning = 0

    // Engine thread only.
    private var context: OpaquePointer?
    private var batch: llama_batch?
    private var sessions: [Session] = []
    private var running: [GenerationJob] = []
    private var clock: UInt64 = 0
    private var rotation = 0
    /// Lowered to the sequences there are when a larger context cannot be created.
    private lazy var sequenceLimit = maxSequences

    private struct Session {
        /// Exactly what the sequence holds in the KV cache, position by position.
        var tokens: [llama_token] = []
        var job: GenerationJob?
        var lastUsed: UInt64 = 0
    }

    init(model: LlamaModel, window: Int, threads: Int, maxSequences: Int) {
        self.model = model
        self.window = window
        self.threads = threads
        self.maxSequences = maxSequences
    }

    /// Sequences that exist now, busy or idle.
    var sequenceCount: Int { condition.withLock { publishedSequences } }

    /// Answers waiting for a sequence or being decoded.
    var queueLength: Int { condition.withLock { waiting.count + publishedRunning } }

    // MARK: the streams' side

    func submit(_ job: GenerationJob) {
        condition.withLock {
            waiting.append(job)
            if !threadStarted {
                threadStarted = true
                let thread = Thread { [self] in runForever() }
                thread.name = "nanos-decode"
                thread.stackSize = 16 << 20
                thread.start()
            }
            condition.broadcast()
        }
    }

    /// Waits until the prompt is read (the first token is sampled) or the job failed.
    func waitForPrompt(_ job: GenerationJob) throws(LLMError) {
        let failure: LLMError? = condition.withLock {
            while !job.promptRead && job.outcome == nil { condition.wait() }
            if case .failed(let error) = job.outcome { return error }
            return nil
        }
        if let failure { throw failure }
    }

    /// Waits for new tokens or the end; returns the tokens, the outcome if the job ended, and the counts.
    func take(_ job: GenerationJob) -> (tokens: [llama_token], outcome: GenerationJob.Outcome?, usage: InferenceUsage) {
        condition.withLock {
            while job.produced.isEmpty && job.outcome == nil { condition.wait() }
            let tokens = job.produced
            job.produced.removeAll()
            return (tokens, job.outcome, job.usage)
        }
    }

    /// The job's counts so far.
    func usage(of job: GenerationJob) -> InferenceUsage {
        condition.withLock { job.usage }
    }

    /// The stream is closed: the engine stops the job at its next step.
    func cancel(_ job: GenerationJob) {
        condition.withLock {
            job.cancelled = true
            condition.broadcast()
        }
    }

    // MARK: the engine thread

    private func runForever() {
        while true {
            condition.withLock {
                while waiting.isEmpty && running.isEmpty { condition.wait() }
            }
            step()
        }
    }

    private func step() {
        retireEnded()
        admitWaiting()
        guard !running.isEmpty, let context, var batch else { return }
        let entries = fill(&batch)
        self.batch = batch
        guard batch.n_tokens > 0 else { return }
        let status = llama_decode(context, batch)
        guard status == 0 else {
            let error: LLMError =
                status == 1
                ? .contextOverflow("the KV cache is full (model.context_window)")
                : .unavailable("llama.cpp failed to decode (status \(status))")
            for entry in entries { end(entry.job, .failed(error), clearSession: true) }
            publish()
            return
        }
        for entry in entries {
            guard let logitsIndex = entry.logitsIndex else { continue }
            sampleNext(entry.job, logits: llama_get_logits_ith(context, logitsIndex))
        }
        publish()
    }

    /// Drops closed streams and jobs whose deadline passed, waiting or running.
    private func retireEnded() {
        let now = ContinuousClock.now
        var ended: [(GenerationJob, GenerationJob.Outcome?)] = []
        condition.withLock {
            waiting.removeAll { job in
                if job.cancelled { return true }
                if let deadline = job.deadline, now >= deadline {
                    job.outcome = .failed(.deadlineExceeded)
                    condition.broadcast()
                    return true
                }
                return false
            }
            for job in running {
                if job.cancelled {
                    ended.append((job, nil))
                } else if let deadline = job.deadline, now >= deadline {
                    ended.append((job, .failed(.deadlineExceeded)))
                }
            }
        }
        for (job, outcome) in ended {
            if let outcome {
                end(job, outcome, clearSession: false)
            } else {
                release(job)
            }
        }
        if !ended.isEmpty { publish() }
    }

    /// Gives waiting jobs sequences, in arrival order, growing the context when needed.
    private func admitWaiting() {
        let queued = condition.withLock { waiting }
        let wanted = min(queued.count, sequenceLimit - running.count)
        guard wanted > 0 else { return }
        let free = sessions.filter { $0.job == nil }.count
        if wanted > free {
            do throws(LLMError) {
                try grow(to: running.count + wanted)
            } catch {
                sequenceLimit = max(1, sessions.count)
                if context == nil {
                    condition.withLock {
                        for job in waiting { job.outcome = .failed(error) }
                        waiting.removeAll()
                        condition.broadcast()
                    }
                    return
                }
            }
        }
        var admitted = 0
        for job in queued.prefix(wanted) {
            guard let index = bestFreeSequence(for: job) else { break }
            place(job, in: index)
            running.append(job)
            admitted += 1
        }
        condition.withLock {
            waiting.removeFirst(admitted)
            publishedRunning = running.count
        }
    }

    /// The free sequence for a job: the longest reusable prefix, then an empty one, then the least recently used.
    private func bestFreeSequence(for job: GenerationJob) -> Int? {
        let ranked = sessions.indices.filter { sessions[$0].job == nil }.map { index in
            (
                index, prefix: job.reuseSession ? commonPrefix(sessions[index].tokens, job.prompt) : 0,
                empty: sessions[index].tokens.isEmpty, lastUsed: sessions[index].lastUsed
            )
        }
        return ranked.min { a, b in
            if a.prefix != b.prefix { return a.prefix > b.prefix }
            if a.empty != b.empty { return a.empty }
            return a.lastUsed < b.lastUsed
        }?.0
    }

    private func commonPrefix(_ a: [llama_token], _ b: [llama_token]) -> Int {
        var count = 0
        let limit = min(a.count, b.count)
        while count < limit && a[count] == b[count] { count += 1 }
        return count
    }

    /// Binds a job to sequence `index`, keeping the longest prefix it can reuse.
    private func place(_ job: GenerationJob, in chosen: Int) {
        guard let context, let memory = llama_get_memory(context) else { return }
        // The last prompt token is always decoded again: its logits give the first answer token.
        let reusable = job.prompt.count - 1
        func shared(_ index: Int) -> Int { min(commonPrefix(sessions[index].tokens, job.prompt), reusable) }
        var index = chosen
        var common = job.reuseSession ? shared(chosen) : 0
        var donor: Int?
        if job.reuseSession {
            if common >= Self.minSharedPrefix, sessions[chosen].tokens.count > common + Self.minSharedPrefix,
                let empty = sessions.indices.first(where: {
                    $0 != chosen && sessions[$0].job == nil && sessions[$0].tokens.isEmpty
                })
            {
                // The chosen sequence holds a longer conversation (another agent's, sharing
                // only the system prompt): keep it, and copy the shared part into an empty one.
                index = empty
                donor = chosen
            } else if let (other, length) = sessions.indices.filter({ $0 != chosen }).map({ ($0, shared($0)) })
                .max(by: { $0.1 < $1.1 }), length >= common + Self.minSharedPrefix
            {
                // Another sequence, busy or idle, holds a longer prefix (the same system prompt).
                donor = other
                common = length
            }
        }
        let sequence = Int32(index)
        if let donor {
            // Sequences live in separate KV streams: the copy takes the donor's whole stream,
            // then the tail past the shared prefix is dropped below.
            _ = llama_memory_seq_rm(memory, sequence, -1, -1)
            llama_memory_seq_cp(memory, Int32(donor), sequence, -1, -1)
            sessions[index].tokens = sessions[donor].tokens
        }
        if !llama_memory_seq_rm(memory, sequence, Int32(common), -1) {
            _ = llama_memory_seq_rm(memory, sequence, -1, -1)
            common = 0
        }
        sessions[index].tokens.removeLast(sessions[index].tokens.count - common)
        clock += 1
        sessions[index].job = job
        sessions[index].lastUsed = clock
        job.sequence = sequence
        job.pending = Array(job.prompt[common...])
        job.pendingStart = 0
        condition.withLock {
            job.usage.cachedPromptTokens = common
            job.usage.sharedPromptTokens = donor == nil ? 0 : common
        }
    }

    private struct Entry {
        var job: GenerationJob
        /// The batch position whose logits give the job's next token, if this step ends its prompt.
        var logitsIndex: Int32?
    }

    /// Puts this step's tokens into the batch: every generating job's next tokens, then
    /// chunks of prompts (and replays) in turn, within the step's prefill budget.
    private func fill(_ batch: inout llama_batch) -> [Entry] {
        batch.n_tokens = 0
        var entries: [Entry] = []
        let short = TokenSampler.maxForcedBytes + 1
        for job in running where job.firstTokenAt != nil && job.pendingCount > 0 && job.pendingCount <= short {
            entries.append(Entry(job: job, logitsIndex: add(job.pendingCount, of: job, to: &batch)))
        }
        var budget = entries.isEmpty ? Self.prefillChunk : Self.sharedPrefillChunk
        let reading = running.filter { $0.pendingCount > 0 && ($0.firstTokenAt == nil || $0.pendingCount > short) }
        rotation += 1
        for offset in reading.indices where budget > 0 {
            let job = reading[(offset + rotation) % reading.count]
            let count = min(budget, job.pendingCount)
            let ends = count == job.pendingCount
            let last = add(count, of: job, to: &batch)
            budget -= count
            entries.append(Entry(job: job, logitsIndex: ends ? last : nil))
        }
        return entries
    }

    /// Moves a job's next `count` pending tokens into the batch, logits on the last one when
    /// they are all that was pending; returns the last one's batch index.
    private func add(_ count: Int, of job: GenerationJob, to batch: inout llama_batch) -> Int32 {
        let index = Int(job.sequence)
        let end = job.pendingStart + count
        for position in job.pendingStart..<end {
            let slot = Int(batch.n_tokens)
            batch.token[slot] = job.pending[position]
            batch.pos[slot] = llama_pos(sessions[index].tokens.count)
            batch.n_seq_id[slot] = 1
            batch.seq_id[slot]?[0] = job.sequence
            batch.logits[slot] = position == job.pending.count - 1 ? 1 : 0
            batch.n_tokens += 1
            sessions[index].tokens.append(job.pending[position])
        }
        job.pendingStart = end
        if end == job.pending.count {
            job.pending.removeAll(keepingCapacity: true)
            job.pendingStart = 0
        }
        return batch.n_tokens - 1
    }

    /// Samples a job's next token and decides what it decodes at the next step.
    private func sampleNext(_ job: GenerationJob, logits: UnsafeMutablePointer<Float>?) {
        let now = ContinuousClock.now
        if job.firstTokenAt == nil {
            job.firstTokenAt = now
            condition.withLock {
                job.usage.promptMilliseconds = job.submitted.duration(to: now).millisecondsValue
                job.promptRead = true
            }
        }
        guard let logits, let token = job.sampler.sample(logits) else {
            end(
                job, .failed(.unavailable("llama.cpp produced no token (the sampler selected none)")),
                clearSession: false)
            return
        }
        if model.isEndOfGeneration(token) {
            end(job, .finished(.stop), clearSession: false)
            return
        }
        var tokens = [token]
        var outcome: GenerationJob.Outcome?
        if job.generated + 1 >= job.maxTokens {
            outcome = .finished(.length)
        } else {
            switch job.sampler.continuation(limit: job.maxTokens - job.generated - 1) {
            case .free:
                break
            case .complete:
                outcome = .finished(.stop)
            case .forced(let forced, let complete):
                tokens += forced
                job.forced += forced.count
                if complete {
                    outcome = .finished(.stop)
                } else if job.generated + tokens.count >= job.maxTokens {
                    outcome = .finished(.length)
                }
            }
        }
        job.generated += tokens.count
        if outcome == nil {
            job.pending = tokens
            job.pendingStart = 0
        }
        condition.withLock {
            job.produced += tokens
            job.usage.generatedTokens = job.generated
            job.usage.forcedTokens = job.forced
        }
        if let outcome { end(job, outcome, clearSession: false) }
    }

    /// Ends a job: its counts are final and its sequence is free (its session kept unless `clearSession`).
    private func end(_ job: GenerationJob, _ outcome: GenerationJob.Outcome, clearSession: Bool) {
        let now = ContinuousClock.now
        condition.withLock {
            if job.outcome == nil { job.outcome = outcome }
            if case .finished(let reason) = outcome { job.usage.finishReason = reason }
            if let first = job.firstTokenAt {
                job.usage.generationMilliseconds = first.duration(to: now).millisecondsValue
            }
        }
        if clearSession, job.sequence >= 0, let context, let memory = llama_get_memory(context) {
            _ = llama_memory_seq_rm(memory, job.sequence, -1, -1)
            sessions[Int(job.sequence)].tokens.removeAll()
        }
        release(job)
    }

    private func release(_ job: GenerationJob) {
        running.removeAll { $0 === job }
        guard job.sequence >= 0 else { return }
        clock += 1
        sessions[Int(job.sequence)].job = nil
        sessions[Int(job.sequence)].lastUsed = clock
        job.sequence = -1
    }

    private func publish() {
        condition.withLock {
            publishedRunning = running.count
            condition.broadcast()
        }
    }

    /// Makes room for `wanted` sequences (at most the limit): a new context, with every
    /// session's KV cache moved over.
    private func grow(to wanted: Int) throws(LLMError) {
        let capacity = min(sequenceLimit, max(wanted, sessions.count * 2, 1))
        guard capacity > sessions.count else { return }
        var params = llama_context_default_params()
        params.n_ctx = UInt32(capacity * window)
        params.n_seq_max = UInt32(capacity)
        params.kv_unified = false
        let batchSize = Self.prefillChunk + capacity * (TokenSampler.maxForcedBytes + 1)
        params.n_batch = UInt32(batchSize)
        params.n_ubatch = UInt32(Self.prefillChunk)
        params.n_threads = Int32(threads)
        params.n_threads_batch = Int32(threads)
        params.no_perf = true
        guard let made = llama_init_from_model(model.pointer, params) else {
            throw .unavailable(
                "llama.cpp could not create a context of \(capacity) × \(window) tokens for \(model.path)")
        }
        if let old = context {
            // KV state cannot move between contexts with different numbers of streams: an
            // answer in progress reads its tokens again; idle sessions are dropped.
            for index in sessions.indices {
                if let job = sessions[index].job {
                    job.pending = sessions[index].tokens + job.pending[job.pendingStart...]
                    job.pendingStart = 0
                }
                sessions[index].tokens.removeAll()
            }
            llama_free(old)
        }
        context = made
        if let old = batch { llama_batch_free(old) }
        batch = llama_batch_init(Int32(batchSize), 0, 1)
        sessions += Array(repeating: Session(), count: capacity - sessions.count)
        condition.withLock { publishedSequences = capacity }
    }
}
