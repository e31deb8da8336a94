import Foundation
import NanosKernel
import NanosLLM
import NanosManifest

/// A manifest that grants every group, with tight limits, for guests the fuzzer writes.
/// Files: `data/**` may be read and `out/?.txt` written, beneath the scratch folder, so a
/// hostile guest can create at most a few hundred small files.
func fuzzManifest(fuel: UInt64, maxSteps: Int, stackBytes: Int? = nil) -> Manifest {
    Manifest(
        name: "fuzz",
        resources: Resources(
            memoryBytes: 1 << 20, maxSteps: maxSteps, fuel: fuel, timeout: .seconds(1), stackBytes: stackBytes,
            traceBytes: 4 << 20),
        permissions: Permissions(fsRead: ["data/**"], fsWrite: ["out/?.txt"], network: .hosts(["127.0.0.1:9"])),
        tools: ToolGroup.allCases, toolNames: ToolGroup.allCases.map(\.rawValue),
        goal: "fuzz the kernel", directory: scratchFolder, sourcePath: "fuzz.nano")
}

/// The files a fuzzed guest finds in the scratch folder.
func makeScratchFiles() {
    let manager = FileManager.default
    for folder in ["data/sub", "out"] {
        try? manager.createDirectory(atPath: "\(scratchFolder)/\(folder)", withIntermediateDirectories: true)
    }
    _ = manager.createFile(atPath: "\(scratchFolder)/data/notes.txt", contents: Data("one\ntwo words\n".utf8))
    _ = manager.createFile(atPath: "\(scratchFolder)/data/sub/x.json", contents: Data(#"{"a":[1,2,{"b":null}]}"#.utf8))
    _ = manager.createFile(atPath: "\(scratchFolder)/data/empty", contents: Data())
    try? manager.createSymbolicLink(atPath: "\(scratchFolder)/data/escape", withDestinationPath: "/etc/passwd")
}

let runOptions = RunOptions(logSink: { _, _ in }, model: EchoModel())

/// A language model that answers at once: it converts a request's schema to a grammar
/// the way the local model does, then streams the last message back a few characters at
/// a time, up to `max_tokens` pieces, through the request's stop strings (`StopFilter`,
/// as the local and remote streams do).
struct EchoModel: LanguageModel {
    func open(_ request: InferenceRequest, deadline: ContinuousClock.Instant?) throws(LLMError) -> any InferenceStream {
        if let schema = request.schema { _ = try SchemaGrammar.gbnf(for: schema) }
        return stream(for: request)
    }

    func stream(for request: InferenceRequest) -> EchoStream {
        EchoStream(
            text: request.messages.last?.content ?? "", limit: min(request.maxTokens ?? 256, 64), stops: request.stop)
    }
}

final class EchoStream: InferenceStream {
    private var rest: Substring
    private var left: Int
    private var filter: StopFilter
    private var finished = false
    var usage = InferenceUsage()

    init(text: String, limit: Int, stops: [String]) {
        rest = Substring(text)
        left = max(limit, 0)
        filter = StopFilter(stops: stops)
        usage.promptTokens = text.utf8.count / 4
    }

    func next() throws(LLMError) -> String? {
        while !finished {
            guard left > 0, !rest.isEmpty else {
                usage.finishReason = rest.isEmpty ? .stop : .length
                finished = true
                let held = filter.finish()
                return held.isEmpty ? nil : held
            }
            left -= 1
            usage.generatedTokens += 1
            let piece = String(rest.prefix(3))
            rest = rest.dropFirst(3)
            let shown = filter.feed(piece)
            if filter.stopped {
                usage.finishReason = .stop
                finished = true
                return shown.isEmpty ? nil : shown
            }
            if !shown.isEmpty { return shown }
        }
        return nil
    }

    func close() { finished = true }
}

/// NANOS_FUZZ_VERBOSE=1 prints each run's report (run the binary on one input to see
/// what it does).
let verbose = ProcessInfo.processInfo.environment["NANOS_FUZZ_VERBOSE"] == "1"

func show(_ report: RunReport) {
    guard verbose else { return }
    var lines = report.json().prettyPrinted() + "\n"
    for step in report.steps {
        let outcome: String
        switch step.outcome {
        case .data(let bytes):
            outcome = "data \(bytes.count) bytes: \(String(decoding: bytes.prefix(80), as: UTF8.self).debugDescription)"
        case .value(let value): outcome = "value \(value)"
        case .failure(let failure): outcome = "\(failure.errno) \(failure.message)"
        }
        lines += "  step \(step.index) \(step.name): \(outcome)\n"
    }
    FileHandle.standardError.write(Data(lines.utf8))
}
