// core.swift — the default nanos agent ("core agent"), in Embedded Swift.
//
// nanos runs it when a manifest names no `binary:`. It pursues the manifest's goal
// with the manifest's model: each turn it shows the model the goal, the actions its
// grants allow and what happened so far, asks for exactly one JSON action (a JSON
// Schema makes the engine emit only valid actions), performs it through the SDK and
// feeds the result back as an observation, until the model calls `done`.
//
// Build: nanos compile guest/agents/core/core.swift -o guest/agents/build/core.wasm
// The SDK (guest/swift/*.swift) is compiled in by `nanos compile`.
//
// Exit codes of run(): 0 done; 1 the model failed; 2 no goal; 3 the model kept
// repeating itself. The host ends the run itself when resources.max_steps is spent.

// MARK: - Actions

/// One action the model may take. Adding an action is one entry in `CoreAgent.catalog`.
struct AgentAction {
    /// What the model writes in "tool", e.g. "fs_read".
    let name: String
    /// The tool group that must be granted; nil means always offered.
    let group: String?
    /// One line for the prompt: what the action does.
    let purpose: String
    /// The arguments, all strings, all required, in this order.
    let parameters: [Parameter]
    /// Whether a success can change what other actions observe (a write).
    var changesFiles = false
    /// The argument naming what a success changes (the path written), if any.
    var changedArgument: Int? = nil
    /// Whether doing it again can observe something new (a receive): never refused as a repeat.
    var repeatable = false
    /// Runs the action with the arguments in `parameters` order; returns the observation.
    let perform: ([String]) throws(NanosError) -> String

    struct Parameter {
        let name: String
        /// How the prompt shows the value, e.g. "<file path>".
        let placeholder: String
        /// Keeps a small model from rambling: the schema caps the string's length.
        let maxLength: Int
        /// The only values allowed (an `enum` in the schema) ...
        var choices: [String] = []
        /// ... or values matching one of these regular expressions (glob grants); with
        /// neither, any string of at most `maxLength` bytes.
        var patterns: [String] = []

        init(name: String, placeholder: String, maxLength: Int, paths: GrantedPaths? = nil) {
            self.name = name
            self.placeholder = placeholder
            self.maxLength = maxLength
            if let paths {
                choices = paths.literals
                patterns = paths.patterns
            }
        }

        init(name: String, placeholder: String, maxLength: Int, choices: [String]) {
            self.name = name
            self.placeholder = placeholder
            self.maxLength = maxLength
            self.choices = choices
        }

        /// `{"type":"string", …}` with the enum, the patterns or the length cap.
        var schema: JSONValue {
            var branches: [JSONValue] = []
            if !choices.isEmpty {
                var values: [JSONValue] = []
                for choice in choices { values.append(.string(choice)) }
                branches.append(.object([("type", .string("string")), ("enum", .array(values))]))
            }
            for pattern in patterns {
                branches.append(.object([("type", .string("string")), ("pattern", .string(pattern))]))
            }
            if branches.isEmpty {
                return .object([("type", .string("string")), ("maxLength", .number("\(maxLength)"))])
            }
            return branches.count == 1 ? branches[0] : .object([("anyOf", .array(branches))])
        }
    }

    func isGranted(by groups: [String]) -> Bool {
        guard let group else { return true }
        return groups.contains { $0.utf8.elementsEqual(group.utf8) }
    }

    /// `fs_read {"path": "<file path>"}: read a text file`
    var promptLine: String {
        var fields: [String] = []
        for parameter in parameters {
            fields.append(JSONValue.quoted(parameter.name) + ": " + JSONValue.quoted(parameter.placeholder))
        }
        return "- \(name) {\(fields.joined(separator: ", "))}: \(purpose)"
    }

    /// `{"type":"object","properties":{"tool":{"const":NAME},"args":{…}},"required":["tool","args"]}`
    var schema: JSONValue {
        var properties: [(key: String, value: JSONValue)] = []
        var required: [JSONValue] = []
        for parameter in parameters {
            properties.append((parameter.name, parameter.schema))
            required.append(.string(parameter.name))
        }
        return .object([
            ("type", .string("object")),
            (
                "properties",
                .object([
                    ("tool", .object([("const", .string(name))])),
                    (
                        "args",
                        .object([
                            ("type", .string("object")), ("properties", .object(properties)),
                            ("required", .array(required)),
                        ])
                    ),
                ])
            ),
            ("required", .array([.string("tool"), .string("args")])),
        ])
    }
}

