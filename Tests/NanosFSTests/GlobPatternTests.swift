import Testing

@testable import NanosFS

struct GlobCase: Sendable, CustomStringConvertible {
    let pattern: String
    let path: String
    let matches: Bool
    var description: String { "\(pattern) \(matches ? "matches" : "does not match") \(path)" }
}

@Suite struct GlobPatternTests {
    static let cases: [GlobCase] = [
        // `*` stays inside one segment.
        GlobCase(pattern: "data/*.txt", path: "data/a.txt", matches: true),
        GlobCase(pattern: "data/*.txt", path: "data/a.md", matches: false),
        GlobCase(pattern: "data/*.txt", path: "data/sub/a.txt", matches: false),
        GlobCase(pattern: "*", path: "a.txt", matches: true),
        GlobCase(pattern: "*", path: ".hidden", matches: true),
        GlobCase(pattern: "*", path: "a/b", matches: false),
        GlobCase(pattern: "a*b", path: "ab", matches: true),
        GlobCase(pattern: "a*b", path: "axyzb", matches: true),
        GlobCase(pattern: "a*b", path: "a/b", matches: false),
        GlobCase(pattern: "*.txt", path: "a.txt/b", matches: false),
        // `**` spans zero or more whole segments.
        GlobCase(pattern: "data/**", path: "data", matches: true),
        GlobCase(pattern: "data/**", path: "data/a", matches: true),
        GlobCase(pattern: "data/**", path: "data/a/b/c", matches: true),
        GlobCase(pattern: "data/**", path: "database", matches: false),
        GlobCase(pattern: "data/**", path: "other/a", matches: false),
        GlobCase(pattern: "**/*.txt", path: "x.txt", matches: true),
        GlobCase(pattern: "**/*.txt", path: "a/b/x.txt", matches: true),
        GlobCase(pattern: "**/*.txt", path: "a/b/x.md", matches: false),
        GlobCase(pattern: "a/**/b", path: "a/b", matches: true),
        GlobCase(pattern: "a/**/b", path: "a/x/y/b", matches: true),
        GlobCase(pattern: "a/**/b", path: "a/x/y/c", matches: false),
        GlobCase(pattern: "a**b", path: "axxb", matches: true),
        GlobCase(pattern: "a**b", path: "a/b", matches: false),
        // `?` is exactly one character, never `/`.
        GlobCase(pattern: "file?.txt", path: "file1.txt", matches: true),
        GlobCase(pattern: "file?.txt", path: "file12.txt", matches: false),
        GlobCase(pattern: "file?.txt", path: "file.txt", matches: false),
        GlobCase(pattern: "a?b", path: "a/b", matches: false),
        GlobCase(pattern: "?", path: "é", matches: true),
        GlobCase(pattern: "??", path: "é", matches: false),
        GlobCase(pattern: "*?", path: "日本", matches: true),
        // Literal and case-sensitive.
        GlobCase(pattern: "data/a.txt", path: "data/a.txt", matches: true),
        GlobCase(pattern: "data/a.txt", path: "data/a.txtx", matches: false),
        GlobCase(pattern: "Data/a.txt", path: "data/a.txt", matches: false),
        GlobCase(pattern: "data/[ab].txt", path: "data/a.txt", matches: false),
        GlobCase(pattern: "data/[ab].txt", path: "data/[ab].txt", matches: true),
        // Absolute and relative never match each other.
        GlobCase(pattern: "/etc/*", path: "/etc/passwd", matches: true),
        GlobCase(pattern: "/etc/*", path: "etc/passwd", matches: false),
        GlobCase(pattern: "etc/*", path: "/etc/passwd", matches: false),
        // Both sides are normalised lexically.
        GlobCase(pattern: "data//./*.txt", path: "data/a.txt", matches: true),
        GlobCase(pattern: "data/*.txt", path: "./data//a.txt/", matches: true),
        GlobCase(pattern: "data/*.txt", path: "data/sub/../a.txt", matches: true),
        GlobCase(pattern: "/**", path: "/../etc", matches: true),
    ]

    @Test(arguments: cases)
    func matching(_ glob: GlobCase) {
        #expect(GlobPattern(glob.pattern).matches(glob.path) == glob.matches)
    }

    @Test(arguments: [
        ("data/*.txt", "data"),
        ("data/**", "data"),
        ("data/a.txt", "data"),
        ("data/sub/**/*.txt", "data/sub"),
        ("*", "."),
        ("**", "."),
        ("/etc/hosts", "/etc"),
        ("/a/b/**/c", "/a/b"),
        ("/**", "/"),
    ])
    func literalRoot(pattern: String, root: String) {
        #expect(GlobPattern(pattern).literalRoot == root)
    }

    @Test func directoriesOnTheWayToAMatch() {
        let pattern = GlobPattern("/base/**/*.txt")
        let segments = { (path: String) in NormalizedPath(path) }
        #expect(pattern.matches(segments("/base"), prefixOnly: true))
        #expect(pattern.matches(segments("/base/any/dir"), prefixOnly: true))
        #expect(!pattern.matches(segments("/other"), prefixOnly: true))
        #expect(!GlobPattern("/base/*.txt").matches(segments("/base/sub"), prefixOnly: true))
    }

    @Test func parentAfterAWildcardNeverMatches() {
        let pattern = GlobPattern("/data/*/../x")
        #expect(pattern.hasUnresolvedParent)
        #expect(!pattern.matches("/data/x"))
        #expect(!pattern.matches("/data/a/x"))
    }
}
