import Foundation
import NanosFS
import Yams

extension Manifest {
    /// Reads and checks the manifest at `path` (absolute, or relative to the current folder).
    public static func load(path: String) throws(ManifestError) -> Manifest {
        try read(path: path).manifest
    }

    /// The manifest at `path`, with its text as read and its absolute path (what a recorded
    /// run keeps, to run again under the same manifest).
    public static func read(path: String) throws(ManifestError) -> (
        manifest: Manifest, text: String, absolutePath: String
    ) {
        let absolute = PathResolver.absolute(path, base: FileManager.default.currentDirectoryPath)
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: absolute, isDirectory: &isFolder) else {
            throw ManifestError(field: "", message: "no such file", hint: "looked for \(absolute)", file: path)
        }
        guard !isFolder.boolValue else {
            throw ManifestError(
                field: "", message: "is a folder, not a manifest file",
                hint: "name the .nano file inside it", file: path)
        }
        // A manifest is a page of YAML: anything else is refused before it is read.
        let attributes = try? FileManager.default.attributesOfItem(atPath: absolute)
        guard attributes?[.type] as? FileAttributeType == .typeRegular else {
            throw ManifestError(field: "", message: "is not a regular file", file: path)
        }
        if let size = attributes?[.size] as? Int, size > maximumManifestBytes {
            throw ManifestError(
                field: "", message: "is \(size) bytes; a manifest may have at most \(maximumManifestBytes) (1 MiB)",
                file: path)
        }
        guard let data = FileManager.default.contents(atPath: absolute), data.count <= maximumManifestBytes else {
            throw ManifestError(field: "", message: "cannot be read; check its permissions", file: path)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ManifestError(field: "", message: "is not UTF-8 text", file: path)
        }
        let folder = (absolute as NSString).deletingLastPathComponent
        return (try parse(yaml: text, directory: folder, sourcePath: path), text, absolute)
    }

    /// The largest manifest file read.
    public static let maximumManifestBytes = 1 << 20

    /// Checks manifest text. `directory` is the folder relative paths in it start
    /// from; `sourcePath` names the file in error messages.
    public static func parse(yaml: String, directory: String, sourcePath: String?) throws(ManifestError) -> Manifest {
        let reader = ManifestReader(
            file: sourcePath,
            directory: PathResolver.canonicalFolder(directory, base: FileManager.default.currentDirectoryPath))
        let root = try reader.compose(yaml)
        return try reader.manifest(from: root)
    }
}

/// Walks the YAML node tree (rather than decoding) so every error can carry the
/// line and column of the value it is about.
struct ManifestReader {
    let file: String?
    let directory: String

    // MARK: Keys

    private static let topLevelKeys = [
        "name", "model", "resources", "permissions", "mcp_servers", "tools", "binary", "goal", "agents", "token",
    ]
    private static let modelKeys = [
        "provider", "model_name", "path", "context_window", "api_url", "api_key", "gpu_layers", "threads",
    ]
    private static let resourceKeys = ["memory", "max_steps", "fuel", "timeout", "stack", "trace", "logs", "tokens"]
    private static let permissionKeys = ["fs_read", "fs_write", "fs_read_hardlinks", "network"]
    private static let mcpServerKeys = ["name", "command", "args", "env", "cwd", "timeout"]
    private static let agentKeys = ["name", "goal", "tools", "binary"]

    /// Section keys written at the top level usually mean a missing level of nesting.
    private static let sectionOfNestedKey: [String: String] = {
        var sections: [String: String] = [:]
        for key in modelKeys { sections[key] = "model" }
        for key in resourceKeys { sections[key] = "resources" }
        for key in permissionKeys { sections[key] = "permissions" }
        return sections
    }()

    // MARK: Document

    func compose(_ yaml: String) throws(ManifestError) -> Node {
        let root: Node?
        do {
            // Some editors start UTF-8 files with a byte order mark, which the parser rejects.
            root = try Yams.compose(yaml: yaml.hasPrefix("\u{FEFF}") ? String(yaml.dropFirst()) : yaml)
        } catch let error as YamlError {
            throw syntaxError(error, in: yaml)
        } catch {
            throw ManifestError(field: "", message: "cannot read the YAML: \(error)", file: file)
        }
        guard let root, !isNull(root) else {
            throw ManifestError(
                field: "", message: "the manifest is empty",
                hint: "a manifest needs at least `resources:` (memory, max_steps) and `permissions:`", file: file)
        }
        return root
    }