// MARK: - Grants

/// The paths one kind of grant (`fs_read` or `fs_write`) allows, shaped for the answer
/// schema: literal grants become an `enum`, glob grants regular expressions, so the
/// model cannot name a path it may not use.
struct GrantedPaths {
    /// The grants as written in the manifest, without a leading "./".
    let globs: [String]
    /// Grants without a wildcard: the only files they allow.
    var literals: [String] = []
    /// One regular expression per glob grant (see `pattern(for:)`).
    var patterns: [String] = []
    /// The folder above each glob grant's first wildcard: what may be listed.
    var folders: [String] = []

    /// Longest name a wildcard stands for, so a pattern bounds what the model writes.
    static let maxNameBytes = 60
    /// Deepest run of folders a `**` stands for.
    static let maxGlobstarDepth = 4

    init(_ grants: [String]) {
        var cleaned: [String] = []
        for grant in grants { cleaned.append(Self.withoutDotSlash(grant)) }
        globs = cleaned
        for glob in globs {
            if Self.hasWildcard(glob) {
                patterns.append(Self.pattern(for: glob))
                let folder = Self.literalFolder(of: glob)
                if !folders.contains(where: { $0.utf8.elementsEqual(folder.utf8) }) { folders.append(folder) }
            } else if !literals.contains(where: { $0.utf8.elementsEqual(glob.utf8) }) {
                literals.append(glob)
            }
        }
    }

