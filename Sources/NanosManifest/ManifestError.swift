/// A problem with a manifest, located as precisely as the YAML allows.
///
/// `description` is what a user reads:
/// `agent.nano:7:3: resources.memory: cannot parse "lots" as a size`
/// followed by an indented `hint:` line when there is one.
public struct ManifestError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Dotted path of the offending field, like `resources.memory` or
    /// `mcp_servers[1].command`; empty when the problem is the file as a whole.
    public var field: String
    /// 1-based line in the manifest, when known.
    public var line: Int?
    /// 1-based column in the manifest, when known.
    public var column: Int?
    /// What is wrong.
    public var message: String
    /// How to fix it, when there is something useful to say.
    public var hint: String?
    /// The manifest file, as the user named it.
    public var file: String?

    public init(
        field: String, message: String, hint: String? = nil,
        line: Int? = nil, column: Int? = nil, file: String? = nil
    ) {
        self.field = field
        self.message = message
        self.hint = hint
        self.line = line
        self.column = column
        self.file = file
    }

    public var description: String {
        var location: [String] = []
        if let file { location.append(file) }
        if let line {
            location.append(String(line))
            if let column { location.append(String(column)) }
        }
        var text = location.isEmpty ? "" : location.joined(separator: ":") + ": "
        if !field.isEmpty { text += field + ": " }
        text += message
        if let hint { text += "\n  hint: " + hint }
        return text
    }
}