    func manifest(from root: Node) throws(ManifestError) -> Manifest {
        let top = try section(
            root, path: "", anchor: root.mark, keys: Self.topLevelKeys,
            wrongTypeHint: "a manifest is a mapping of keys such as `resources:` and `permissions:`")

        var manifest = Manifest(
            resources: try resources(top),
            permissions: try permissions(top),
            directory: directory,
            sourcePath: file)
        if let node = top.optional("name") { manifest.name = try nonEmptyString(node, top.field("name")) }
        if let node = top.optional("model") { manifest.model = try model(node, anchor: top.keyMark("model")) }
        if let node = top.optional("mcp_servers") { manifest.mcpServers = try mcpServers(node) }
        if let node = top.optional("tools") {
            let names = try toolNames(node, top.field("tools"))
            manifest.toolNames = names
            manifest.tools = ToolGroup.groups(named: names)
        }
        if let node = top.optional("binary") { manifest.binary = try path(node, top.field("binary")) }
        if let node = top.optional("goal") { manifest.goal = try string(node, top.field("goal")) }
        if let node = top.optional("agents") { manifest.agents = try agents(node) }
        if let node = top.optional("token") { manifest.token = try secret(node, top.field("token")) }
        return manifest
    }

    // MARK: Sections

    private func resources(_ top: Section) throws(ManifestError) -> Resources {
        let node = try top.required("resources", reader: self)
        let resources = try section(
            node, path: "resources", anchor: top.keyMark("resources"), keys: Self.resourceKeys,
            wrongTypeHint: "write `resources:` with `memory:` and `max_steps:` indented below it")

        let memoryNode = try resources.required("memory", reader: self)
        let memoryField = resources.field("memory")
        let memory = try size(memoryNode, memoryField)
        if memory < Resources.minimumMemoryBytes {
            let written = scalarText(memoryNode) ?? ""
            let isBareNumber = !written.contains(where: \.isLetter)
            throw error(
                memoryField, at: memoryNode,
                "\(memory) bytes is below the minimum of 64KiB (one wasm page)",
                hint: isBareNumber
                    ? "did you mean \(written)MB? a bare number is bytes"
                    : "most agents need 16MB or more")
        }
        if memory > Resources.maximumMemoryBytes {
            throw error(
                memoryField, at: memoryNode,
                "\(scalarText(memoryNode) ?? "") is more than a 32-bit wasm memory can address",
                hint: "the most is 4GB")
        }

        var limits = Resources(
            memoryBytes: memory,
            maxSteps: try integer(
                try resources.required("max_steps", reader: self), resources.field("max_steps"), atLeast: 1))
        if let node = resources.optional("fuel") {
            limits.fuel = UInt64(try integer(node, resources.field("fuel"), atLeast: 1))
        }
        if let node = resources.optional("timeout") {
            limits.timeout = try duration(node, resources.field("timeout"))
        }
        if let node = resources.optional("stack") {
            let field = resources.field("stack")
            let bytes = try size(node, field)
            guard bytes >= Resources.minimumStackBytes else {
                throw error(
                    field, at: node, "\(bytes) bytes is below the minimum of 64KiB", hint: "1MB suits most agents")
            }
            guard bytes <= Resources.maximumStackBytes else {
                throw error(
                    field, at: node, "\(scalarText(node) ?? "") is more than the largest interpreter stack, 64MB",
                    hint: "the stack is host memory; deep recursion needs a loop or a smaller frame, not a bigger stack"
                )
            }
            limits.stackBytes = bytes
        }
        if let node = resources.optional("trace") {
            let field = resources.field("trace")
            let bytes = try size(node, field)
            guard bytes > 0 else { throw error(field, at: node, "must be more than zero") }
            limits.traceBytes = bytes
        }
        if let node = resources.optional("logs") {
            limits.logBytes = try size(node, resources.field("logs"))
        }
        if let node = resources.optional("tokens") {
            limits.tokens = try integer(node, resources.field("tokens"), atLeast: 1)
        }
        return limits
    }

