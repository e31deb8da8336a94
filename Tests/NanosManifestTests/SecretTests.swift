import Testing

@testable import NanosManifest

@Suite struct SecretTests {
    @Test func environmentSecretResolvesFromTheGivenEnvironment() throws {
        let secret = Secret.environment("OPENAI_API_KEY")
        #expect(try secret.resolve(environment: ["OPENAI_API_KEY": "sk-123"]) == "sk-123")
        #expect(try Secret.literal("inline").resolve(environment: [:]) == "inline")
    }

    @Test func unsetVariableIsNamedInTheError() throws {
        let secret = try #require(
            try parse(minimalManifest + "\nmodel:\n  api_key: env:OPENAI_API_KEY\n").model?.apiKey)
        #expect(throws: ManifestError.self) { try secret.resolve(environment: [:]) }
        do {
            _ = try secret.resolve(environment: ["OTHER": "x"], field: "model.api_key")
            Issue.record("an unset variable resolved")
        } catch {
            #expect(
                error.description == """
                    model.api_key: environment variable OPENAI_API_KEY is not set
                      hint: export OPENAI_API_KEY before starting nanos, or write the value in the manifest
                    """)
        }
    }

    @Test func emptyVariableIsAnError() {
        #expect(throws: ManifestError.self) { try Secret.environment("TOKEN").resolve(environment: ["TOKEN": ""]) }
    }

    @Test func literalSecretsNeverAppearInText() throws {
        let manifest = try parse(minimalManifest + "\ntoken: hunter2\nmodel:\n  api_key: sk-live-abc\n")
        let secret = Secret.literal("hunter2")
        #expect(secret.description == "<redacted>")
        #expect(String(reflecting: secret) == "<redacted>")
        var dumped = ""
        dump(manifest, to: &dumped)
        for text in [String(describing: manifest), String(reflecting: manifest), dumped] {
            #expect(!text.contains("hunter2"))
            #expect(!text.contains("sk-live-abc"))
        }
        #expect(Secret.environment("FLEET_TOKEN").description == "env:FLEET_TOKEN")
    }
}
