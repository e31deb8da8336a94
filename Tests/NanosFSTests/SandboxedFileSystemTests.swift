import Foundation
import Testing

@testable import NanosFS

@Suite struct ReadWriteTests {
    @Test func grantedReadReturnsTheBytes() throws {
        let tree = try TemporaryTree()
        try tree.file("data/a.txt", "hello")
        let fs = try tree.fileSystem(read: ["data/*.txt"])
        #expect(text(try fs.read("data/a.txt", maxBytes: 100)) == "hello")
        #expect(text(try fs.read(tree.absolute("data/a.txt"), maxBytes: 100)) == "hello")
        #expect(try fs.read("data/a.txt", maxBytes: 5).count == 5)
    }

    @Test func emptyFileReadsAsNoBytes() throws {
        let tree = try TemporaryTree()
        try tree.file("data/empty.txt", "")
        let fs = try tree.fileSystem(read: ["data/*"])
        #expect(try fs.read("data/empty.txt", maxBytes: 0) == [])
    }

    @Test func ungrantedReadIsDeniedNamingThePathAndTheGrants() throws {
        let tree = try TemporaryTree()
        try tree.file("data/secret.key", "k")
        let fs = try tree.fileSystem(read: ["data/*.txt"])
        let error = fsError { () throws(FSError) in try fs.read("data/secret.key", maxBytes: 100) }
        let path = tree.absolute("data/secret.key")
        #expect(error == .denied(path: path, rule: "no fs_read grant matches \(path) (granted: data/*.txt)"))
        #expect(error?.description == "access denied: no fs_read grant matches \(path) (granted: data/*.txt)")
    }

    @Test func readAndWriteGrantsAreSeparate() throws {
        let tree = try TemporaryTree()
        try tree.file("in/a.txt", "input")
        try tree.directory("out")
        let fs = try tree.fileSystem(read: ["in/*"], write: ["out/*"])
        let writeToInput = fsError { () throws(FSError) in
            try fs.write("in/a.txt", contents: Array("x".utf8), maxBytes: 10)
        }
        #expect(writeToInput?.rule?.contains("no fs_write grant matches") == true)
        #expect(try tree.contents("in/a.txt") == "input")
        try fs.write("out/b.txt", contents: Array("result".utf8), maxBytes: 10)
        let readOutput = fsError { () throws(FSError) in try fs.read("out/b.txt", maxBytes: 10) }
        #expect(readOutput?.rule?.contains("no fs_read grant matches") == true)
    }

    @Test func manifestWithoutGrantsSaysSo() throws {
        let tree = try TemporaryTree()
        let fs = try tree.fileSystem(read: [])
        let decision = fs.decide("a.txt", access: .write)
        #expect(!decision.allowed)
        #expect(decision.rule == "no fs_write grant matches \(tree.absolute("a.txt")) (the manifest has none)")
    }

    @Test func fileLargerThanTheLimitIsTooLarge() throws {
        let tree = try TemporaryTree()
        try tree.file("data/big.txt", String(repeating: "x", count: 101))
        let fs = try tree.fileSystem(read: ["data/**"])
        let error = fsError { () throws(FSError) in try fs.read("data/big.txt", maxBytes: 100) }
        #expect(error == .tooLarge(path: tree.absolute("data/big.txt"), limit: 100))
    }