    private func permissions(_ top: Section) throws(ManifestError) -> Permissions {
        let node = try top.required(
            "permissions", reader: self, hint: "write `permissions: {}` to grant nothing")
        let section = try section(
            node, path: "permissions", anchor: top.keyMark("permissions"), keys: Self.permissionKeys,
            wrongTypeHint: "write `permissions: {}` to grant nothing, or list fs_read, fs_write, network below it")
        var permissions = Permissions()
        for (key, access) in [("fs_read", FileAccess.read), ("fs_write", .write)] {
            guard let node = section.optional(key) else { continue }
            let patterns = try stringList(node, section.field(key))
            // Compiled now, so a bad pattern is a manifest error (exit 2) naming the entry,
            // not a failed run.
            for (index, pattern) in patterns.enumerated() {
                do {
                    _ = try PathGrants(
                        read: access == .read ? [pattern] : [], write: access == .write ? [pattern] : [],
                        baseDirectory: directory)
                } catch {
                    let element = node.array().indices.contains(index) ? node.array()[index] : node
                    throw self.error("\(section.field(key))[\(index)]", at: element, "\(error)")
                }
            }
            if access == .read { permissions.fsRead = patterns } else { permissions.fsWrite = patterns }
        }
        if let node = section.optional("fs_read_hardlinks") {
            permissions.readsHardlinks = try boolean(node, section.field("fs_read_hardlinks"))
        }
        if let node = section.optional("network") {
            permissions.network = try network(node, section.field("network"))
        }
        return permissions
    }

    private func network(_ node: Node, _ field: String) throws(ManifestError) -> NetworkGrant {
        if case .scalar(let scalar) = node, node.tagName == .bool, let allowed = Bool.construct(from: scalar) {
            return allowed ? .any : .none
        }
        guard case .sequence = node else {
            throw error(
                field, at: node, "expected true, false or a list of host names, got \(describe(node))",
                hint: "for example `network: [api.example.com]`")
        }
        let hosts = try stringList(node, field)
        for (index, host) in hosts.enumerated() where host.isEmpty || host.contains("/") {
            throw error(
                "\(field)[\(index)]", at: node.array()[index], "\"\(host)\" is not a host name",
                hint: "write the host name only, like api.example.com")
        }
        return hosts.isEmpty ? .none : .hosts(hosts)
    }

    private func model(_ node: Node, anchor: Mark?) throws(ManifestError) -> ModelConfig {
        let section = try section(node, path: "model", anchor: anchor, keys: Self.modelKeys)
        var model = ModelConfig()
        if let node = section.optional("provider") {
            model.provider = try nonEmptyString(node, section.field("provider"))
        }
        if let node = section.optional("model_name") {
            model.modelName = try nonEmptyString(node, section.field("model_name"))
        }
        if let node = section.optional("path") { model.path = try path(node, section.field("path")) }
        if let node = section.optional("context_window") {
            model.contextWindow = try integer(node, section.field("context_window"), atLeast: 1)
        }
        if let node = section.optional("api_url") {
            let field = section.field("api_url")
            let url = try nonEmptyString(node, field)
            guard url.contains("://") else {
                throw error(
                    field, at: node, "\"\(url)\" is not a URL",
                    hint: "write it with its scheme, like http://localhost:11434/v1")
            }
            model.apiURL = url
        }
        if let node = section.optional("api_key") { model.apiKey = try secret(node, section.field("api_key")) }
        if let node = section.optional("gpu_layers") {
            model.gpuLayers = try integer(node, section.field("gpu_layers"), atLeast: 0)
        }
        if let node = section.optional("threads") {
            model.threads = try integer(node, section.field("threads"), atLeast: 1)
        }
        return model
    }

