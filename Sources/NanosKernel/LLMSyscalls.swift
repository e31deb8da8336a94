import NanosLLM
import WasmKit

extension SyscallLimits {
    /// Streams one agent may hold open at once; each holds a llama context.
    public static let openStreams = 4
}

extension SyscallTable {
    /// The `llm` group of ABI v1: whole answers (`infer`, `chat`) and token streams.
    static let llmCalls: [HostImport] = [
        dataCall("llm_infer", "llm.infer", group: .llm, params: [.i32, .i32], inputs: [llmRequestInput]) { run, input in
            Array(try run.infer(input.bytes(0)).text.utf8)
        },
        dataCall("llm_chat", "llm.chat", group: .llm, params: [.i32, .i32], inputs: [llmRequestInput]) { run, input in
            let result = try run.infer(input.bytes(0), call: "llm.chat")
            let answer = JSONValue.object([
                ("role", .string("assistant")), ("content", .string(result.text)),
                ("finish_reason", .string(result.usage.finishReason.rawValue)),
                ("usage", result.usage.json),
            ])
            return Array(answer.serialized().utf8)
        },
        HostImport(module: abiModule, name: "llm_stream_open", parameters: [.i32, .i32], results: [.i32]) { run in
            { _, args, results in
                results[0] = try run.perform(
                    "llm.stream_open", group: .llm, inputs: [llmRequestInput], raw: args, failureValue: negI32
                ) { input throws(SyscallFailure) in
                    let handle = try run.openStream(input.bytes(0))
                    return (.value(Int64(handle)), .i32(UInt32(bitPattern: handle)))
                }
            }
        },
        // 0 (an empty result) marks the end of the answer; the stream is closed then.
        HostImport(module: abiModule, name: "llm_stream_next", parameters: [.i32], results: [.i64]) { run in
            { _, args, results in
                results[0] = try run.perform(
                    "llm.stream_next", group: .llm, inputs: [.int(0)], raw: args, failureValue: negI64
                ) { input throws(SyscallFailure) in
                    guard let piece = try run.nextPiece(handle: Int32(clamping: input.int(0))) else {
                        return (.data([]), .i64(0))
                    }
                    let bytes = Array(piece.utf8)
                    return (.data(bytes), .i64(UInt64(bitPattern: try run.place(bytes))))
                }
                try run.raisePending()
            }
        },
        statusCall("llm_stream_close", "llm.stream_close", group: .llm, params: [.i32], inputs: [.int(0)]) { run, input in
            try run.closeStream(handle: Int32(clamping: input.int(0)))
        },
    ]

    static let llmRequestInput = ArgumentSpec.bytes(0, limit: SyscallLimits.llmRequest, what: "llm request")
}

extension InferenceUsage {
    var json: JSONValue {
        .object([
            ("prompt_tokens", .int(Int64(promptTokens))), ("cached_prompt_tokens", .int(Int64(cachedPromptTokens))),
            ("generated_tokens", .int(Int64(generatedTokens))),
            ("prompt_ms", .double(promptMilliseconds)), ("generation_ms", .double(generationMilliseconds)),
        ])
    }

    /// The step counters of a call that did this much work: `prompt_tokens` in all, of which
    /// `prompt_tokens_cached` came from a KV session and `prompt_tokens_evaluated` were read.
    var counters: [String: Int64] {
        var counters: [String: Int64] = [
            "prompt_tokens": Int64(promptTokens), "prompt_tokens_cached": Int64(cachedPromptTokens),
            "prompt_tokens_evaluated": Int64(evaluatedPromptTokens), "generated_tokens": Int64(generatedTokens),
            "forced_tokens": Int64(forcedTokens),
            "prompt_ms": Int64(promptMilliseconds.rounded()), "generation_ms": Int64(generationMilliseconds.rounded()),
        ]
        // Copied from another agent's session; only when it happened, to keep steps short.
        if sharedPromptTokens > 0 { counters["prompt_tokens_shared"] = Int64(sharedPromptTokens) }
        return counters
    }
}

extension SyscallFailure {
    init(_ error: LLMError) {
        switch error {
        case .invalidRequest(let message): self.init(.EINVAL, message)
        case .contextOverflow(let message): self.init(.E2BIG, message)
        case .unavailable(let message): self.init(.EIO, message)
        case .quotaExceeded(let message): self.init(.EQUOTA, message)
        case .deadlineExceeded: self.init(.ETIMEDOUT, error.description)
        }
    }
}

// MARK: - Services shared by both ABIs

extension AgentRun {
    /// The guest's request, capped to the run's token budget.
    private func request(_ bytes: [UInt8], call: String) throws(SyscallFailure) -> InferenceRequest {
        var request: InferenceRequest
        do {
            request = try InferenceRequest.parse(bytes)
        } catch {
            throw SyscallFailure(error)
        }
        try tokens.cap(&request, call: call)
        return request
    }

    /// One whole answer; the step records its token counts.
    func infer(_ requestBytes: [UInt8], call: String = "llm.infer") throws(SyscallFailure) -> InferenceResult {
        let request = try request(requestBytes, call: call)
        do {
            let result = try model.infer(request, deadline: deadline)
            tokens.charge(result.usage)
            pendingCounters = result.usage.counters
            return result
        } catch {
            throw SyscallFailure(error)
        }
    }

    func openStream(_ requestBytes: [UInt8]) throws(SyscallFailure) -> Int32 {
        guard streams.count < SyscallLimits.openStreams else {
            throw SyscallFailure(
                .E2BIG, "llm.stream_open: \(SyscallLimits.openStreams) streams are already open; close one first")
        }
        let request = try request(requestBytes, call: "llm.stream_open")
        do {
            let stream = try model.open(request, deadline: deadline)
            nextStreamHandle += 1
            streams[nextStreamHandle] = stream
            tokens.open(nextStreamHandle, usage: stream.usage, request: request)
            pendingCounters = stream.usage.counters
            return nextStreamHandle
        } catch {
            throw SyscallFailure(error)
        }
    }

    /// The next piece of a stream, or nil at its end (then the stream is closed).
    func nextPiece(handle: Int32) throws(SyscallFailure) -> String? {
        guard let stream = streams[handle] else {
            throw SyscallFailure(.EINVAL, "llm.stream_next: \(handle) is not an open stream handle")
        }
        let before = stream.usage.generatedTokens
        do {
            let piece = try stream.next()
            tokens.stream(handle, generated: stream.usage.generatedTokens - before)
            // Each step counts the tokens of its own piece; the last also gives the totals.
            var counters = ["generated_tokens": Int64(stream.usage.generatedTokens - before)]
            if piece == nil {
                counters["total_generated_tokens"] = Int64(stream.usage.generatedTokens)
                counters["generation_ms"] = Int64(stream.usage.generationMilliseconds.rounded())
                endStream(handle)
            }
            pendingCounters = counters
            return piece
        } catch {
            tokens.stream(handle, generated: stream.usage.generatedTokens - before)
            endStream(handle)
            throw SyscallFailure(error)
        }
    }

    func closeStream(handle: Int32) throws(SyscallFailure) {
        guard let stream = streams[handle] else {
            throw SyscallFailure(.EINVAL, "llm.stream_close: \(handle) is not an open stream handle")
        }
        pendingCounters = stream.usage.counters
        endStream(handle)
    }

    private func endStream(_ handle: Int32) {
        streams.removeValue(forKey: handle)?.close()
        tokens.close(handle)
    }

    /// Streams left open when the run ends give their contexts back.
    func closeAllStreams() {
        for handle in Array(streams.keys) { endStream(handle) }
    }
}
