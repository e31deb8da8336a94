import Testing

@testable import NanosManifest

/// Limits a manifest may not lift, and grants checked when the manifest is read.
@Suite struct HostileManifestTests {
    @Test(arguments: ["64GB", "1GB", "65MB"])
    func aStackOverSixtyFourMegabytesIsAManifestError(size: String) throws {
        let error = try #require(
            parseError(minimalManifest.replacingOccurrences(of: "max_steps: 5", with: "max_steps: 5\n  stack: \(size)"))
        )
        #expect(error.field == "resources.stack")
        #expect(error.description.contains("more than the largest interpreter stack, 64MB"))
    }

    @Test func aStackOfSixtyFourMegabytesIsAccepted() throws {
        let manifest = try parse(
            minimalManifest.replacingOccurrences(of: "max_steps: 5", with: "max_steps: 5\n  stack: 64MB"))
        #expect(manifest.resources.stackBytes == 64 << 20)
    }

    @Test func anInvalidFsPatternIsAManifestErrorNamingTheEntry() throws {
        let error = try #require(
            parseError(
                minimalManifest.replacingOccurrences(
                    of: "permissions: {}", with: "permissions: {fs_read: [ok.txt, \"data/*/../x\"]}")))
        #expect(error.field == "permissions.fs_read[1]")
        #expect(error.description.contains("'..' after a wildcard"))
    }

    @Test func theLogBudgetAndHardlinkOptInAreRead() throws {
        let manifest = try parse(
            """
            resources: {memory: 1MB, max_steps: 5, logs: 64KB, tokens: 5000}
            permissions: {fs_read: [data/*], fs_read_hardlinks: true}
            """)
        #expect(manifest.resources.logBytes == 64 * 1000 || manifest.resources.logBytes == 64 * 1024)
        #expect(manifest.resources.tokens == 5000)
        let zero = try #require(
            parseError(minimalManifest.replacingOccurrences(of: "max_steps: 5", with: "max_steps: 5\n  tokens: 0")))
        #expect(zero.field == "resources.tokens")
        #expect(manifest.permissions.readsHardlinks)
        #expect(try parse(minimalManifest).permissions.readsHardlinks == false)
    }
}