    private func mcpServers(_ node: Node) throws(ManifestError) -> [MCPServerSpec] {
        var servers: [MCPServerSpec] = []
        let entries = try list(
            node, "mcp_servers", hint: "write each server as a `- name: …` entry with `command:` below it")
        for (index, entry) in entries.enumerated() {
            let section = try section(
                entry, path: "mcp_servers[\(index)]", anchor: entry.mark, keys: Self.mcpServerKeys)
            let nameNode = try section.required("name", reader: self)
            let name = try nonEmptyString(nameNode, section.field("name"))
            if servers.contains(where: { $0.name == name }) {
                throw error(
                    section.field("name"), at: nameNode, "another server is already named \"\(name)\"",
                    hint: "guests address servers by name, so each needs its own")
            }
            // A command with a slash is a path, relative to the manifest like every path in
            // it; a bare name is looked up when the server starts.
            let command = try nonEmptyString(try section.required("command", reader: self), section.field("command"))
            var server = MCPServerSpec(
                name: name, command: command.contains("/") ? PathResolver.absolute(command, base: directory) : command)
            if let node = section.optional("args") { server.args = try stringList(node, section.field("args")) }
            if let node = section.optional("env") { server.env = try environment(node, section.field("env")) }
            if let node = section.optional("cwd") { server.cwd = try path(node, section.field("cwd")) }
            if let node = section.optional("timeout") { server.timeout = try duration(node, section.field("timeout")) }
            servers.append(server)
        }
        return servers
    }

    private func agents(_ node: Node) throws(ManifestError) -> [AgentSpec] {
        var agents: [AgentSpec] = []
        let entries = try list(node, "agents", hint: "write each agent as a `- name: …` entry with `goal:` below it")
        for (index, entry) in entries.enumerated() {
            let section = try section(entry, path: "agents[\(index)]", anchor: entry.mark, keys: Self.agentKeys)
            let nameNode = try section.required("name", reader: self)
            let name = try nonEmptyString(nameNode, section.field("name"))
            guard AgentSpec.isValidName(name) else {
                throw error(
                    section.field("name"), at: nameNode, "\(name.debugDescription) is not an agent name",
                    hint: "use \(AgentSpec.namePattern): agents address each other by it")
            }
            if agents.contains(where: { $0.name == name }) {
                throw error(
                    section.field("name"), at: nameNode, "another agent is already named \"\(name)\"",
                    hint: "agents send messages to each other by name, so each needs its own")
            }
            var agent = AgentSpec(
                name: name, goal: try nonEmptyString(try section.required("goal", reader: self), section.field("goal")))
            if let node = section.optional("tools") { agent.tools = try toolNames(node, section.field("tools")) }
            if let node = section.optional("binary") { agent.binary = try path(node, section.field("binary")) }
            agents.append(agent)
        }
        return agents
    }

