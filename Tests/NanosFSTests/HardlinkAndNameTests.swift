import Foundation
import Testing

@testable import NanosFS

/// A hard link inside a grant can share its inode with a file outside it; names that end
/// in a slash claim a directory.
@Suite struct HardlinkAndNameTests {
    @Test func aHardlinkToAFileOutsideTheGrantIsNotRead() throws {
        let tree = try TemporaryTree()
        try tree.file("secret/key.txt", "outside")
        try tree.directory("data")
        try tree.hardlink("data/key.txt", to: "secret/key.txt")
        let fs = try tree.fileSystem(read: ["data/*"])
        #expect(throws: FSError.self) { try fs.read("data/key.txt", maxBytes: 1024) }
        do {
            _ = try fs.read("data/key.txt", maxBytes: 1024)
        } catch {
            guard case .denied(_, let rule) = error else { Issue.record("expected a denial, got \(error)"); return }
            #expect(rule.contains("2 hard links"))
            #expect(rule.contains("fs_read_hardlinks"))
        }
    }

    @Test func theManifestMayOptInToReadingHardlinkedFiles() throws {
        let tree = try TemporaryTree()
        try tree.file("data/a.txt", "shared")
        try tree.hardlink("data/b.txt", to: "data/a.txt")
        let fs = try tree.fileSystem(read: ["data/*"], readsHardlinks: true)
        #expect(try fs.read("data/b.txt", maxBytes: 1024) == Array("shared".utf8))
    }

    @Test func aHardlinkedFileIsNeverWrittenAndItsOtherNameKeepsItsBytes() throws {
        let tree = try TemporaryTree()
        try tree.file("secret/passwd", "root:x:0:0")
        try tree.directory("out")
        try tree.hardlink("out/result.txt", to: "secret/passwd")
        let fs = try tree.fileSystem(read: [], write: ["out/*"], readsHardlinks: true)
        #expect(throws: FSError.self) { try fs.write("out/result.txt", contents: Array("pwned".utf8), maxBytes: 1024) }
        #expect(try tree.contents("secret/passwd") == "root:x:0:0")
    }

    @Test func anOrdinaryFileIsStillOverwrittenWhole() throws {
        let tree = try TemporaryTree()
        try tree.file("out/a.txt", "a much longer old text")
        let fs = try tree.fileSystem(read: [], write: ["out/*"])
        try fs.write("out/a.txt", contents: Array("new".utf8), maxBytes: 1024)
        #expect(try tree.contents("out/a.txt") == "new")
    }

    @Test(arguments: ["data/a.txt/", "data/a.txt/.", "data/a.txt//"])
    func aFileNameEndingInASlashDoesNotOpenTheFile(_ name: String) throws {
        let tree = try TemporaryTree()
        try tree.file("data/a.txt", "text")
        let fs = try tree.fileSystem(read: ["data/*"], write: ["data/*"])
        #expect(throws: FSError.self) { try fs.read(name, maxBytes: 1024) }
        #expect(throws: FSError.self) { try fs.write(name, contents: Array("x".utf8), maxBytes: 1024) }
        #expect(try tree.contents("data/a.txt") == "text")
    }
}