    @Test func missingGrantedFileIsNotFound() throws {
        let tree = try TemporaryTree()
        try tree.directory("data")
        let fs = try tree.fileSystem(read: ["data/**", "missing/**"])
        #expect(
            fsError { () throws(FSError) in try fs.read("data/nope.txt", maxBytes: 10) }
                == .notFound(path: tree.absolute("data/nope.txt")))
        // The grant's root itself does not exist.
        #expect(
            fsError { () throws(FSError) in try fs.read("missing/a.txt", maxBytes: 10) }
                == .notFound(path: tree.absolute("missing/a.txt")))
    }

    @Test func readingADirectoryIsAnInvalidPath() throws {
        let tree = try TemporaryTree()
        try tree.directory("data/sub")
        let fs = try tree.fileSystem(read: ["data/**"])
        let error = fsError { () throws(FSError) in try fs.read("data/sub", maxBytes: 10) }
        guard case .invalidPath(let path, let reason) = error else {
            Issue.record("expected invalidPath, got \(String(describing: error))")
            return
        }
        #expect(path == tree.absolute("data/sub"))
        #expect(reason.contains("is a directory"))
    }

    @Test(arguments: ["", "data/a\0.txt"])
    func emptyPathOrNULByteIsInvalid(path: String) throws {
        let tree = try TemporaryTree()
        try tree.file("data/a.txt", "a")
        let fs = try tree.fileSystem(read: ["**"], write: ["**"])
        for error in [
            fsError { () throws(FSError) in try fs.read(path, maxBytes: 10) },
            fsError { () throws(FSError) in try fs.write(path, contents: [UInt8](), maxBytes: 10) },
            fsError { () throws(FSError) in try fs.list(path) },
        ] {
            guard case .invalidPath(let reported, _) = error else {
                Issue.record("expected invalidPath, got \(String(describing: error))")
                continue
            }
            #expect(reported == path)
        }
        #expect(!fs.decide(path, access: .read).allowed)
        #expect(fs.decide(path, access: .read).rule.hasPrefix("invalid path: "))
    }

    @Test func specialFilesAreRefusedWithoutBlocking() throws {
        let tree = try TemporaryTree()
        try tree.directory("data")
        // Opening a FIFO without a writer would block a plain open forever.
        #expect(mkfifo(tree.absolute("data/pipe"), 0o644) == 0)
        let fs = try tree.fileSystem(read: ["data/*"], write: ["data/*"])
        let read = fsError { () throws(FSError) in try fs.read("data/pipe", maxBytes: 10) }
        #expect(read == .invalidPath(path: tree.absolute("data/pipe"), reason: "is not a regular file"))
        let write = fsError { () throws(FSError) in try fs.write("data/pipe", contents: Array("x".utf8), maxBytes: 10) }
        #expect(write == .invalidPath(path: tree.absolute("data/pipe"), reason: "is not a regular file"))
    }

    @Test func concurrentReadersShareOneFileSystem() async throws {
        let tree = try TemporaryTree()
        for index in 0..<8 { try tree.file("data/\(index).txt", "file \(index)") }
        let fs = try tree.fileSystem(read: ["data/*.txt"])
        let contents = await withTaskGroup(of: (Int, String).self) { group in
            for index in 0..<64 {
                group.addTask {
                    (index % 8, (try? fs.read("data/\(index % 8).txt", maxBytes: 100)).map(text) ?? "failed")
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(contents.count == 64)
        for (index, content) in contents { #expect(content == "file \(index)") }
    }

    @Test func errorDescriptionShowsNULBytes() {
        #expect(
            FSError.invalidPath(path: "a\0b", reason: "the path contains a NUL byte").description
                == "invalid path \"a\\0b\": the path contains a NUL byte")
    }

    @Test func writeCreatesAndTruncates() throws {
        let tree = try TemporaryTree()
        try tree.directory("out")
        let fs = try tree.fileSystem(read: [], write: ["out/**"])
        try fs.write("out/a.txt", contents: Array("a long first version".utf8), maxBytes: 100)
        #expect(try tree.contents("out/a.txt") == "a long first version")
        try fs.write("out/a.txt", contents: Array("short".utf8), maxBytes: 100)
        #expect(try tree.contents("out/a.txt") == "short")
        let permissions = try FileManager.default.attributesOfItem(atPath: tree.absolute("out/a.txt"))[
            .posixPermissions]
        let mode = try #require(permissions as? Int)
        // 0644 less whatever the umask removes: never executable, never writable by others.
        #expect(mode & 0o600 == 0o600)
        #expect(mode & ~0o644 == 0)
    }

    @Test func writeFromARawBuffer() throws {
        let tree = try TemporaryTree()
        try tree.directory("out")
        let fs = try tree.fileSystem(read: [], write: ["out/*"])
        let bytes: [UInt8] = [0, 1, 2, 255]
        let written = bytes.withUnsafeBytes { buffer in
            Result { () throws(FSError) in try fs.write("out/raw.bin", contents: buffer, maxBytes: 4) }
        }
        try written.get()
        #expect(try Data(contentsOf: URL(fileURLWithPath: tree.absolute("out/raw.bin"))) == Data(bytes))
    }

    @Test func writeNeedsAnExistingParentDirectory() throws {
        let tree = try TemporaryTree()
        try tree.directory("out")
        let fs = try tree.fileSystem(read: [], write: ["out/**"])
        let error = fsError { () throws(FSError) in
            try fs.write("out/new/a.txt", contents: Array("x".utf8), maxBytes: 10)
        }
        #expect(error == .notFound(path: tree.absolute("out/new/a.txt")))
        #expect(!tree.exists("out/new"))
    }

    @Test func oversizedWriteLeavesTheFileUntouched() throws {
        let tree = try TemporaryTree()
        try tree.file("out/a.txt", "keep")
        let fs = try tree.fileSystem(read: [], write: ["out/*"])
        let error = fsError { () throws(FSError) in
            try fs.write("out/a.txt", contents: Array("too long".utf8), maxBytes: 4)
        }
        #expect(error == .tooLarge(path: tree.absolute("out/a.txt"), limit: 4))
        #expect(try tree.contents("out/a.txt") == "keep")
    }

    @Test func writeGrantRootCreatedAfterTheFileSystemWorks() throws {
        let tree = try TemporaryTree()
        let fs = try tree.fileSystem(read: [], write: ["out/*"])
        #expect(
            fsError { () throws(FSError) in try fs.write("out/a.txt", contents: Array("x".utf8), maxBytes: 10) }
                == .notFound(path: tree.absolute("out/a.txt")))
        try tree.directory("out")
        try fs.write("out/a.txt", contents: Array("x".utf8), maxBytes: 10)
        #expect(try tree.contents("out/a.txt") == "x")
    }

    @Test func decideNamesTheGrant() throws {
        let tree = try TemporaryTree()
        try tree.file("data/a.txt", "a")
        let fs = try tree.fileSystem(read: ["data/*.md", "data/*.txt"], write: ["out/**"])
        #expect(
            fs.decide("data/a.txt", access: .read)
                == AccessDecision(
                    allowed: true, rule: "fs_read grant \"data/*.txt\"", resolvedPath: tree.absolute("data/a.txt")))
        // Policy allows writing a file that does not exist yet.
        #expect(fs.decide("out/new.txt", access: .write).rule == "fs_write grant \"out/**\"")
        #expect(
            fs.decide("data/a.txt", access: .write)
                == AccessDecision(
                    allowed: false,
                    rule: "no fs_write grant matches \(tree.absolute("data/a.txt")) (granted: out/**)",
                    resolvedPath: tree.absolute("data/a.txt")))
    }
}

