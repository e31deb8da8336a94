import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How paths are opened below a grant root.
enum PathResolution: Sendable {
    /// `openat2` with `RESOLVE_BENEATH` where the kernel has it, the component walk otherwise.
    case automatic
    /// Always the component walk; lets tests cover the fallback on any kernel.
    case componentWalk
}

/// Why an open below a root failed.
enum BeneathOpenFailure: Error {
    /// Resolution would leave the root (an absolute symlink, or `..` in a symlink's target).
    case escapesRoot
    /// The last component is a symlink (never followed), or the path has a symlink loop.
    case finalSymlink
    /// The component walk met a symlink before the last component; it cannot follow one safely.
    case symlinkInPath
    case system(Int32)
}

enum PlatformFlags {
    #if os(Linux)
        /// `O_PATH` (a descriptor that only names a place); Glibc hides it behind _GNU_SOURCE.
        static let pathOnly: Int32 = 0o10_000_000
        static let directoryHandle = pathOnly | O_DIRECTORY | O_CLOEXEC
        /// Opens the last component itself, symlink or not, without reading anything.
        static let probe = pathOnly | O_NOFOLLOW | O_CLOEXEC
    #else
        static let directoryHandle = O_RDONLY | O_DIRECTORY | O_CLOEXEC
        static let probe = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC
    #endif
}

/// Opens the part of `path` below its first `rootSegmentCount` segments, relative to the
/// directory `root`, so that nothing outside it can be reached whatever symlinks the tree
/// holds or gains meanwhile. `O_NOFOLLOW` is always added.
func openBeneath(
    root: Int32,
    path: NormalizedPath,
    rootSegmentCount: Int,
    flags: Int32,
    mode: mode_t,
    resolution: PathResolution
) -> Result<Int32, BeneathOpenFailure> {
    let flags = flags | O_NOFOLLOW | O_CLOEXEC
    let result = withRelativePath(path, below: rootSegmentCount) { relative in
        if resolution == .automatic, let opened = KernelBeneath.open(root: root, relative, flags: flags, mode: mode) {
            return opened
        }
        return walkBeneath(root: root, path: path, below: rootSegmentCount, flags: flags, mode: mode)
    }
    // O_DIRECTORY|O_NOFOLLOW reports a final symlink as "not a directory".
    if case .failure(.system(ENOTDIR)) = result, flags & O_DIRECTORY != 0,
        withRelativePath(path, below: rootSegmentCount, { isSymlink(at: root, $0) })
    {
        return .failure(.finalSymlink)
    }
    return result
}

/// Only used to word an error after the open itself has failed.
private func isSymlink(at directory: Int32, _ relative: UnsafePointer<CChar>) -> Bool {
    var status = stat()
    return fstatat(directory, relative, &status, AT_SYMLINK_NOFOLLOW) == 0 && status.st_mode & S_IFMT == S_IFLNK
}

/// The part of `path` below its first `rootSegmentCount` segments as a C string, taken
/// in place from the path's NUL-terminated bytes; `.` when nothing is below.
func withRelativePath<R>(
    _ path: NormalizedPath, below rootSegmentCount: Int, _ body: (UnsafePointer<CChar>) -> R
) -> R {
    guard rootSegmentCount < path.count else { return body(".") }
    return path.bytes.withUnsafeBufferPointer { bytes in
        bytes.withMemoryRebound(to: CChar.self) { chars in
            // Non-empty (the path has segments), so the base address exists.
            guard let start = chars.baseAddress else { return body(".") }
            return body(start + path.segments[rootSegmentCount].lowerBound)
        }
    }
}

/// The kernel does the whole resolution atomically: `RESOLVE_BENEATH` refuses anything
/// that leaves the root, including absolute symlinks and `..` escapes.
enum KernelBeneath {
    #if os(Linux) && (arch(x86_64) || arch(arm64))
        /// Glibc has no wrapper and Swift cannot call the variadic `syscall(2)` directly, so
        /// it is called through a non-variadic pointer; on these ABIs the registers are the same.
        private typealias RawSyscall = @convention(c) (Int, Int, Int, Int, Int) -> Int
        private static let rawSyscall: RawSyscall? = dlsym(nil, "syscall").map {
            unsafeBitCast($0, to: RawSyscall.self)
        }
        private static let openat2Number = 437
        private static let resolveNoMagicLinks: UInt64 = 0x02
        private static let resolveBeneath: UInt64 = 0x08
        /// Set once the kernel answers ENOSYS (older than 5.6, or a filter forbids it).
        private static let unavailable = Atomic<Bool>(false)

