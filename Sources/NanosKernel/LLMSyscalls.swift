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
            let result = try run.infer(input.bytes(0))
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
            ("prompt_tokens", .int(Int64(promptTokens))), ("generated_tokens", .int(Int64(generatedTokens))),
            ("prompt_ms", .double(promptMilliseconds)), ("generation_ms", .double(generationMilliseconds)),
        ])
    }

    /// The step counters of a call that did this much work.
    var counters: [String: Int64] {
        [
            "prompt_tokens": Int64(promptTokens), "generated_tokens": Int64(generatedTokens),
            "prompt_ms": Int64(promptMilliseconds.rounded()), "generation_ms": Int64(generationMilliseconds.rounded()),
        ]
    }
}

extension SyscallFailure {
    init(_ error: LLMError) {
        switch error {
        case .invalidRequest(let message): self.init(.EINVAL, message)
        case .contextOverflow(let message): self.init(.E2BIG, message)
        case .unavailable(let message): self.init(.EIO, message)
        case .deadlineExceeded: self.init(.ETIMEDOUT, error.description)
        }
    }
}

// MARK: - Services shared by both ABIs

extension AgentRun {
    /// One whole answer; the step records its token counts.
    func infer(_ requestBytes: [UInt8]) throws(SyscallFailure) -> InferenceResult {
        do {
            let result = try model.infer(try InferenceRequest.parse(requestBytes), deadline: deadline)
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
        do {
            let stream = try model.open(try InferenceRequest.parse(requestBytes), deadline: deadline)
            nextStreamHandle += 1
            streams[nextStreamHandle] = stream
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
            // Each step counts the tokens of its own piece; the last also gives the totals.
            var counters = ["generated_tokens": Int64(stream.usage.generatedTokens - before)]
            if piece == nil {
                counters["total_generated_tokens"] = Int64(stream.usage.generatedTokens)
                counters["generation_ms"] = Int64(stream.usage.generationMilliseconds.rounded())
                stream.close()
                streams[handle] = nil
            }
            pendingCounters = counters
            return piece
        } catch {
            stream.close()
            streams[handle] = nil
            throw SyscallFailure(error)
        }
    }

    func closeStream(handle: Int32) throws(SyscallFailure) {
        guard let stream = streams.removeValue(forKey: handle) else {
            throw SyscallFailure(.EINVAL, "llm.stream_close: \(handle) is not an open stream handle")
        }
        pendingCounters = stream.usage.counters
        stream.close()
    }

    /// Streams left open when the run ends give their contexts back.
    func closeAllStreams() {
        for stream in streams.values { stream.close() }
        streams.removeAll()
    }
}
