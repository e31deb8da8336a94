import NanosJSON

/// What one line of a server's streamed answer says.
struct RemoteStreamEvent {
    var text = ""
    var finishReason: InferenceUsage.FinishReason?
    var promptTokens: Int?
    var generatedTokens: Int?
    /// Server-measured times; when absent the stream measures them itself.
    var promptMilliseconds: Double?
    var generationMilliseconds: Double?
    /// The server said the answer is complete; nothing after it is read.
    var isEnd = false
}

/// One provider's wire format for streamed answers.
protocol RemoteStreamFormat {
    /// Reads one line of the response body; nil when the line carries nothing (blank, comment).
    /// `url` is for error messages.
    func event(fromLine line: [UInt8], url: String) throws(LLMError) -> RemoteStreamEvent?
}

extension RemoteStreamFormat {
    /// Parses a line that must be a JSON object, naming the URL when it is not.
    func json(_ bytes: some Collection<UInt8>, url: String) throws(LLMError) -> JSONValue {
        do {
            return try JSONValue.parse(bytes)
        } catch {
            throw .unavailable(
                "\(url) sent a line that is not JSON (\(error)): \(RemoteErrorText.quoted(String(decoding: bytes, as: UTF8.self), secretsToHide: []))"
            )
        }
    }

    /// A stream line that reports a failure, as OpenAI-style and Ollama servers send it mid-answer.
    func failure(in json: JSONValue, url: String, secretsToHide: [String]) -> LLMError? {
        guard let reason = RemoteErrorText.reason(inErrorJSON: json) else { return nil }
        let text = RemoteErrorText.quoted(reason, secretsToHide: secretsToHide)
        let message = "\(url) reported an error while answering: \(text)"
        return RemoteErrorText.mentionsContextOverflow(text) ? .contextOverflow(message) : .unavailable(message)
    }
}

/// A streamed answer from a remote server: reads its lines on the caller's thread, applies the
/// request's stop strings on this side too, and keeps the counts.
final class RemoteInferenceStream<Format: RemoteStreamFormat>: InferenceStream {
    private let response: StreamingHTTPResponse
    private let format: Format
    private var stopFilter: StopFilter
    private let started: ContinuousClock.Instant
    private var firstText: ContinuousClock.Instant?
    private var serverTimes = false
    private var counts = InferenceUsage()
    /// The server reported a finish reason (or the stop filter cut): a body that ends now is complete.
    private var finishSeen = false
    private var finished = false
    private var failure: LLMError?

    init(response: StreamingHTTPResponse, format: Format, stops: [String], started: ContinuousClock.Instant) {
        self.response = response
        self.format = format
        self.stopFilter = StopFilter(stops: stops)
        self.started = started
    }

    deinit { response.close() }

    var usage: InferenceUsage { counts }

    func next() throws(LLMError) -> String? {
        if let failure { throw failure }
        do {
            return try readPiece()
        } catch {
            failure = error
            response.close()
            throw error
        }
    }

    private func readPiece() throws(LLMError) -> String? {
        while !finished {
            guard let line = try response.nextLine() else {
                guard finishSeen else {
                    throw .unavailable("\(response.shownURL) ended the answer before it was complete")
                }
                return finish()
            }
            guard let event = try format.event(fromLine: line, url: response.shownURL) else { continue }
            record(event)
            var shown = ""
            if !event.text.isEmpty {
                if firstText == nil { firstText = .now }
                shown = stopFilter.feed(event.text)
                if stopFilter.stopped {
                    // The server may not know the stop string (or has not seen it yet).
                    counts.finishReason = .stop
                    finishSeen = true
                    shown += finish()
                    return shown.isEmpty ? nil : shown
                }
            }
            if event.isEnd {
                shown += finish()
                return shown.isEmpty ? nil : shown
            }
            if !shown.isEmpty { return shown }
        }
        return nil
    }

    private func record(_ event: RemoteStreamEvent) {
        if let reason = event.finishReason {
            counts.finishReason = reason
            finishSeen = true
        }
        if let tokens = event.promptTokens { counts.promptTokens = tokens }
        if let tokens = event.generatedTokens { counts.generatedTokens = tokens }
        if let prompt = event.promptMilliseconds, let generation = event.generationMilliseconds {
            counts.promptMilliseconds = prompt
            counts.generationMilliseconds = generation
            serverTimes = true
        }
    }

    /// Ends the answer: releases the connection and returns the text the stop filter held back.
    private func finish() -> String {
        finished = true
        response.close()
        if !serverTimes {
            // Time to the first piece stands for prompt processing, the rest for generation.
            let end = ContinuousClock.now
            let first = firstText ?? end
            counts.promptMilliseconds = (first - started).millisecondsValue
            counts.generationMilliseconds = (end - first).millisecondsValue
        }
        if counts.finishReason == .open { counts.finishReason = .stop }
        return stopFilter.finish()
    }

    /// Ends the answer early; `next()` then returns nil and the counts stay as they are.
    func close() {
        finished = true
        response.close()
    }

}
