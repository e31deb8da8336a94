/// A path pattern from a manifest's `fs_read` / `fs_write` list.
///
/// Matching works on whole path segments:
/// - `*` matches any run of characters inside one segment (never `/`); it also matches
///   names starting with a dot.
/// - `?` matches exactly one character (one Unicode scalar) inside a segment.
/// - `**` as a whole segment matches zero or more whole segments, so `data/**` matches
///   `data`, `data/a` and `data/a/b/c`. Inside a longer segment (`a**b`) it is just `*`.
/// - Everything else is literal and compared byte for byte (case-sensitive).
///
/// The pattern and every path are normalised lexically first: repeated `/` and `.`
/// segments vanish and `..` removes the literal segment before it. An absolute pattern
/// only matches absolute paths, a relative one only relative paths.
public struct GlobPattern: Sendable, Hashable, CustomStringConvertible {
    enum Segment: Sendable, Hashable {
        case literal([UInt8])
        /// Bytes where `*` and `?` are wildcards.
        case glob([UInt8])
        case globstar
    }

    public let isAbsolute: Bool
    let segments: [Segment]
    /// How many leading segments form `literalRoot`.
    let rootSegmentCount: Int

    public init(_ pattern: String) {
        // A `..` after a wildcard cannot be resolved lexically; it stays as a literal
        // segment, which no normalised path contains, so it never matches.
        let normalized = NormalizedPath(pattern) { !Self.hasWildcard($0) }
        isAbsolute = normalized.isAbsolute
        segments = normalized.segments.map { Self.segment(normalized.bytes[$0]) }
        let literalPrefix = segments.firstIndex { if case .literal = $0 { false } else { true } }
        // A fully literal pattern names one entry; its tree is the directory holding it.
        rootSegmentCount = literalPrefix ?? max(segments.count - 1, 0)
    }

    /// Whether `path` (absolute or relative, normalised like the pattern) matches.
    public func matches(_ path: String) -> Bool {
        let normalized = NormalizedPath(path)
        return normalized.isAbsolute == isAbsolute && matches(normalized)
    }

    /// The longest leading part without wildcards, as a directory: `data/*.txt` → `data`,
    /// `data/**` → `data`, `data/a.txt` → `data`, `*` → `.`. Everything the pattern can
    /// match lies at or below it.
    public var literalRoot: String {
        Self.string(segments.prefix(rootSegmentCount), isAbsolute: isAbsolute)
    }

    /// The normalised pattern.
    public var description: String {
        Self.string(segments[...], isAbsolute: isAbsolute)
    }

    /// True when `..` follows a wildcard, which lexical normalisation cannot resolve.
    var hasUnresolvedParent: Bool {
        segments.contains { $0 == .literal(NormalizedPath.parent) }
    }

    /// Matches normalised path segments.
    /// With `prefixOnly`, also true when the path could be extended to a match, i.e. it is
    /// a directory on the way to something the pattern matches.
    func matches(_ path: NormalizedPath, prefixOnly: Bool = false) -> Bool {
        path.bytes.withUnsafeBufferPointer { bytes in
            matches(bytes, path.segments, prefixOnly: prefixOnly)
        }
    }

    private func matches(
        _ bytes: UnsafeBufferPointer<UInt8>, _ path: [Range<Int>], prefixOnly: Bool
    ) -> Bool {
        // Each non-`**` segment consumes exactly one path segment, so the classic greedy
        // wildcard algorithm is exact: on a mismatch, let the last `**` swallow one more.
        var patternIndex = 0
        var pathIndex = 0
        var lastGlobstar: (pattern: Int, path: Int)?
        while pathIndex < path.count {
            if patternIndex < segments.count {
                let segment = segments[patternIndex]
                if segment == .globstar {
                    lastGlobstar = (patternIndex, pathIndex)
                    patternIndex += 1
                    continue
                }
                if Self.segment(segment, matches: bytes[path[pathIndex]]) {
                    patternIndex += 1
                    pathIndex += 1
                    continue
                }
            }
            guard let globstar = lastGlobstar else { return false }
            lastGlobstar = (globstar.pattern, globstar.path + 1)
            patternIndex = globstar.pattern + 1
            pathIndex = globstar.path + 1
        }
        if prefixOnly { return true }
        return segments[patternIndex...].allSatisfy { $0 == .globstar }
    }

    private typealias Name = Slice<UnsafeBufferPointer<UInt8>>

    private static func segment(_ segment: Segment, matches name: Name) -> Bool {
        switch segment {
        case .literal(let literal): literal.elementsEqual(name)
        case .glob(let glob): globMatches(glob, name)
        case .globstar: true
        }
    }

    private static let star = UInt8(ascii: "*")
    private static let question = UInt8(ascii: "?")

    private static func globMatches(_ glob: [UInt8], _ name: Name) -> Bool {
        var globIndex = 0
        var nameIndex = name.startIndex
        var lastStar: (glob: Int, name: Int)?
        while nameIndex < name.endIndex {
            if globIndex < glob.count {
                let character = glob[globIndex]
                if character == star {
                    lastStar = (globIndex, nameIndex)
                    globIndex += 1
                    continue
                }
                if character == question {
                    nameIndex = nextScalar(in: name, after: nameIndex)
                    globIndex += 1
                    continue
                }
                if character == name[nameIndex] {
                    globIndex += 1
                    nameIndex += 1
                    continue
                }
            }
            guard let starAt = lastStar else { return false }
            let resume = nextScalar(in: name, after: starAt.name)
            lastStar = (starAt.glob, resume)
            globIndex = starAt.glob + 1
            nameIndex = resume
        }
        return glob[globIndex...].allSatisfy { $0 == star }
    }

    /// Steps over one UTF-8 encoded scalar so `?` and `*` never split a character.
    private static func nextScalar(in name: Name, after index: Int) -> Int {
        var next = index + 1
        while next < name.endIndex, name[next] & 0b1100_0000 == 0b1000_0000 { next += 1 }
        return next
    }

    private static func hasWildcard(_ name: some Collection<UInt8>) -> Bool {
        name.contains(star) || name.contains(question)
    }

    private static func segment(_ name: ArraySlice<UInt8>) -> Segment {
        if name.elementsEqual([star, star]) { return .globstar }
        return hasWildcard(name) ? .glob(Array(name)) : .literal(Array(name))
    }

    private static func string(_ segments: ArraySlice<Segment>, isAbsolute: Bool) -> String {
        var path = NormalizedPath(isAbsolute: isAbsolute)
        for segment in segments {
            switch segment {
            case .literal(let bytes), .glob(let bytes): path = path.appending(bytes)
            case .globstar: path = path.appending([star, star])
            }
        }
        return path.string
    }
}
