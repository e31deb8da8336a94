import Foundation
import Testing

@testable import NanosManifest

@Suite struct ManifestErrorTests {
    @Test func unknownKeySuggestsTheNearestKnownKey() throws {
        let error = try #require(
            parseError(
                """
                resources:
                  memroy: 256MB
                  max_steps: 10
                permissions: {}
                """))
        #expect(error.field == "resources.memroy")
        #expect(error.line == 2)
        #expect(error.column == 3)
        #expect(error.description == "agent.nano:2:3: resources.memroy: unknown key\n  hint: did you mean `memory`?")
    }

    @Test func unknownKeyWithNothingCloseListsTheKnownKeys() throws {
        let error = try #require(parseError(minimalManifest + "\nflavour: vanilla\n"))
        #expect(error.line == 5)
        #expect(error.hint?.contains("`resources`, `permissions`") == true)
    }

    @Test func sectionKeyAtTheTopLevelSaysWhereItBelongs() throws {
        let error = try #require(parseError(minimalManifest + "\nmax_steps: 3\n"))
        #expect(error.hint == "`max_steps` belongs under `resources:`")
    }

    @Test func wrongTypeNamesTheExpectedType() throws {
        let error = try #require(
            parseError(
                """
                resources:
                  memory: 256MB
                  max_steps: ten
                permissions: {}
                """))
        #expect(error.description == "agent.nano:3:14: resources.max_steps: expected an integer, got \"ten\"")
    }

    @Test func unparsableSizeGetsAHint() throws {
        let error = try #require(parseError(minimalManifest.replacingOccurrences(of: "64MB", with: "lots")))
        #expect(
            error.description == """
                agent.nano:2:11: resources.memory: cannot parse "lots" as a size
                  hint: write a number with a unit, like 512MB or 1.5GB
                """)
    }

    @Test func tinyBareMemorySuggestsMegabytes() throws {
        let error = try #require(parseError(minimalManifest.replacingOccurrences(of: "64MB", with: "256")))
        #expect(error.field == "resources.memory")
        #expect(error.message == "256 bytes is below the minimum of 64KiB (one wasm page)")
        #expect(error.hint == "did you mean 256MB? a bare number is bytes")
    }

    @Test func nonListGetsAnExampleOfTheListForm() throws {
        let globs = try #require(parseError("resources: {memory: 1MB, max_steps: 1}\npermissions:\n  fs_read: \"*\"\n"))
        #expect(
            globs.description
                == "agent.nano:3:12: permissions.fs_read: expected a list, got \"*\"\n  hint: write it as a list, like `fs_read: [a, b]`"
        )

        let servers = try #require(parseError(minimalManifest + "\nmcp_servers: {name: files, command: npx}\n"))
        #expect(servers.message == "expected a list, got a mapping")
        #expect(servers.hint == "write each server as a `- name: …` entry with `command:` below it")
    }

    @Test func memoryBeyondWasm32IsRejected() throws {
        let error = try #require(parseError(minimalManifest.replacingOccurrences(of: "64MB", with: "8GB")))
        #expect(error.message == "8GB is more than a 32-bit wasm memory can address")
    }

    @Test func maxStepsMustBePositive() throws {
        let error = try #require(
            parseError(minimalManifest.replacingOccurrences(of: "max_steps: 5", with: "max_steps: 0")))
        #expect(error.description == "agent.nano:3:14: resources.max_steps: must be at least 1, got 0")
    }

    @Test func missingRequiredFieldPointsAtItsParent() throws {
        let error = try #require(
            parseError(
                """
                name: demo
                resources:
                  memory: 256MB
                permissions: {}
                """))
        #expect(error.field == "resources.max_steps")
        #expect(error.description == "agent.nano:2:1: resources.max_steps: required, but missing")
    }

    @Test func missingSectionsAreNamed() throws {
        let noResources = try #require(parseError("permissions: {}\n"))
        #expect(noResources.description == "agent.nano:1:1: resources: required, but missing")

        let noPermissions = try #require(parseError("resources: {memory: 1MB, max_steps: 1}\n"))
        #expect(noPermissions.field == "permissions")
        #expect(noPermissions.hint == "write `permissions: {}` to grant nothing")

        let emptyPermissions = try #require(parseError("resources: {memory: 1MB, max_steps: 1}\npermissions:\n"))
        #expect(emptyPermissions.message == "expected a mapping, got nothing")
    }

    @Test func mcpServerNeedsACommand() throws {
        let error = try #require(
            parseError(
                minimalManifest + """

                    mcp_servers:
                      - name: files
                        command: npx
                      - name: search
                        args: [x]
                    """))
        #expect(error.description == "agent.nano:8:5: mcp_servers[1].command: required, but missing")
    }

    @Test func duplicateServerAndAgentNamesAreRejected() throws {
        let servers = try #require(
            parseError(minimalManifest + "\nmcp_servers:\n  - {name: a, command: x}\n  - {name: a, command: y}\n"))
        #expect(servers.field == "mcp_servers[1].name")
        #expect(servers.message == "another server is already named \"a\"")

        let agents = try #require(
            parseError(minimalManifest + "\nagents:\n  - {name: w, goal: a}\n  - {name: w, goal: b}\n"))
        #expect(agents.field == "agents[1].name")
    }

    @Test func agentNeedsAGoal() throws {
        let error = try #require(parseError(minimalManifest + "\nagents:\n  - name: writer\n    tools: [fs_write]\n"))
        #expect(error.field == "agents[0].goal")
        #expect(error.line == 6)
    }

    @Test func unknownToolSuggestsTheNearestName() throws {
        let typo = try #require(parseError(minimalManifest + "\ntools: [fs_read, fs_reed]\n"))
        #expect(
            typo.description == "agent.nano:5:18: tools[1]: unknown tool \"fs_reed\"\n  hint: did you mean `fs_read`?")

        let alias = try #require(parseError(minimalManifest + "\ntools: [llm_infr]\n"))
        #expect(alias.hint == "did you mean `llm_infer`?")

        let unrelated = try #require(
            parseError(minimalManifest + "\nagents:\n  - {name: a, goal: b, tools: [teleport]}\n"))
        #expect(unrelated.field == "agents[0].tools[0]")
        #expect(unrelated.hint?.hasPrefix("the tools are agent, fs_read, fs_write, llm") == true)
    }

    @Test func yamlSyntaxErrorReportsWhereYamsFoundIt() throws {
        let error = try #require(
            parseError(
                """
                resources:
                  memory: 256MB
                  max_steps: 10
                goal: read: the file
                """))
        #expect(error.line == 4)
        #expect(error.column == 11)
        #expect(error.description.hasPrefix("agent.nano:4:11: invalid YAML: mapping values are not allowed"))
    }

    @Test func tabIndentationGetsAHint() throws {
        let error = try #require(parseError("resources:\n\tmemory: 1MB\n"))
        #expect(error.line == 2)
        #expect(error.hint == "indent with spaces; YAML does not allow tabs")
    }

    @Test func duplicateKeysAreReported() throws {
        let error = try #require(parseError(minimalManifest + "\nname: a\nname: b\n"))
        #expect(error.message == "duplicate key `name`")
        #expect(error.line == 5)
    }

    @Test func secondDocumentIsRejected() throws {
        let error = try #require(parseError(minimalManifest + "\n---\nname: other\n"))
        #expect(error.line == 5)
        #expect(error.hint == "a manifest is a single YAML document; remove the `---` line")
    }

    @Test func emptyAndNonMappingDocumentsAreRejected() throws {
        for empty in ["", "# nothing here\n", "~\n"] {
            let error = try #require(parseError(empty))
            #expect(error.description.hasPrefix("agent.nano: the manifest is empty"))
        }
        let list = try #require(parseError("- resources\n- permissions\n"))
        #expect(list.description.hasPrefix("agent.nano:1:1: expected a mapping, got a list"))
    }

    @Test func invalidEnvironmentSecretIsRejected() throws {
        let error = try #require(parseError(minimalManifest + "\ntoken: \"env:\"\n"))
        #expect(error.field == "token")
        #expect(error.hint == "write env: followed by the variable's name, like env:OPENAI_API_KEY")
    }

    @Test func mcpServerEnvironmentNamesTheVariableThatIsWrong() throws {
        let badName = try #require(
            parseError(minimalManifest + "\nmcp_servers:\n  - name: s\n    command: x\n    env: {TOKEN: \"env:1x\"}\n"))
        #expect(badName.field == "mcp_servers[0].env.TOKEN")
        #expect(badName.hint == "write env: followed by the host variable's name, like env:GITHUB_TOKEN")
        let notMapping = try #require(
            parseError(minimalManifest + "\nmcp_servers:\n  - name: s\n    command: x\n    env: [TOKEN]\n"))
        #expect(notMapping.field == "mcp_servers[0].env")
        #expect(notMapping.message == "expected a mapping of variable names to values, got a list")
        let unknownKey = try #require(
            parseError(minimalManifest + "\nmcp_servers:\n  - name: s\n    command: x\n    timout: 5s\n"))
        #expect(unknownKey.field == "mcp_servers[0].timout")
        #expect(unknownKey.hint == "did you mean `timeout`?")
    }

    @Test func apiURLNeedsAScheme() throws {
        let error = try #require(parseError(minimalManifest + "\nmodel:\n  api_url: localhost:11434\n"))
        #expect(error.field == "model.api_url")
        #expect(error.hint == "write it with its scheme, like http://localhost:11434/v1")
    }

    @Test func errorWithoutPositionOrFieldReadsCleanly() {
        let error = ManifestError(field: "", message: "no such file", hint: "looked for x", file: "a.nano")
        #expect(error.description == "a.nano: no such file\n  hint: looked for x")
    }
}