@Suite struct TraversalTests {
    @Test(arguments: ["../outside.txt", "data/../../etc/passwd", "/etc/passwd", "data/../secret.txt"])
    func pathsLeavingTheGrantsAreDenied(path: String) throws {
        let tree = try TemporaryTree()
        try tree.file("data/a.txt", "a")
        try tree.file("secret.txt", "s")
        let fs = try tree.fileSystem(read: ["data/**"])
        let error = fsError { () throws(FSError) in try fs.read(path, maxBytes: 100) }
        #expect(error?.isDenied == true, "\(path): \(String(describing: error))")
        #expect(!fs.decide(path, access: .read).allowed)
    }

    @Test func climbingAboveTheBaseExplainsItself() throws {
        let tree = try TemporaryTree()
        let fs = try tree.fileSystem(read: ["**"])
        let decision = fs.decide("../outside.txt", access: .read)
        #expect(!decision.allowed)
        #expect(
            decision.rule.hasPrefix("path escapes the base directory: \"../outside.txt\" climbs above \(tree.path)"))
    }

    @Test func dotDotIsResolvedLexicallyAndJudgedWhereItLands() throws {
        let tree = try TemporaryTree()
        try tree.file("secret.txt", "s")
        let fs = try tree.fileSystem(read: ["data/**", "secret.txt"])
        #expect(text(try fs.read("data/../secret.txt", maxBytes: 10)) == "s")
        #expect(fs.decide("data/../secret.txt", access: .read).resolvedPath == tree.absolute("secret.txt"))
    }
}

