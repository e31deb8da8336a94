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
        /// The only values allowed (an `enum` in the schema); empty allows any string.
        var choices: [String] = []
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
            var constraints: [(key: String, value: JSONValue)] = [
                ("type", .string("string")), ("maxLength", .number("\(parameter.maxLength)")),
            ]
            if !parameter.choices.isEmpty {
                var choices: [JSONValue] = []
                for choice in parameter.choices { choices.append(.string(choice)) }
                constraints.append(("enum", .array(choices)))
            }
            properties.append((parameter.name, .object(constraints)))
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

    /// Whether a grant names one file (no wildcard): such grants become the only paths an
    /// action may name, so a small model cannot pick a path it may not touch.
    static func isLiteral(_ glob: String) -> Bool {
        !glob.utf8.contains { $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "[") }
    }

    /// The paths an action's `path` must be one of, when every grant is a literal path.
    static func pathChoices(_ globs: [String]) -> [String] {
        var literal = true
        for glob in globs where !isLiteral(glob) { literal = false }
        return literal ? globs : []
    }

    /// Every action the agent knows; each turn offers the granted ones. `peers`: the other
    /// agents of its fleet, the only names a message may go to; `grants`: the manifest's own
    /// permissions, which shape the paths offered.
    static func catalog(peers: [String], grants: Nanos.Grants) -> [AgentAction] {
        let readable = pathChoices(grants.fsRead)
        let writable = pathChoices(grants.fsWrite)
        // Listing helps only where a folder is granted; on single files it is a wrong turn.
        let listable = grants.fsRead.contains { !isLiteral($0) }
        var actions = [
            AgentAction(
                name: "fs_read", group: "fs_read", purpose: "read a text file",
                parameters: [.init(name: "path", placeholder: "<file path>", maxLength: 120, choices: readable)]
            ) { (arguments: [String]) throws(NanosError) -> String in
                let text = try Nanos.fs.read(arguments[0])
                return "Contents of \(arguments[0]):\n\(text)"
            },
            AgentAction(
                name: "fs_list", group: "fs_read", purpose: "list the files in a folder",
                parameters: [.init(name: "path", placeholder: "<folder path>", maxLength: 120)]
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
                    .init(name: "path", placeholder: "<file path>", maxLength: 120, choices: writable),
                    .init(name: "content", placeholder: "<text>", maxLength: 400),
                ],
                changesFiles: true
            ) { (arguments: [String]) throws(NanosError) -> String in
                try Nanos.fs.write(arguments[0], arguments[1])
                return "Wrote \(arguments[1].utf8.count) bytes to \(arguments[0])."
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
                parameters: [.init(name: "summary", placeholder: "<what you did>", maxLength: 300)]
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
                changesFiles: true
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

    static func systemPrompt(_ actions: [AgentAction]) -> String {
        var lines = [
            "You are an agent. You reach a goal by taking actions, one at a time.",
            "Answer with exactly one JSON object: {\"tool\": \"<action>\", \"args\": {...}}",
            "Actions:",
        ]
        for action in actions { lines.append(action.promptLine) }
        lines.append("After each action you get an observation with its result. Use it to choose the next action.")
        lines.append("When the goal is reached, answer with the done action.")
        return lines.joined(separator: "\n")
    }

    /// "Goal: …", plus the paths the goal names: a small model copies a listed path
    /// exactly, where it shortens one inside a sentence ("data/a.txt" becomes "data.txt").
    static func goalMessage(_ goal: String) -> String {
        let paths = pathsNamed(in: goal)
        if paths.isEmpty { return "Goal: \(goal)" }
        return "Goal: \(goal)\nPaths in the goal: \(paths.joined(separator: ", "))"
    }

    /// The words of `text` that contain a "/", without surrounding quotes or
    /// trailing punctuation, each once, in order.
    static func pathsNamed(in text: String) -> [String] {
        let trimmed: [UInt8] = Array("\"'`()[]<>,;:!?.".utf8)
        var paths: [String] = []
        for word in Array(text.utf8).split(whereSeparator: { $0 == 0x20 || $0 == 0x0A || $0 == 0x09 || $0 == 0x0D }) {
            var bytes = word[...]
            while let last = bytes.last, trimmed.contains(last) { bytes = bytes.dropLast() }
            while let first = bytes.first, trimmed.contains(first) { bytes = bytes.dropFirst() }
            guard bytes.contains(UInt8(ascii: "/")) else { continue }
            let path = String(decoding: bytes, as: UTF8.self)
            if !paths.contains(where: { $0.utf8.elementsEqual(path.utf8) }) { paths.append(path) }
        }
        return paths
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
    let actions = CoreAgent.catalog(peers: Nanos.fleet.peers(), grants: grants).filter {
        $0.isGranted(by: granted)
    }
    // Tools whose repeat was refused are taken out of the next answers' schema (until a
    // write changes what they would see): constrained decoding then has to pick another
    // action, which moves a small model on where words alone do not.
    var retired: [String] = []
    var conversation = Conversation(
        system: CoreAgent.systemPrompt(actions), goal: CoreAgent.goalMessage(goal), budget: CoreAgent.historyBudget)

    var previousAnswer = ""
    var identicalAnswers = 0
    // Actions already performed since the last successful write: running one again
    // would only repeat its observation, which is still in the conversation.
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
                        performed.removeAll()
                        retired.removeAll()
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