    static func withoutDotSlash(_ path: String) -> String {
        var bytes = Array(path.utf8)[...]
        while bytes.starts(with: [UInt8(ascii: "."), UInt8(ascii: "/")]) { bytes = bytes.dropFirst(2) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Only `*` and `?` are wildcards in a grant (the host's glob rules).
    static func hasWildcard(_ text: some Sequence<UInt8>) -> Bool {
        text.contains { $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "?") }
    }

    static func hasWildcard(_ text: String) -> Bool { hasWildcard(text.utf8) }

    static func segments(_ path: String) -> [ArraySlice<UInt8>] {
        Array(path.utf8).split(separator: UInt8(ascii: "/"))
    }

    /// `data/*.txt` → `data`, `notes/**` → `notes`, `*` → `.`.
    static func literalFolder(of glob: String) -> String {
        var parts: [String] = []
        for segment in segments(glob) {
            if hasWildcard(segment) { break }
            parts.append(String(decoding: segment, as: UTF8.self))
        }
        let folder = parts.joined(separator: "/")
        if glob.utf8.first == UInt8(ascii: "/") { return "/" + folder }
        return folder.isEmpty ? "." : folder
    }

    /// A regular expression matching the paths the glob matches, with names bounded:
    /// `*` → `[^/]{0,60}` (`{1,60}` when it is the whole name), `?` → `[^/]`, a whole
    /// `**` → up to four folders (or, last, a file up to four folders down).
    static func pattern(for glob: String) -> String {
        var regex = glob.utf8.first == UInt8(ascii: "/") ? "/" : ""
        let parts = segments(glob)
        var separate = false
        for (index, segment) in parts.enumerated() {
            let isLast = index == parts.count - 1
            if segment.elementsEqual("**".utf8) {
                let name = "[^/]{1,\(maxNameBytes)}"
                regex += (separate ? "/" : "")
                regex +=
                    isLast ? "\(name)(?:/\(name)){0,\(maxGlobstarDepth - 1)}" : "(?:\(name)/){0,\(maxGlobstarDepth)}"
                separate = false
                continue
            }
            if separate { regex += "/" }
            separate = true
            if segment.elementsEqual("*".utf8) {
                regex += "[^/]{1,\(maxNameBytes)}"
                continue
            }
            for byte in segment {
                switch byte {
                case UInt8(ascii: "*"): regex += "[^/]{0,\(maxNameBytes)}"
                case UInt8(ascii: "?"): regex += "[^/]"
                default:
                    if "\\.^$|+()[]{}".utf8.contains(byte) { regex += "\\" }
                    regex += String(decoding: [byte], as: UTF8.self)
                }
            }
        }
        return regex
    }

    /// Whether a grant matches `path` (the host decides; this only words the prompt).
    func allows(_ path: String) -> Bool {
        let wanted = Self.segments(Self.withoutDotSlash(path))
        for glob in globs where Self.matches(Self.segments(glob)[...], wanted[...]) { return true }
        return false
    }

    private static func matches(_ glob: ArraySlice<ArraySlice<UInt8>>, _ path: ArraySlice<ArraySlice<UInt8>>) -> Bool {
        guard let first = glob.first else { return path.isEmpty }
        if first.elementsEqual("**".utf8) {
            var rest = path
            while true {
                if matches(glob.dropFirst(), rest) { return true }
                guard !rest.isEmpty else { return false }
                rest = rest.dropFirst()
            }
        }
        guard let name = path.first, nameMatches(first, name) else { return false }
        return matches(glob.dropFirst(), path.dropFirst())
    }

    private static func nameMatches(_ glob: ArraySlice<UInt8>, _ name: ArraySlice<UInt8>) -> Bool {
        guard let first = glob.first else { return name.isEmpty }
        if first == UInt8(ascii: "*") {
            var rest = name
            while true {
                if nameMatches(glob.dropFirst(), rest) { return true }
                guard !rest.isEmpty else { return false }
                rest = rest.dropFirst()
            }
        }
        guard let byte = name.first, first == UInt8(ascii: "?") || first == byte else { return false }
        return nameMatches(glob.dropFirst(), name.dropFirst())
    }
}

/// The read and write grants, shaped once per run.
struct GrantedFiles {
    let readable: GrantedPaths
    let writable: GrantedPaths

    init(_ grants: Nanos.Grants) {
        readable = GrantedPaths(grants.fsRead)
        writable = GrantedPaths(grants.fsWrite)
    }
}

/// "3 lines, 12 words. Values: 42.50, 2291": what a small model cannot count or pick
/// out reliably itself, shown after a file's text.
struct TextCounts: CustomStringConvertible {
    let lines: Int
    let words: Int

    /// Words holding a digit or an "@" (codes, amounts, dates, addresses), without the
    /// punctuation around them, each once: what a goal most often asks to pick out.
    let values: [String]

    init(_ text: String) {
        values = Self.values(in: text)
        var lines = 0
        var words = 0
        var inWord = false
        var last: UInt8 = 0x0A
        for byte in text.utf8 {
            if byte == 0x0A { lines += 1 }
            let isSpace = byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D
            if !isSpace && !inWord { words += 1 }
            inWord = !isSpace
            last = byte
        }
        if last != 0x0A { lines += 1 }
        self.lines = lines
        self.words = words
    }

    static let maxValues = 12

    static func values(in text: String) -> [String] {
        var found: [String] = []
        for word in CoreAgent.trimmedWords(in: text) {
            let bytes = word.utf8
            guard bytes.contains(where: { (0x30...0x39).contains($0) || $0 == UInt8(ascii: "@") }),
                !bytes.contains(UInt8(ascii: "/"))
            else { continue }
            if !found.contains(where: { $0.utf8.elementsEqual(bytes) }) { found.append(word) }
            if found.count == maxValues { break }
        }
        return found
    }

    var description: String {
        var text = "\(lines) line\(lines == 1 ? "" : "s"), \(words) word\(words == 1 ? "" : "s")"
        if !values.isEmpty { text += ". Values: " + values.joined(separator: ", ") }
        return text
    }
}

// MARK: - The agent

enum CoreAgent {
    /// How long `agent_recv` waits for a message.
    static let receiveWaitMilliseconds: Int32 = 30_000

    /// What to try after a failed action, for a small model that will not work it out: the
    /// paths it may use after a denial or a missing file.
    static func nextStepHint(_ error: NanosError, action: AgentAction, grants: Nanos.Grants) -> String {
        guard error.code == NanosError.EPERM || error.code == NanosError.ENOENT else { return "" }
        let writes = action.name.utf8.elementsEqual("fs_write".utf8)
        let reads = action.name.utf8.elementsEqual("fs_read".utf8) || action.name.utf8.elementsEqual("fs_list".utf8)
        guard writes || reads else { return "" }
        let paths = writes ? grants.fsWrite : grants.fsRead
        if paths.isEmpty { return "\nYou may not \(writes ? "write" : "read") any file." }
        return "\nYou may \(writes ? "write" : "read") only: \(paths.joined(separator: ", "))."
    }

    /// Every action the agent knows; each turn offers the granted ones. `peers`: the other
    /// agents of its fleet, the only names a message may go to; `grants`: the manifest's own
    /// permissions, which shape the paths offered.
    static func catalog(peers: [String], paths: GrantedFiles) -> [AgentAction] {
        let readable = paths.readable
        let writable = paths.writable
        // Listing helps only where a folder is granted; on single files it is a wrong turn.
        let listable = !readable.folders.isEmpty
        var actions = [
            AgentAction(
                name: "fs_read", group: "fs_read", purpose: "read a text file",
                parameters: [.init(name: "path", placeholder: "<file path>", maxLength: 120, paths: readable)]
            ) { (arguments: [String]) throws(NanosError) -> String in
                let text = try Nanos.fs.read(arguments[0])
                return "Contents of \(arguments[0]):\n\(text)\n(\(TextCounts(text)))"
            },
            AgentAction(
                name: "fs_list", group: "fs_read", purpose: "list the files in a folder",
                parameters: [
                    .init(name: "path", placeholder: "<folder path>", maxLength: 120, choices: readable.folders)
                ]
            ) { (arguments: [String]) throws(NanosError) -> String in
                let entries = try Nanos.fs.entries(arguments[0])
                if entries.isEmpty { return "\(arguments[0]) is empty." }
                var lines = ["Files in \(arguments[0]):"]
                for entry in entries {
                    lines.append(
                        entry.kind == .file ? "\(entry.name) (\(entry.size) bytes)" : "\(entry.name) (\(entry.kind))")
                }
                return lines.joined(separator: "\n")
            },
            AgentAction(
                name: "fs_write", group: "fs_write", purpose: "create or replace a file with the given text",
                parameters: [
                    .init(name: "path", placeholder: "<file path>", maxLength: 120, paths: writable),
                    .init(name: "content", placeholder: "<exactly the text to write>", maxLength: 400),
                ],
                changesFiles: true, changedArgument: 0
            ) { (arguments: [String]) throws(NanosError) -> String in
                try Nanos.fs.write(arguments[0], arguments[1])
                // No byte count: a small model copies numbers it sees into its next answer.
                return "Wrote \(arguments[0])."
            },
            AgentAction(
                name: "web_fetch", group: "web", purpose: "fetch a web page",
                parameters: [.init(name: "url", placeholder: "<url>", maxLength: 300)]
            ) { (arguments: [String]) throws(NanosError) -> String in
                let response = try Nanos.web.fetch(arguments[0])
                return "HTTP \(response.status) from \(response.url):\n\(response.text)"
            },
            AgentAction(
                name: "done", group: nil, purpose: "finish, once the goal is reached",
                parameters: [.init(name: "summary", placeholder: "<the answer, or what you did>", maxLength: 300)]
            ) { (arguments: [String]) throws(NanosError) -> String in
                Nanos.done(arguments[0])
            },
        ]
        if !listable { actions.removeAll { $0.name.utf8.elementsEqual("fs_list".utf8) } }
        guard !peers.isEmpty else { return actions }
        // In a fleet, messages are what the goal is about: they come first, as a small
        // model favours the actions listed first.
        var fleetActions: [AgentAction] = []
        fleetActions.append(
            AgentAction(
                name: "agent_send", group: "agent_send", purpose: "send a message to another agent",
                parameters: [
                    .init(name: "to", placeholder: "<agent name>", maxLength: 64, choices: peers),
                    .init(name: "message", placeholder: "<text>", maxLength: 400),
                ],
                changesFiles: true, changedArgument: 0
            ) { (arguments: [String]) throws(NanosError) -> String in
                try Nanos.fleet.send(arguments[0], arguments[1])
                return "Sent \(arguments[1].utf8.count) bytes to \(arguments[0])."
            })
        fleetActions.append(
            AgentAction(
                name: "agent_recv", group: "agent_recv", purpose: "wait for a message from another agent",
                parameters: [], repeatable: true
            ) { (_: [String]) throws(NanosError) -> String in
                guard let message = try Nanos.fleet.receive(timeoutMilliseconds: receiveWaitMilliseconds) else {
                    return "No message arrived within \(receiveWaitMilliseconds / 1000) s."
                }
                return "Message from \(message.from):\n\(message.text)"
            })
        return fleetActions + actions
    }

    // Budgets, in UTF-8 bytes of message text. The default context is 2048 tokens
    // (about 3 bytes each for this kind of text): the prompt gets about 1500 tokens,
    // the answer `maxAnswerTokens`.
    static let observationBudget = 1500
    static let historyBudget = 4500
    static let maxAnswerTokens = 300
    /// The same answer this many times in a row ends the run.
    static let maxIdenticalAnswers = 3
    /// This many answers that repeat an earlier action end the run.
    static let maxRepeatedActions = 4

    static let exitModelFailed: Int32 = 1
    static let exitNoGoal: Int32 = 2
    static let exitRepeating: Int32 = 3

    /// The actions, then the files the grants allow, so the model need not guess a path.
    static func systemPrompt(_ actions: [AgentAction], paths: GrantedFiles) -> String {
        var lines = [
            "You are an agent. You reach a goal by taking actions, one at a time.",
            "Answer with exactly one JSON object: {\"tool\": \"<action>\", \"args\": {...}}",
            "Actions:",
        ]
        for action in actions { lines.append(action.promptLine) }
        let offers = { (name: String) in actions.contains { $0.name.utf8.elementsEqual(name.utf8) } }
        if offers("fs_read") {
            lines.append("Files you may read: " + paths.readable.globs.joined(separator: ", "))
        }
        if offers("fs_write") {
            lines.append("Files you may write: " + paths.writable.globs.joined(separator: ", "))
        }
        lines.append("After each action you get an observation with its result. Use it to choose the next action.")
        lines.append("When the goal is reached, answer with the done action.")
        return lines.joined(separator: "\n")
    }

    /// "Goal: …", plus the paths the goal names and what the grants allow with each: a
    /// small model copies a listed path exactly, where it shortens one inside a sentence
    /// ("data/a.txt" becomes "data.txt"), and it is told up front which paths are out of bounds.
    static func goalMessage(_ goal: String, paths granted: GrantedFiles) -> String {
        let quotes = quotedTexts(in: goal)
        let quoted = quotes.isEmpty ? "" : "\nText quoted in the goal: " + quotes.joined(separator: ", ")
        let paths = pathsNamed(in: goal)
        if paths.isEmpty { return "Goal: \(goal)" + quoted }
        let readable = granted.readable
        let writable = granted.writable
        var notes: [String] = []
        for path in paths {
            let read = readable.allows(path)
            let write = writable.allows(path)
            let note =
                read && write
                ? "you may read and write it"
                : read ? "you may read it" : write ? "you may write it" : "not granted: you may not use it"
            notes.append("\(path) (\(note))")
        }
        var message = "Goal: \(goal)\nPaths in the goal: \(notes.joined(separator: ", "))" + quoted
        let outside = pathsOutsideGrants(goal, paths: granted)
        if !outside.isEmpty {
            message +=
                "\nThe goal needs \(outside.joined(separator: ", ")), which you may not use: do nothing, "
                + "finish with done and say so."
        }
        return message
    }

    /// The texts between double quotes, with their quotes: a small model copies a text
    /// set apart on its own line exactly, where it rewrites one inside a sentence.
    static func quotedTexts(in text: String) -> [String] {
        var found: [String] = []
        let parts = Array(text.utf8).split(separator: UInt8(ascii: "\""), omittingEmptySubsequences: false)
        var index = 1
        while index < parts.count - 1 {
            if !parts[index].isEmpty { found.append("\"" + String(decoding: parts[index], as: UTF8.self) + "\"") }
            index += 2
        }
        return found
    }

    /// The paths a goal names that no read or write grant allows. Only words that look
    /// like file paths count (a leading "/", "./", "../" or "~", or a name with an
    /// extension), so "and/or" is not one. A goal that needs such a path cannot be
    /// reached, and doing part of it (copying some other file) is worse than nothing.
    static func pathsOutsideGrants(_ goal: String, paths: GrantedFiles) -> [String] {
        let readable = paths.readable
        let writable = paths.writable
        var outside: [String] = []
        for path in pathsNamed(in: goal) where looksLikeFilePath(path) {
            if !readable.allows(path) && !writable.allows(path) { outside.append(path) }
        }
        return outside
    }

    static func looksLikeFilePath(_ word: String) -> Bool {
        let bytes = Array(word.utf8)
        guard let first = bytes.first else { return false }
        if first == UInt8(ascii: "/") || first == UInt8(ascii: "~") || first == UInt8(ascii: ".") { return true }
        let lastName = bytes.split(separator: UInt8(ascii: "/")).last ?? []
        return lastName.dropFirst().contains(UInt8(ascii: "."))
    }

    /// Whether `text` contains `part` (byte-wise).
    static func mentions(_ text: String, _ part: String) -> Bool {
        let bytes = Array(text.utf8)
        let needle = Array(part.utf8)
        guard !needle.isEmpty, bytes.count >= needle.count else { return needle.isEmpty }
        for start in 0...(bytes.count - needle.count) where bytes[start..<(start + needle.count)].elementsEqual(needle)
        {
            return true
        }
        return false
    }

    /// The words of `text` that contain a "/", each once, in order.
    static func pathsNamed(in text: String) -> [String] {
        var paths: [String] = []
        for word in trimmedWords(in: text) where word.utf8.contains(UInt8(ascii: "/")) {
            if !paths.contains(where: { $0.utf8.elementsEqual(word.utf8) }) { paths.append(word) }
        }
        return paths
    }

    /// The words of `text` (split at spaces and line breaks) without the quotes, brackets
    /// and punctuation around them; empty words are left out.
    static func trimmedWords(in text: String) -> [String] {
        let trimmed: [UInt8] = Array("\"'`()[]<>,;:!?.".utf8)
        var words: [String] = []
        for word in Array(text.utf8).split(whereSeparator: { $0 == 0x20 || $0 == 0x0A || $0 == 0x09 || $0 == 0x0D }) {
            var bytes = word[...]
            while let last = bytes.last, trimmed.contains(last) { bytes = bytes.dropLast() }
            while let first = bytes.first, trimmed.contains(first) { bytes = bytes.dropFirst() }
            if !bytes.isEmpty { words.append(String(decoding: bytes, as: UTF8.self)) }
        }
        return words
    }

    /// The schema every answer must satisfy: one of the granted actions.
    static func answerSchema(_ actions: [AgentAction]) -> JSONValue {
        var choices: [JSONValue] = []
        for action in actions { choices.append(action.schema) }
        return .object([("oneOf", .array(choices))])
    }

    static func inferenceRequest(_ conversation: Conversation, schema: JSONValue) -> String {
        JSONValue.object([
            ("messages", conversation.json),
            ("max_tokens", .number("\(maxAnswerTokens)")),
            ("temperature", .number("0")),
            ("schema", schema),
        ]).serialized
    }
}

// MARK: - Reading the model's answer

/// What the model asked for, or why its answer cannot be performed.
enum ParsedAnswer {
    case action(AgentAction, arguments: [String], canonical: String)
    case invalid(String)
}

/// Parses an answer with the JSON parser and checks it against the offered actions.
func parseAnswer(_ answer: String, actions: [AgentAction]) -> ParsedAnswer {
    let value: JSONValue
    do {
        value = try JSONValue.parse(answer)
    } catch {
        // Without a schema (a remote model that ignores it) answers come wrapped in
        // prose or code fences: try the span from the first "{" to the last "}".
        guard let inner = outermostBraces(answer), let parsed = try? JSONValue.parse(inner) else {
            return .invalid("your answer is not valid JSON (\(error))")
        }
        value = parsed
    }
    guard value.objectValue != nil else { return .invalid("your answer must be a JSON object") }
    guard let tool = value["tool"]?.stringValue else {
        return .invalid("your answer has no \"tool\" string")
    }
    var names: [String] = []
    for action in actions { names.append(action.name) }
    guard let action = actions.first(where: { $0.name.utf8.elementsEqual(tool.utf8) }) else {
        return .invalid("unknown action \(JSONValue.quoted(tool)); the actions are \(names.joined(separator: ", "))")
    }
    let givenArguments = value["args"] ?? .object([])
    guard givenArguments.objectValue != nil else { return .invalid("\"args\" must be a JSON object") }
    var arguments: [String] = []
    var canonical: [(key: String, value: JSONValue)] = []
    for parameter in action.parameters {
        guard let text = givenArguments[parameter.name]?.stringValue else {
            return .invalid("\(action.name) needs the string argument \(JSONValue.quoted(parameter.name))")
        }
        arguments.append(text)
        canonical.append((parameter.name, .string(text)))
    }
    let canonicalText = JSONValue.object([("tool", .string(action.name)), ("args", .object(canonical))]).serialized
    return .action(action, arguments: arguments, canonical: canonicalText)
}

/// The text from the first "{" to the last "}", if there is such a span.
func outermostBraces(_ text: String) -> String? {
    let bytes = Array(text.utf8)
    guard let first = bytes.firstIndex(of: UInt8(ascii: "{")), let last = bytes.lastIndex(of: UInt8(ascii: "}")),
        first < last
    else { return nil }
    return String(decoding: bytes[first...last], as: UTF8.self)
}

// MARK: - Text budgets

/// `text` cut to at most `budget` bytes of UTF-8, never inside a character's
/// encoding, with "…[truncated]" appended when anything was cut.
func truncated(_ text: String, budget: Int) -> String {
    let bytes = Array(text.utf8)
    guard bytes.count > budget else { return text }
    var cut = max(0, budget)
    // Back up over continuation bytes (10xxxxxx) to the start of a sequence.
    while cut > 0, bytes[cut] & 0xC0 == 0x80 { cut -= 1 }
    return String(decoding: bytes[..<cut], as: UTF8.self) + "…[truncated]"
}

/// The chat sent to the model. The system prompt and the goal always stay; the
/// oldest turns (an answer and its observation) go once the text is over budget.
struct Conversation {
    struct Message {
        let role: String
        let content: String
    }

    private let system: Message
    private let goal: Message
    private var turns: [Message] = []
    let budget: Int

    init(system: String, goal: String, budget: Int) {
        self.system = Message(role: "system", content: system)
        self.goal = Message(role: "user", content: goal)
        self.budget = budget
    }

    /// How many turns were dropped to stay within the budget.
    private(set) var droppedTurns = 0

    mutating func record(answer: String, observation: String) {
        turns.append(Message(role: "assistant", content: answer))
        turns.append(Message(role: "user", content: observation))
        // Keep the newest turn even if alone it is over budget: the model needs it.
        while byteCount > budget, turns.count > 2 {
            turns.removeFirst(2)
            droppedTurns += 1
        }
    }

    var byteCount: Int {
        var total = system.content.utf8.count + goal.content.utf8.count
        for message in turns { total += message.content.utf8.count }
        return total
    }

    var json: JSONValue {
        var messages: [JSONValue] = []
        for message in [system, goal] + turns {
            messages.append(.object([("role", .string(message.role)), ("content", .string(message.content))]))
        }
        return .array(messages)
    }
}

// MARK: - The loop

@_expose(wasm, "run")
@_cdecl("run")
func run() -> Int32 {
    let goal = Nanos.goal()
    guard !goal.isEmpty else {
        Nanos.log(
            "core agent: no goal (the manifest's goal: is empty, or the agent group is not granted)", level: .error)
        return CoreAgent.exitNoGoal
    }
    let granted = Nanos.tools()
    let grants = Nanos.grants()
    let paths = GrantedFiles(grants)
    let actions = CoreAgent.catalog(peers: Nanos.fleet.peers(), paths: paths).filter {
        $0.isGranted(by: granted)
    }
    // Tools whose repeat was refused are taken out of the next answers' schema (until a
    // write changes what they would see), as is a write once done (until a read brings
    // something new): constrained decoding then has to pick another action, which moves a
    // small model on where words alone do not.
    var retired: [String] = []
    // A goal that needs a path outside the grants cannot be reached: only done is offered.
    if !CoreAgent.pathsOutsideGrants(goal, paths: paths).isEmpty {
        for action in actions where action.name != "done" { retired.append(action.name) }
    }
    var conversation = Conversation(
        system: CoreAgent.systemPrompt(actions, paths: paths), goal: CoreAgent.goalMessage(goal, paths: paths),
        budget: CoreAgent.historyBudget)

    var previousAnswer = ""
    var identicalAnswers = 0
    // Actions already performed (reads of a path written since are forgotten): running
    // one again would only repeat its observation, which is still in the conversation.
    var performed: [String] = []
    var repeatedActions = 0
    var turn = 0
    while true {
        turn += 1
        let answer: String
        do {
            let offered = actions.filter { action in
                action.name == "done" || !retired.contains { $0.utf8.elementsEqual(action.name.utf8) }
            }
            answer = try Nanos.llm.infer(
                json: CoreAgent.inferenceRequest(conversation, schema: CoreAgent.answerSchema(offered)))
        } catch {
            if error.code == NanosError.EQUOTA {
                Nanos.done("stopped after \(turn - 1) steps: \(error.message)")
            }
            Nanos.log("step \(turn): the model failed: \(error)", level: .error)
            return CoreAgent.exitModelFailed
        }

        let parsed = parseAnswer(answer, actions: actions)
        // Repeats are recognised on the canonical action, so spacing does not hide them.
        let key: String
        switch parsed {
        case .action(_, _, let canonical): key = canonical
        case .invalid: key = answer
        }
        identicalAnswers = key.utf8.elementsEqual(previousAnswer.utf8) ? identicalAnswers + 1 : 1
        previousAnswer = key
        if identicalAnswers >= CoreAgent.maxIdenticalAnswers {
            Nanos.log(
                "step \(turn): stopping: the model gave the same answer \(identicalAnswers) times in a row: "
                    + truncated(key, budget: 300), level: .error)
            return CoreAgent.exitRepeating
        }

        let observation: String
        let shownAnswer: String
        switch parsed {
        case .invalid(let reason):
            shownAnswer = truncated(answer, budget: 300)
            observation =
                "Error: \(reason). Answer with one JSON action, for example {\"tool\": \"done\", \"args\": {\"summary\": \"...\"}}."
            Nanos.log("step \(turn): invalid answer: \(reason): \(shownAnswer)", level: .warn)
        case .action(let action, let arguments, let canonical):
            shownAnswer = canonical
            if !action.repeatable, performed.contains(where: { $0.utf8.elementsEqual(canonical.utf8) }) {
                repeatedActions += 1
                if repeatedActions >= CoreAgent.maxRepeatedActions {
                    Nanos.log(
                        "step \(turn): stopping: the model repeated earlier actions \(repeatedActions) times, "
                            + "last \(canonical)", level: .error)
                    return CoreAgent.exitRepeating
                }
                // Save the step and tell the model to move on.
                observation =
                    "You already did exactly this, and its result is above. Do not repeat it: "
                    + "take the next step toward the goal, or use done if the goal is reached."
                if !retired.contains(where: { $0.utf8.elementsEqual(action.name.utf8) }) { retired.append(action.name) }
                Nanos.log("step \(turn): \(canonical) repeated; not run again", level: .warn)
            } else {
                do {
                    let result = truncated(try action.perform(arguments), budget: CoreAgent.observationBudget)
                    // Point out paths the result names (an instruction saying where to write),
                    // as the goal message does for the goal's paths.
                    let named = action.changesFiles ? [] : CoreAgent.pathsNamed(in: result)
                    observation =
                        named.isEmpty ? result : result + "\nPaths named here: " + named.joined(separator: ", ")
                    Nanos.log("step \(turn): \(canonical) -> ok, \(observation.utf8.count) bytes")
                    if action.changesFiles {
                        // What reads the written path may now see something new; everything
                        // else would repeat itself. The effect itself is retired until new
                        // information arrives: a small model otherwise rewrites its answer
                        // with worse ones instead of finishing.
                        if let changed = action.changedArgument {
                            let written = JSONValue.quoted(arguments[changed])
                            performed.removeAll { CoreAgent.mentions($0, written) }
                        }
                        retired = []
                        for other in actions where other.changesFiles { retired.append(other.name) }
                    } else {
                        retired.removeAll { name in actions.contains { $0.changesFiles && $0.name == name } }
                    }
                } catch {
                    if error.code == NanosError.EQUOTA {
                        Nanos.done("stopped after \(turn) steps: \(error.message)")
                    }
                    // A denial is information for the model, not the end of the run: it is
                    // told what it may do instead.
                    observation = truncated(
                        "Error: \(error)" + CoreAgent.nextStepHint(error, action: action, grants: grants),
                        budget: CoreAgent.observationBudget)
                    Nanos.log("step \(turn): \(canonical) -> \(error)", level: .warn)
                }
            }
        }
        if case .action = parsed, !performed.contains(where: { $0.utf8.elementsEqual(key.utf8) }) {
            performed.append(key)
        }
        conversation.record(answer: shownAnswer, observation: "Observation: " + observation)
    }
}
