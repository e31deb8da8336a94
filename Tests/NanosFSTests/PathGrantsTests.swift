import Testing

@testable import NanosFS

@Suite struct PathGrantsTests {
    @Test func baseDirectoryMustBeAbsolute() {
        let error = fsError { () throws(FSError) in try PathGrants(read: ["*"], write: [], baseDirectory: "project") }
        #expect(
            error
                == .invalidPath(
                    path: "project", reason: "the base directory must be an absolute path (the manifest's folder)"))
    }

    @Test func emptyPatternIsRefusedNamingTheField() {
        let error = fsError { () throws(FSError) in try PathGrants(read: [], write: [""], baseDirectory: "/p") }
        #expect(error == .invalidPath(path: "", reason: "an fs_write pattern must not be empty"))
    }

    @Test func parentAfterWildcardIsRefused() {
        let error = fsError { () throws(FSError) in
            try PathGrants(read: ["data/*/../x"], write: [], baseDirectory: "/p")
        }
        guard case .invalidPath(let path, let reason) = error else {
            Issue.record("expected invalidPath, got \(String(describing: error))")
            return
        }
        #expect(path == "data/*/../x")
        #expect(reason.contains("'..' after a wildcard"))
    }

    @Test func relativePatternsAreJudgedAgainstTheBaseDirectory() throws {
        let grants = try PathGrants(
            read: ["data/*.txt", "../shared/**", "/etc/hosts"], write: [], baseDirectory: "/p/app/")
        #expect(grants.baseDirectory == "/p/app")
        #expect(grants.readGrants.map(\.pattern.description) == ["/p/app/data/*.txt", "/p/shared/**", "/etc/hosts"])
        #expect(grants.rootPaths == ["/p/app/data", "/p/shared", "/etc"])
    }

    @Test func bareStarMeansFilesDirectlyInTheBaseDirectory() throws {
        let tree = try TemporaryTree()
        let fs = try tree.fileSystem(read: ["*"])
        #expect(fs.decide("notes.txt", access: .read).allowed)
        #expect(!fs.decide("sub/notes.txt", access: .read).allowed)
        #expect(!fs.decide("/etc/passwd", access: .read).allowed)
    }

    @Test func relativeRequestsMustNotClimbAboveTheBase() throws {
        let grants = try PathGrants(read: ["**"], write: [], baseDirectory: "/p/app")
        let error = fsError { () throws(FSError) in try grants.resolve("data/../../etc/passwd") }
        #expect(error?.isDenied == true)
        #expect(error?.rule?.contains("path escapes the base directory") == true)
        #expect(error?.rule?.contains("/p/etc/passwd") == true)
        #expect(try grants.resolve("data/../secret.txt").string == "/p/app/secret.txt")
        #expect(try grants.resolve("/p/app/../x").string == "/p/x")
    }
}