@Suite struct SymlinkTests {
    static let resolutions: [PathResolution] = [.automatic, .componentWalk]

    @Test(arguments: resolutions)
    func finalSymlinkIsDeniedEvenInsideTheTree(resolution: PathResolution) throws {
        let tree = try TemporaryTree()
        try tree.file("data/a.txt", "a")
        try tree.file("outside.txt", "secret")
        try tree.symlink("data/inside.txt", to: "a.txt")
        try tree.symlink("data/outside.txt", to: "../outside.txt")
        let fs = try tree.fileSystem(read: ["data/**"], write: ["data/**"], resolution: resolution)
        for name in ["inside.txt", "outside.txt"] {
            let path = tree.absolute("data/\(name)")
            let error = fsError { () throws(FSError) in try fs.read("data/\(name)", maxBytes: 100) }
            #expect(error?.rule?.hasPrefix("\(path) is a symbolic link") == true, "\(String(describing: error))")
            #expect(
                fsError { () throws(FSError) in try fs.write("data/\(name)", contents: Array("x".utf8), maxBytes: 10) }?
                    .isDenied == true)
            #expect(fs.decide("data/\(name)", access: .read).rule.hasPrefix("\(path) is a symbolic link"))
        }
        #expect(try tree.contents("outside.txt") == "secret")
        #expect(try tree.contents("data/a.txt") == "a")
    }

    @Test(arguments: resolutions)
    func symlinkedDirectoryLeavingTheTreeIsDenied(resolution: PathResolution) throws {
        let tree = try TemporaryTree()
        try tree.file("private/key.txt", "secret")
        try tree.directory("data")
        try tree.symlink("data/relative", to: "../private")
        try tree.symlink("data/absolute", to: tree.absolute("private"))
        let fs = try tree.fileSystem(read: ["data/**"], write: ["data/**"], resolution: resolution)
        for link in ["relative", "absolute"] {
            let read = fsError { () throws(FSError) in try fs.read("data/\(link)/key.txt", maxBytes: 100) }
            #expect(read?.isDenied == true, "\(link): \(String(describing: read))")
            let write = fsError { () throws(FSError) in
                try fs.write("data/\(link)/new.txt", contents: Array("x".utf8), maxBytes: 10)
            }
            #expect(write?.isDenied == true, "\(link): \(String(describing: write))")
            #expect(!fs.decide("data/\(link)/key.txt", access: .read).allowed)
            #expect(fsError { () throws(FSError) in try fs.list("data/\(link)") }?.isDenied == true)
        }
        #expect(!tree.exists("private/new.txt"))
    }

    @Test func escapeThroughASymlinkNamesTheGrantedTree() throws {
        let tree = try TemporaryTree()
        try tree.file("private/key.txt", "secret")
        try tree.directory("data")
        try tree.symlink("data/link", to: "../private")
        let fs = try tree.fileSystem(read: ["data/**"])
        let error = fsError { () throws(FSError) in try fs.read("data/link/key.txt", maxBytes: 100) }
        #expect(
            error?.rule
                == "a symbolic link on the way to \(tree.absolute("data/link/key.txt")) leads outside the granted tree \(tree.absolute("data"))"
        )
    }

    @Test func symlinkedDirectoryStayingInsideTheTreeIsFollowed() throws {
        let tree = try TemporaryTree()
        try tree.file("data/real/a.txt", "inside")
        try tree.symlink("data/alias", to: "real")
        try tree.symlink("data/sub", to: "./real/../real")
        let fs = try tree.fileSystem(read: ["data/**"])
        #expect(text(try fs.read("data/alias/a.txt", maxBytes: 100)) == "inside")
        #expect(text(try fs.read("data/sub/a.txt", maxBytes: 100)) == "inside")
        #expect(fs.decide("data/alias/a.txt", access: .read).allowed)
    }

    @Test func componentWalkRefusesEverySymlinkOnTheWay() throws {
        let tree = try TemporaryTree()
        try tree.file("data/real/a.txt", "inside")
        try tree.symlink("data/alias", to: "real")
        let fs = try tree.fileSystem(read: ["data/**"], resolution: .componentWalk)
        #expect(text(try fs.read("data/real/a.txt", maxBytes: 100)) == "inside")
        let error = fsError { () throws(FSError) in try fs.read("data/alias/a.txt", maxBytes: 100) }
        #expect(error?.rule?.contains("passes through a symbolic link") == true)
    }

    @Test func symlinkLeavingOneGrantButInsideAnotherIsAllowed() throws {
        let tree = try TemporaryTree()
        try tree.file("data/shared/a.txt", "shared")
        try tree.directory("data/public")
        try tree.symlink("data/public/link", to: "../shared")
        let fs = try tree.fileSystem(read: ["data/public/**", "data/**"])
        #expect(text(try fs.read("data/public/link/a.txt", maxBytes: 100)) == "shared")
        #expect(fs.decide("data/public/link/a.txt", access: .read).rule == "fs_read grant \"data/**\"")
    }

    @Test(arguments: resolutions)
    func swappingTheFileForASymlinkAfterTheCheckIsRefused(resolution: PathResolution) throws {
        let tree = try TemporaryTree()
        try tree.file("data/report.txt", "public")
        try tree.file("secret.txt", "secret")
        let fs = try tree.fileSystem(read: ["data/*.txt"], resolution: resolution)
        #expect(fs.decide("data/report.txt", access: .read).allowed)
        try FileManager.default.removeItem(atPath: tree.absolute("data/report.txt"))
        try tree.symlink("data/report.txt", to: tree.absolute("secret.txt"))
        let error = fsError { () throws(FSError) in try fs.read("data/report.txt", maxBytes: 100) }
        #expect(error?.isDenied == true, "\(String(describing: error))")
    }

    @Test(arguments: resolutions)
    func readingAPathAgainSeesTheFileAsItIsNow(resolution: PathResolution) throws {
        let tree = try TemporaryTree()
        try tree.file("data/report.txt", "first")
        try tree.file("secret.txt", "secret")
        let fs = try tree.fileSystem(read: ["data/*.txt"], resolution: resolution)
        #expect(text(try fs.read("data/report.txt", maxBytes: 100)) == "first")
        try tree.file("data/report.txt", "second")
        #expect(text(try fs.read("data/report.txt", maxBytes: 100)) == "second")
        // The same path, now a symlink out of the tree: still refused on the repeat.
        try FileManager.default.removeItem(atPath: tree.absolute("data/report.txt"))
        try tree.symlink("data/report.txt", to: tree.absolute("secret.txt"))
        let error = fsError { () throws(FSError) in try fs.read("data/report.txt", maxBytes: 100) }
        #expect(error?.isDenied == true, "\(String(describing: error))")
    }

    @Test func canonicallyEquivalentSpellingsAreDifferentFiles() throws {
        let tree = try TemporaryTree()
        let composed = "data/caf\u{E9}.txt"
        let decomposed = "data/cafe\u{301}.txt"
        try tree.file(composed, "composed")
        try tree.file(decomposed, "decomposed")
        let fs = try tree.fileSystem(read: ["data/*.txt"])
        #expect(text(try fs.read(composed, maxBytes: 100)) == "composed")
        #expect(text(try fs.read(decomposed, maxBytes: 100)) == "decomposed")
        #expect(text(try fs.read(composed, maxBytes: 100)) == "composed")
    }

    @Test(arguments: resolutions)
    func swappingAParentDirectoryForASymlinkAfterTheCheckIsRefused(resolution: PathResolution) throws {
        let tree = try TemporaryTree()
        try tree.file("data/sub/report.txt", "public")
        try tree.file("private/report.txt", "secret")
        let fs = try tree.fileSystem(read: ["data/**"], resolution: resolution)
        #expect(text(try fs.read("data/sub/report.txt", maxBytes: 100)) == "public")
        try FileManager.default.removeItem(atPath: tree.absolute("data/sub"))
        try tree.symlink("data/sub", to: "../private")
        let error = fsError { () throws(FSError) in try fs.read("data/sub/report.txt", maxBytes: 100) }
        #expect(error?.isDenied == true, "\(String(describing: error))")
    }
}

