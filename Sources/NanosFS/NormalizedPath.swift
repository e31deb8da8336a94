/// A lexically normalised path: no empty, `.` or (resolvable) `..` segments. Nothing here
/// touches the file system.
///
/// The bytes are stored contiguously and NUL-terminated, so the part below any leading
/// segments can be handed to the kernel in place, without building another string.
struct NormalizedPath: Sendable {
    static let slash = UInt8(ascii: "/")
    static let parent: [UInt8] = [UInt8(ascii: "."), UInt8(ascii: ".")]

    let isAbsolute: Bool
    /// `/a/b` (absolute) or `a/b` (relative), then a NUL.
    private(set) var bytes: [UInt8]
    /// Where each segment lies in `bytes`.
    private(set) var segments: [Range<Int>]
    /// Segments a `..` may not remove; set for a request resolved against the base directory.
    private let floor: Int

    init(isAbsolute: Bool, reservingCapacity capacity: Int = 0) {
        self.isAbsolute = isAbsolute
        bytes = []
        bytes.reserveCapacity(capacity + 2)
        bytes.append(0)
        segments = []
        segments.reserveCapacity(capacity > 0 ? 8 : 0)
        floor = 0
    }

    /// Starts from `base`, whose segments `..` must not remove (see `append`).
    init(below base: NormalizedPath, reservingCapacity extra: Int) {
        isAbsolute = base.isAbsolute
        bytes = []
        bytes.reserveCapacity(base.bytes.count + extra + 1)
        bytes.append(contentsOf: base.bytes)
        segments = []
        segments.reserveCapacity(base.segments.count + 8)
        segments.append(contentsOf: base.segments)
        floor = base.segments.count
    }

    /// Parses a whole path string; an absolute one when it starts with `/`.
    init(_ path: String, isRemovable: (Slice<UnsafeBufferPointer<UInt8>>) -> Bool = { _ in true }) {
        let bytes = Array(path.utf8)
        self.init(isAbsolute: bytes.first == Self.slash)
        bytes.withUnsafeBufferPointer { _ = append($0, isRemovable: isRemovable) }
    }

    var count: Int { segments.count }

    /// The text without the NUL terminator.
    var string: String {
        if segments.isEmpty { return isAbsolute ? "/" : "." }
        return String(decoding: bytes[..<(bytes.count - 1)], as: UTF8.self)
    }

    /// Appends `input` segment by segment, dropping empty and `.` segments. A `..` removes
    /// the segment before it when that is allowed (above the floor and `isRemovable`).
    /// Otherwise: below a floor it still climbs but makes the result `true` (the path
    /// escaped); at the root of an absolute path it vanishes (`/..` is `/`); anywhere else
    /// it stays as a literal segment.
    @discardableResult
    mutating func append(
        _ input: UnsafeBufferPointer<UInt8>,
        isRemovable: (Slice<UnsafeBufferPointer<UInt8>>) -> Bool = { _ in true }
    ) -> Bool {
        var climbedAboveFloor = false
        var start = 0
        while start < input.count {
            var end = start
            while end < input.count, input[end] != Self.slash { end += 1 }
            let name = input[start..<end]
            start = end + 1
            if name.isEmpty || (name.count == 1 && name.first == UInt8(ascii: ".")) { continue }
            guard name.elementsEqual(Self.parent) else {
                push(name)
                continue
            }
            if let last = segments.last, segments.count > floor, !isParent(last),
                bytes.withUnsafeBufferPointer({ isRemovable($0[last]) })
            {
                removeLast()
            } else if floor > 0 {
                climbedAboveFloor = true
                if !segments.isEmpty { removeLast() }
            } else if !(isAbsolute && segments.isEmpty) {
                push(name)
            }
        }
        return climbedAboveFloor
    }

    func appending(_ name: some Collection<UInt8>) -> NormalizedPath {
        var path = self
        path.push(name)
        return path
    }

    func isParent(_ segment: Range<Int>) -> Bool {
        bytes[segment].elementsEqual(Self.parent)
    }

    private mutating func push(_ name: some Collection<UInt8>) {
        bytes.removeLast()
        if isAbsolute || !segments.isEmpty { bytes.append(Self.slash) }
        let start = bytes.count
        bytes.append(contentsOf: name)
        segments.append(start..<bytes.count)
        bytes.append(0)
    }

    private mutating func removeLast() {
        let last = segments.removeLast()
        let separator = isAbsolute || !segments.isEmpty ? 1 : 0
        bytes.removeSubrange((last.lowerBound - separator)...)
        bytes.append(0)
    }
}
