import Foundation

/// The default agent ("core agent", guest/agents/core): the guest that runs when a
/// manifest has no `binary:`. It reads the goal and drives the granted tools with the model.
public enum DefaultAgent {
    public static let environmentVariable = "NANOS_DEFAULT_AGENT"
    static let installedPath = "share/nanos/agents/core.wasm"
    static let repositoryPath = "guest/agents/build/core.wasm"

    /// Where it is looked for, in order: `NANOS_DEFAULT_AGENT`; `share/nanos/agents/core.wasm`
    /// beside an installed binary; `guest/agents/build/core.wasm` in the executable's folder
    /// or above (a build inside the repository, where `make` compiles it).
    public static func candidates(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        executable: String? = Bundle.main.executablePath
    ) -> [String] {
        if let explicit = environment[environmentVariable], !explicit.isEmpty { return [explicit] }
        return BundledFile.candidates(installed: installedPath, repository: repositoryPath, executable: executable)
    }

    public static func locate() throws(DefaultAgentMissing) -> String {
        let paths = candidates()
        guard let found = BundledFile.locate(paths) else {
            throw DefaultAgentMissing(searched: paths)
        }
        return found
    }
}

/// The default agent was looked for and not found.
public struct DefaultAgentMissing: Error, Sendable, CustomStringConvertible {
    public let searched: [String]

    public var description: String {
        "the manifest has no `binary:` and the default agent is not built (run `make`, or set "
            + "\(DefaultAgent.environmentVariable)); looked in \(searched.joined(separator: ", "))"
    }
}