@Suite struct ListTests {
    @Test(arguments: SymlinkTests.resolutions)
    func listsAGrantedDirectorySortedWithKinds(resolution: PathResolution) throws {
        let tree = try TemporaryTree()
        try tree.file("data/b.txt", "bb")
        try tree.file("data/a.txt", "a")
        try tree.directory("data/sub")
        try tree.symlink("data/link", to: "a.txt")
        let fs = try tree.fileSystem(read: ["data/**"], resolution: resolution)
        #expect(
            try fs.list("data") == [
                DirectoryEntry(name: "a.txt", kind: .file, size: 1),
                DirectoryEntry(name: "b.txt", kind: .file, size: 2),
                DirectoryEntry(name: "link", kind: .symlink, size: 0),
                DirectoryEntry(name: "sub", kind: .directory, size: 0),
            ])
        #expect(try fs.list("data/sub") == [])
    }

    @Test func listShowsOnlyWhatTheGrantsCouldRead() throws {
        let tree = try TemporaryTree()
        try tree.file("data/a.txt", "a")
        try tree.file("data/secret.key", "k")
        try tree.file("data/sub/b.txt", "b")
        let fs = try tree.fileSystem(read: ["data/*.txt"])
        #expect(try fs.list("data").map(\.name) == ["a.txt"])
        let deep = try tree.fileSystem(read: ["**/*.txt"])
        #expect(try deep.list("data").map(\.name) == ["a.txt", "sub"])
        #expect(try deep.list(".").map(\.name) == ["data"])
    }

    @Test func listingOutsideTheGrantsIsDenied() throws {
        let tree = try TemporaryTree()
        try tree.file("data/a.txt", "a")
        try tree.file("other/b.txt", "b")
        let fs = try tree.fileSystem(read: ["data/**"], write: ["other/**"])
        let error = fsError { () throws(FSError) in try fs.list("other") }
        #expect(error?.rule == "no fs_read grant covers directory \(tree.absolute("other")) (granted: data/**)")
        // The base is above the grant's root: listing it would reveal names outside the grant.
        #expect(fsError { () throws(FSError) in try fs.list(".") }?.isDenied == true)
    }

    @Test func listingAFileIsAnInvalidPath() throws {
        let tree = try TemporaryTree()
        try tree.file("data/a.txt", "a")
        let fs = try tree.fileSystem(read: ["data/**"])
        guard case .invalidPath(_, let reason) = fsError({ () throws(FSError) in try fs.list("data/a.txt") }) else {
            Issue.record("expected invalidPath")
            return
        }
        #expect(reason.hasPrefix("not a directory"))
    }

    @Test(arguments: SymlinkTests.resolutions)
    func listingASymlinkedDirectoryIsDenied(resolution: PathResolution) throws {
        let tree = try TemporaryTree()
        try tree.directory("data/real")
        try tree.symlink("data/alias", to: "real")
        let fs = try tree.fileSystem(read: ["data/**"], resolution: resolution)
        let error = fsError { () throws(FSError) in try fs.list("data/alias") }
        #expect(error?.rule?.hasPrefix("\(tree.absolute("data/alias")) is a symbolic link") == true)
    }
}