        /// nil when `openat2` is unavailable; the caller then walks the components itself.
        static func open(
            root: Int32, _ path: UnsafePointer<CChar>, flags: Int32, mode: mode_t
        ) -> Result<Int32, BeneathOpenFailure>? {
            guard let rawSyscall, !unavailable.load(ordering: .relaxed) else { return nil }
            // struct open_how { u64 flags; u64 mode; u64 resolve; }: a homogeneous tuple has
            // exactly that layout (24 bytes). mode must be 0 unless a file may be created.
            let how: (UInt64, UInt64, UInt64) = (
                UInt64(UInt32(bitPattern: flags)),
                flags & O_CREAT != 0 ? UInt64(mode) : 0,
                resolveBeneath | resolveNoMagicLinks
            )
            return withUnsafePointer(to: how) { howPointer in
                // EAGAIN: a concurrent rename raced a `..`; the kernel asks to retry. EINTR: a signal.
                for _ in 0..<16 {
                    let fd = rawSyscall(
                        openat2Number, Int(root), Int(bitPattern: path), Int(bitPattern: howPointer),
                        MemoryLayout<(UInt64, UInt64, UInt64)>.size)
                    if fd >= 0 { return .success(Int32(fd)) }
                    let error = errno
                    switch error {
                    case EAGAIN, EINTR: continue
                    case ENOSYS:
                        unavailable.store(true, ordering: .relaxed)
                        return nil
                    case EXDEV: return .failure(.escapesRoot)
                    case ELOOP: return .failure(.finalSymlink)
                    default: return .failure(.system(error))
                    }
                }
                return .failure(.system(EAGAIN))
            }
        }
    #else
        static func open(
            root: Int32, _ path: UnsafePointer<CChar>, flags: Int32, mode: mode_t
        ) -> Result<Int32, BeneathOpenFailure>? {
            nil
        }
    #endif
}

/// Fallback without `openat2`: open one component at a time, never following a symlink.
/// Stricter than the kernel path: any symlink in the path is refused, even one that would
/// stay inside the tree, because following it safely needs the kernel's help.
private func walkBeneath(
    root: Int32, path: NormalizedPath, below rootSegmentCount: Int, flags: Int32, mode: mode_t
) -> Result<Int32, BeneathOpenFailure> {
    guard rootSegmentCount < path.count else { return openLast(in: root, ".", flags: flags, mode: mode) }
    // Ending every segment with a NUL turns each one into a C string in place.
    var names = path.bytes.map { CChar(bitPattern: $0) }
    let below = path.segments[rootSegmentCount...]
    for segment in below { names[segment.upperBound] = 0 }
    return names.withUnsafeBufferPointer { buffer in
        guard let start = buffer.baseAddress else { return .failure(.system(EINVAL)) }
        var directory = root
        defer { if directory != root { close(directory) } }
        for segment in below.dropLast() {
            let name = start + segment.lowerBound
            let next = openRetrying(directory, name, PlatformFlags.directoryHandle | O_NOFOLLOW, 0)
            if next < 0 {
                let error = errno
                if error == ENOTDIR || error == ELOOP {
                    return .failure(isSymlink(at: directory, name) ? .symlinkInPath : .system(ENOTDIR))
                }
                return .failure(.system(error))
            }
            if directory != root { close(directory) }
            directory = next
        }
        return openLast(in: directory, start + path.segments[path.count - 1].lowerBound, flags: flags, mode: mode)
    }
}

private func openLast(in directory: Int32, _ name: UnsafePointer<CChar>, flags: Int32, mode: mode_t)
    -> Result<Int32, BeneathOpenFailure>
{
    let fd = openRetrying(directory, name, flags, mode)
    if fd >= 0 { return .success(fd) }
    let error = errno
    return .failure(error == ELOOP ? .finalSymlink : .system(error))
}

private func openRetrying(_ directory: Int32, _ path: UnsafePointer<CChar>, _ flags: Int32, _ mode: mode_t) -> Int32 {
    while true {
        let fd = openat(directory, path, flags, mode)
        if fd >= 0 || errno != EINTR { return fd }
    }
}
