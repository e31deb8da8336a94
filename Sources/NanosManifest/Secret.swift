import Foundation

/// A credential from the manifest: written inline, or `env:VAR` to read it from
/// the host's environment when it is needed.
///
/// Every textual form (`description`, `debugDescription`, `dump`) hides a literal
/// value, so a manifest can be logged or traced without leaking it.
public enum Secret: Sendable, Hashable {
    case literal(String)
    /// The name of an environment variable, written `env:VAR` in the manifest.
    case environment(String)

    /// Reads a manifest value: `env:VAR` becomes `.environment("VAR")`, anything
    /// else is a literal. Returns nil when the `env:` form names no valid variable.
    init?(manifestText text: String) {
        guard text.hasPrefix(Self.environmentPrefix) else {
            self = .literal(text)
            return
        }
        let name = text.dropFirst(Self.environmentPrefix.count).trimmingCharacters(in: .whitespaces)
        guard Self.isVariableName(name) else { return nil }
        self = .environment(name)
    }

    static let environmentPrefix = "env:"

    /// The value itself. `field` names the manifest field in the error, for example
    /// `model.api_key`, so the user knows which setting needs the variable.
    public func resolve(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        field: String = ""
    ) throws(ManifestError) -> String {
        switch self {
        case .literal(let value):
            return value
        case .environment(let name):
            guard let value = environment[name] else {
                throw ManifestError(
                    field: field, message: "environment variable \(name) is not set",
                    hint: "export \(name) before starting nanos, or write the value in the manifest")
            }
            // An empty credential is always a mistake, and the service would only
            // fail later with a vaguer message.
            guard !value.isEmpty else {
                throw ManifestError(
                    field: field, message: "environment variable \(name) is set but empty",
                    hint: "give \(name) a value before starting nanos")
            }
            return value
        }
    }

    private static func isVariableName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || first.isASCIILetter else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || $0.isASCIILetter || ("0"..."9").contains($0) }
    }
}

extension Secret: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        switch self {
        case .literal: "<redacted>"
        case .environment(let name): Self.environmentPrefix + name
        }
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .enum) }
}

extension Unicode.Scalar {
    fileprivate var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
}