    /// A mapping checked against `keys`: unknown keys are rejected with the nearest
    /// known one as a hint. `anchor` is where a missing key is reported.
    private func section(
        _ node: Node, path: String, anchor: Mark?, keys: [String], wrongTypeHint: String? = nil
    ) throws(ManifestError) -> Section {
        guard case .mapping(let mapping) = node else {
            throw error(path, at: node, "expected a mapping, got \(describe(node))", hint: wrongTypeHint)
        }
        var entries: [String: (key: Node, value: Node)] = [:]
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key else {
                throw error(path, at: key, "expected a key name, got \(describe(key))")
            }
            let name = scalar.string
            guard keys.contains(name) else {
                let field = path.isEmpty ? name : "\(path).\(name)"
                throw error(field, at: key, "unknown key", hint: unknownKeyHint(name, path: path, keys: keys))
            }
            entries[name] = (key, value)
        }
        return Section(path: path, anchor: anchor, entries: entries)
    }

    private func unknownKeyHint(_ name: String, path: String, keys: [String]) -> String {
        if let suggestion = nearestName(to: name, in: keys) { return "did you mean `\(suggestion)`?" }
        if path.isEmpty, let section = Self.sectionOfNestedKey[name] {
            return "`\(name)` belongs under `\(section):`"
        }
        let place = path.isEmpty ? "at the top level" : "in `\(path)`"
        return "the keys \(place) are " + keys.map { "`\($0)`" }.joined(separator: ", ")
    }

    // MARK: Values

    private func string(_ node: Node, _ field: String) throws(ManifestError) -> String {
        // Any scalar reads as its text, so `name: 007` keeps the name the user wrote.
        guard let text = scalarText(node), !isNull(node) else {
            throw error(field, at: node, "expected a string, got \(describe(node))")
        }
        return text
    }

    private func nonEmptyString(_ node: Node, _ field: String) throws(ManifestError) -> String {
        let text = try string(node, field)
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw error(field, at: node, "must not be empty")
        }
        return text
    }

    private func integer(_ node: Node, _ field: String, atLeast minimum: Int) throws(ManifestError) -> Int {
        guard case .scalar(let scalar) = node,
            let value = node.tagName == .int ? Int.construct(from: scalar) : Int(scalar.string)
        else {
            if node.tagName == .int { throw error(field, at: node, "\(describe(node)) is too large") }
            throw error(field, at: node, "expected an integer, got \(describe(node))")
        }
        guard value >= minimum else {
            throw error(field, at: node, "must be at least \(minimum), got \(value)")
        }
        return value
    }

    private func list(_ node: Node, _ field: String, hint: String) throws(ManifestError) -> [Node] {
        guard case .sequence(let sequence) = node else {
            throw error(field, at: node, "expected a list, got \(describe(node))", hint: hint)
        }
        return Array(sequence)
    }

    private func stringList(_ node: Node, _ field: String) throws(ManifestError) -> [String] {
        var strings: [String] = []
        let key = field.split(separator: ".").last.map(String.init) ?? field
        let elements = try list(node, field, hint: "write it as a list, like `\(key): [a, b]`")
        for (index, element) in elements.enumerated() {
            strings.append(try string(element, "\(field)[\(index)]"))
        }
        return strings
    }

    private func toolNames(_ node: Node, _ field: String) throws(ManifestError) -> [String] {
        let names = try stringList(node, field)
        for (index, name) in names.enumerated() where ToolGroup(name: name) == nil {
            let hint =
                nearestName(to: name, in: ToolGroup.acceptedNames).map { "did you mean `\($0)`?" }
                ?? "the tools are " + ToolGroup.allCases.map(\.rawValue).joined(separator: ", ")
            throw error("\(field)[\(index)]", at: node.array()[index], "unknown tool \"\(name)\"", hint: hint)
        }
        return names
    }

    private func boolean(_ node: Node, _ field: String) throws(ManifestError) -> Bool {
        guard case .scalar(let scalar) = node, node.tagName == .bool, let value = Bool.construct(from: scalar) else {
            throw error(field, at: node, "expected true or false, got \(describe(node))")
        }
        return value
    }

    private func size(_ node: Node, _ field: String) throws(ManifestError) -> Int {
        guard let text = scalarText(node), !isNull(node), let bytes = parseSize(text) else {
            throw error(
                field, at: node, "cannot parse \(describe(node)) as a size",
                hint: "write a number with a unit, like 512MB or 1.5GB")
        }
        return bytes
    }

    private func duration(_ node: Node, _ field: String) throws(ManifestError) -> Duration {
        guard let text = scalarText(node), !isNull(node), let duration = parseDuration(text) else {
            throw error(
                field, at: node, "cannot parse \(describe(node)) as a duration",
                hint: "write a number with a unit, like 30s, 500ms or 2m; a bare number is seconds")
        }
        guard duration > .zero else { throw error(field, at: node, "must be more than zero") }
        return duration
    }

    private func path(_ node: Node, _ field: String) throws(ManifestError) -> String {
        PathResolver.absolute(try nonEmptyString(node, field), base: directory)
    }

    private func secret(_ node: Node, _ field: String) throws(ManifestError) -> Secret {
        let text = try nonEmptyString(node, field)
        guard let secret = Secret(manifestText: text) else {
            throw error(
                field, at: node, "\(describe(node)) does not name an environment variable",
                hint: "write env: followed by the variable's name, like env:OPENAI_API_KEY")
        }
        return secret
    }

    /// Server variables: `NAME: value` as written, or `NAME: env:VAR` to pass on a host variable.
    private func environment(_ node: Node, _ field: String) throws(ManifestError) -> [String: Secret] {
        guard case .mapping(let mapping) = node else {
            throw error(
                field, at: node, "expected a mapping of variable names to values, got \(describe(node))",
                hint: "for example `env: {LOG_LEVEL: debug, API_TOKEN: env:MY_TOKEN}`")
        }
        var variables: [String: Secret] = [:]
        for (key, value) in mapping {
            let name = try nonEmptyString(key, field)
            guard !name.contains("=") else {
                throw error(field, at: key, "\"\(name)\" is not a variable name", hint: "names cannot contain `=`")
            }
            let text = try string(value, "\(field).\(name)")
            guard let variable = Secret(manifestText: text) else {
                throw error(
                    "\(field).\(name)", at: value, "\(describe(value)) does not name an environment variable",
                    hint: "write env: followed by the host variable's name, like env:GITHUB_TOKEN")
            }
            variables[name] = variable
        }
        return variables
    }

    // MARK: Helpers

    func error(_ field: String, at node: Node, _ message: String, hint: String? = nil) -> ManifestError {
        error(field, at: node.mark, message, hint: hint)
    }

    func error(_ field: String, at mark: Mark?, _ message: String, hint: String? = nil) -> ManifestError {
        ManifestError(field: field, message: message, hint: hint, line: mark?.line, column: mark?.column, file: file)
    }

    private func scalarText(_ node: Node) -> String? {
        guard case .scalar(let scalar) = node else { return nil }
        return scalar.string
    }

    private func isNull(_ node: Node) -> Bool {
        node.tagName == .null
    }

    /// How a value reads in "expected X, got Y": text is quoted unless YAML typed it
    /// as a number or boolean, so `got "ten"` and `got 10.5` both say what was written.
    func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            if isNull(node) { return "nothing" }
            let text = scalar.string.count > 40 ? String(scalar.string.prefix(40)) + "…" : scalar.string
            return [.int, .float, .bool].contains(node.tagName) ? text : "\"\(text)\""
        }
    }

    private func syntaxError(_ error: YamlError, in yaml: String) -> ManifestError {
        switch error {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            var message = "invalid YAML: \(problem)"
            if let context { message += " (\(context.text) at line \(context.mark.line))" }
            return self.error("", at: mark, message, hint: syntaxHint(problem: problem, line: mark.line, in: yaml))
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { "`\($0)`" }.joined(separator: ", ")
            return self.error(
                "", at: context.mark, "duplicate key \(keys)", hint: "a key may appear only once in a mapping")
        default:
            return ManifestError(field: "", message: "invalid YAML: \(error)", file: file)
        }
    }

    private func syntaxHint(problem: String, line: Int, in yaml: String) -> String? {
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.indices.contains(line - 1), lines[line - 1].contains("\t") {
            return "indent with spaces; YAML does not allow tabs"
        }
        if problem.contains("another document") { return "a manifest is a single YAML document; remove the `---` line" }
        return nil
    }
}

/// One checked mapping of the manifest.
struct Section {
    let path: String
    let anchor: Mark?
    let entries: [String: (key: Node, value: Node)]

    func field(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// Where the key was written, for errors about its value as a whole.
    func keyMark(_ key: String) -> Mark? { entries[key]?.key.mark }

    /// The value, or nil when the key is absent or its value is empty (null).
    func optional(_ key: String) -> Node? {
        guard let value = entries[key]?.value, value.tagName != .null else { return nil }
        return value
    }

    /// The value; an empty one is returned too, so the caller's type check can say
    /// "got nothing" at the right spot.
    func required(_ key: String, reader: ManifestReader, hint: String? = nil) throws(ManifestError) -> Node {
        guard let value = entries[key]?.value else {
            throw reader.error(field(key), at: anchor, "required, but missing", hint: hint)
        }
        return value
    }
}

extension Node {
    /// The resolved YAML type (str, int, bool, null...).
    var tagName: Tag.Name { Tag.Name(rawValue: tag.rawValue) }
}
