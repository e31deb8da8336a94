import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// File access for one sandboxed agent, limited to what its `PathGrants` allow.
///
/// Every request is resolved lexically against the grants first, then opened below the
/// matching grant's root directory so the kernel itself refuses anything that leaves that
/// tree. See docs/security-fs.md for the rules.
public final class SandboxedFileSystem: Sendable {
    public let grants: PathGrants
    private let resolution: PathResolution
    /// One directory handle per grant root, opened on first use and kept until deinit,
    /// so a request costs a single open below it. -1 = not opened yet.
    private let rootDescriptors: Mutex<[Int32]>
    /// The last path `read` was asked for, resolved, with the read grants that match it.
    /// Resolution and matching are lexical (they depend only on the text and on the
    /// grants, both fixed), so an agent reading the same path again skips them; the open
    /// below the grant root, which sees the file system as it is now, happens every time.
    private let lastRead = Mutex<ResolvedRequest?>(nil)

    /// A class, so taking it out of the lock is one reference count, not one per field.
    private final class ResolvedRequest: Sendable {
        let requested: String
        let path: NormalizedPath
        let grants: [PathGrants.Grant]

        init(requested: String, path: NormalizedPath, grants: [PathGrants.Grant]) {
            self.requested = requested
            self.path = path
            self.grants = grants
        }
    }

    public convenience init(grants: PathGrants) {
        self.init(grants: grants, resolution: .automatic)
    }

    init(grants: PathGrants, resolution: PathResolution) {
        self.grants = grants
        self.resolution = resolution
        rootDescriptors = Mutex(Array(repeating: -1, count: grants.rootPaths.count))
    }

    deinit {
        rootDescriptors.withLock { descriptors in
            for fd in descriptors where fd >= 0 { close(fd) }
        }
    }

    /// The whole file. Fails with `tooLarge` when it has more than `maxBytes` bytes.
    public func read(_ path: String, maxBytes: Int) throws(FSError) -> [UInt8] {
        let file = try openForReading(path, maxBytes: maxBytes)
        defer { file.close() }
        // Zero-filled rather than uninitialised: that initialiser is not specialised for
        // this module and looks up its metadata on every call, which costs more than the fill.
        var bytes = [UInt8](repeating: 0, count: file.size)
        let count = try bytes.withUnsafeMutableBytes { file.read(into: $0) }.get()
        // The file may have shrunk since it was opened.
        if count < file.size { bytes.removeSubrange(count...) }
        return bytes
    }

    /// Opens a file for one whole read, once the grants allow it and it is known to be a
    /// regular file of at most `maxBytes` bytes, so the caller can size (or refuse) the
    /// destination before any byte is read. The caller closes it.
    public func openForReading(_ path: String, maxBytes: Int) throws(FSError) -> ReadableFile {
        let request = try resolvedRead(path)
        let resolved = request.path
        try requireFileName(path)
        let fd = try openBelowGrant(resolved, of: request.grants, access: .read, flags: O_RDONLY | O_NONBLOCK).fd
        let size: Int
        do {
            size = try regularFileSize(fd, path: resolved, access: .read)
        } catch {
            close(fd)
            throw error
        }
        guard size <= maxBytes else {
            close(fd)
            throw .tooLarge(path: resolved.string, limit: maxBytes)
        }
        return ReadableFile(fd: fd, size: size, path: resolved.string)
    }

    /// Creates or truncates the file (mode 0644 less the umask). Its directory must exist.
    public func write(_ path: String, contents: UnsafeRawBufferPointer, maxBytes: Int) throws(FSError) {
        try requireFileName(path)
        let resolved = try grants.resolve(path)
        guard grants.grant(matching: resolved, access: .write) != nil else {
            throw grants.noGrantDenial(resolved, access: .write)
        }
        // Checked before opening so an oversized write leaves the old file untouched.
        guard contents.count <= maxBytes else { throw .tooLarge(path: resolved.string, limit: maxBytes) }
        // Opened without O_TRUNC: the file is truncated only once it is known to be a
        // regular file with a single link, so a hard link to a file outside is left whole.
        let fd = try openGranted(
            resolved, access: .write, flags: O_WRONLY | O_CREAT | O_NONBLOCK, mode: 0o644
        ).fd
        var closed = false
        defer { if !closed { close(fd) } }
        _ = try regularFileSize(fd, path: resolved, access: .write)
        guard ftruncate(fd, 0) == 0 else { throw FSError(errno: errno, path: resolved.string, operation: "truncate") }
        let failure = writeFully(fd, contents)
        guard failure == 0 else { throw FSError(errno: failure, path: resolved.string, operation: "write") }
        closed = true
        // A delayed write error (NFS, quota) only shows up here.
        guard close(fd) == 0 else { throw FSError(errno: errno, path: resolved.string, operation: "close") }
    }

    public func write(_ path: String, contents: some Collection<UInt8>, maxBytes: Int) throws(FSError) {
        let contiguous = contents.withContiguousStorageIfAvailable { buffer in
            Result { () throws(FSError) in try write(path, contents: UnsafeRawBufferPointer(buffer), maxBytes: maxBytes)
            }
        }
        try
            (contiguous
            ?? Array(contents).withUnsafeBytes { buffer in
                Result { () throws(FSError) in try write(path, contents: buffer, maxBytes: maxBytes) }
            }).get()
    }

    /// The entries of a directory, sorted by name.
    ///
    /// Allowed when the directory is at or below a read grant's root and on the way to
    /// something that grant matches (`data/*.txt` lets you list `data`). Only entries the
    /// read grants match, plus subdirectories that could hold such entries, are returned,
    /// so a listing never reveals names the agent could not read.
    public func list(_ path: String) throws(FSError) -> [DirectoryEntry] {
        let resolved = try grants.resolve(path)
        let fd = try openGranted(resolved, access: .read, directory: true, flags: O_RDONLY | O_DIRECTORY).fd
        guard let stream = fdopendir(fd) else {
            let code = errno
            close(fd)
            throw FSError(errno: code, path: resolved.string, operation: "opendir")
        }
        defer { closedir(stream) }
        var entries: [DirectoryEntry] = []
        while true {
            errno = 0
            guard let entry = readdir(stream) else {
                if errno != 0 { throw FSError(errno: errno, path: resolved.string, operation: "readdir") }
                break
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
            guard name != [UInt8(ascii: ".")], name != NormalizedPath.parent else { continue }
            let entryPath = resolved.appending(name)
            let readable = grants.readGrants.contains { $0.pattern.matches(entryPath) }
            guard readable || grants.readGrants.contains(where: { $0.pattern.matches(entryPath, prefixOnly: true) })
            else { continue }
            var status = stat()
            // An entry removed since readdir saw it is simply not listed.
            let statResult = withRelativePath(entryPath, below: resolved.count) {
                fstatat(dirfd(stream), $0, &status, AT_SYMLINK_NOFOLLOW)
            }
            guard statResult == 0 else { continue }
            let kind = DirectoryEntry.Kind(mode: status.st_mode)
            guard readable || kind == .directory else { continue }
            entries.append(
                DirectoryEntry(
                    name: String(decoding: name, as: UTF8.self), kind: kind,
                    size: kind == .file ? Int(status.st_size) : 0))
        }
        return entries.sorted { $0.name < $1.name }
    }

    /// Whether `access` to `path` would be allowed, and by which rule.
    ///
    /// Applies the grants, then probes the path below the grant's root (one open, nothing
    /// read) so symlinks that leave the tree or end the path are reported as read/write
    /// would report them. A missing file is still allowed: that is not a policy matter.
    public func decide(_ path: String, access: FileAccess) -> AccessDecision {
        let resolved: NormalizedPath
        do {
            resolved = try grants.resolve(path)
        } catch {
            return AccessDecision(refusal: error, requested: path)
        }
        guard let policyGrant = grants.grant(matching: resolved, access: access) else {
            return AccessDecision(refusal: grants.noGrantDenial(resolved, access: access), requested: path)
        }
        do {
            let (fd, grant) = try openGranted(resolved, access: access, flags: PlatformFlags.probe)
            defer { close(fd) }
            var status = stat()
            // The probe opens a final symlink itself instead of failing; refuse it here.
            if fstat(fd, &status) == 0, status.st_mode & S_IFMT == S_IFLNK {
                return AccessDecision(refusal: FSError(.finalSymlink, path: resolved, root: ""), requested: path)
            }
            return AccessDecision(allowed: true, rule: grant.explanation, resolvedPath: resolved.string)
        } catch .denied(let deniedPath, let rule) {
            return AccessDecision(allowed: false, rule: rule, resolvedPath: deniedPath)
        } catch {
            return AccessDecision(allowed: true, rule: policyGrant.explanation, resolvedPath: resolved.string)
        }
    }

    /// `path` resolved, with the read grants matching it, from the one-entry cache when
    /// it is the path asked for last.
    private func resolvedRead(_ path: String) throws(FSError) -> ResolvedRequest {
        // Compared byte for byte: `==` on strings treats canonically equivalent spellings as
        // equal, but they name different files.
        if let last = lastRead.withLock({ $0 }), sameBytes(last.requested, path) { return last }
        let resolved = try grants.resolve(path)
        let request = ResolvedRequest(
            requested: path, path: resolved, grants: qualifyingGrants(resolved, access: .read, directory: false))
        lastRead.withLock { $0 = request }
        return request
    }

    /// The grants of this kind that may open `path`, in manifest order. With `directory`,
    /// a grant qualifies when `path` is at or below its root and on the way to something
    /// it matches.
    private func qualifyingGrants(_ path: NormalizedPath, access: FileAccess, directory: Bool) -> [PathGrants.Grant] {
        grants.grants(for: access).filter { grant in
            directory
                ? path.count >= grant.pattern.rootSegmentCount && grant.pattern.matches(path, prefixOnly: true)
                : grant.pattern.matches(path)
        }
    }

    /// Opens `path` below the root of a grant that matches it.
    private func openGranted(
        _ path: NormalizedPath, access: FileAccess, directory: Bool = false, flags: Int32, mode: mode_t = 0
    ) throws(FSError) -> (fd: Int32, grant: PathGrants.Grant) {
        try openBelowGrant(
            path, of: qualifyingGrants(path, access: access, directory: directory), access: access,
            directory: directory, flags: flags, mode: mode)
    }

    /// Opens `path` below the root of one of `qualifying` (grants that match it). Grants are
    /// tried in manifest order; one whose tree the path escapes (through a symlink) gives
    /// way to the next.
    private func openBelowGrant(
        _ path: NormalizedPath, of qualifying: [PathGrants.Grant], access: FileAccess, directory: Bool = false,
        flags: Int32, mode: mode_t = 0
    ) throws(FSError) -> (fd: Int32, grant: PathGrants.Grant) {
        var firstDenial: FSError?
        // By index: a grant is only copied out (several reference counts) for the answer.
        for index in qualifying.indices {
            let rootIndex = qualifying[index].rootIndex
            let root = try rootDescriptor(rootIndex, for: path)
            let opened = openBeneath(
                root: root, path: path, rootSegmentCount: qualifying[index].pattern.rootSegmentCount,
                flags: flags, mode: mode, resolution: resolution)
            switch opened {
            case .success(let fd):
                return (fd, qualifying[index])
            case .failure(let failure):
                let error = FSError(failure, path: path, root: grants.rootPaths[rootIndex])
                guard case .denied = error else { throw error }
                if firstDenial == nil { firstDenial = error }
            }
        }
        throw firstDenial ?? grants.noGrantDenial(path, access: access, directory: directory)
    }

    private func rootDescriptor(_ index: Int, for path: NormalizedPath) throws(FSError) -> Int32 {
        let rootPath = grants.rootPaths[index]
        return try rootDescriptors.withLock { descriptors throws(FSError) -> Int32 in
            if descriptors[index] >= 0 { return descriptors[index] }
            // The root itself is the operator's choice, so symlinks leading to it are followed.
            let fd = open(rootPath, PlatformFlags.directoryHandle)
            guard fd >= 0 else {
                let code = errno
                // A missing root means everything below it, including the request, is missing.
                if code == ENOENT || code == ENOTDIR { throw .notFound(path: path.string) }
                throw FSError(errno: code, path: rootPath, operation: "opening the granted directory")
            }
            descriptors[index] = fd
            return fd
        }
    }

    /// A path naming a file may not end in `/` or `/.`: lexically those are the file's own
    /// path, but they say "a directory", and the kernel would refuse them on a file.
    private func requireFileName(_ path: String) throws(FSError) {
        if path.hasSuffix("/") || path.hasSuffix("/.") || path == "." {
            throw .invalidPath(path: path, reason: "ends with '/' or '/.', which names a directory, not a file")
        }
    }

    /// The size of the open file, which must be a regular file. One with several hard links
    /// may share its inode with a file outside every grant: it is never written, and read
    /// only when the manifest allows it (`fs_read_hardlinks`).
    private func regularFileSize(_ fd: Int32, path: NormalizedPath, access: FileAccess) throws(FSError) -> Int {
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw FSError(errno: errno, path: path.string, operation: "fstat") }
        switch status.st_mode & S_IFMT {
        case S_IFREG:
            if status.st_nlink > 1, access == .write || !grants.readsHardlinks {
                throw .denied(
                    path: path.string,
                    rule: "\(FSError.display(path.string)) has \(status.st_nlink) hard links, and a hard link may lead "
                        + (access == .write
                            ? "outside the granted tree; such files are never written"
                            : "outside the granted tree; `fs_read_hardlinks: true` in permissions allows reading it"))
            }
            return Int(status.st_size)
        case S_IFDIR:
            throw .invalidPath(path: path.string, reason: "is a directory, not a file (list shows its entries)")
        default:
            throw .invalidPath(path: path.string, reason: "is not a regular file")
        }
    }
}

/// Whether two strings have the same UTF-8 bytes (`==` also equates canonically
/// equivalent spellings, which name different files).
private func sameBytes(_ first: String, _ second: String) -> Bool {
    first.utf8.count == second.utf8.count && first.utf8.elementsEqual(second.utf8)
}

/// Reads until `buffer` is full or the file ends (it may have shrunk since fstat).
/// Returns the byte count and 0, or the errno that stopped it.
private func readFully(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> (count: Int, errno: Int32) {
    guard let base = buffer.baseAddress else { return (0, 0) }
    var count = 0
    while count < buffer.count {
        let got = read(fd, base + count, buffer.count - count)
        if got > 0 {
            count += got
        } else if got == 0 {
            break
        } else if errno != EINTR {
            return (count, errno)
        }
    }
    return (count, 0)
}

/// A granted regular file, open for one read. Whoever opens it closes it.
public struct ReadableFile {
    let fd: Int32
    /// The size when it was opened.
    public let size: Int
    let path: String

    /// Reads up to `size` bytes into `buffer` (which must hold them), and returns how many
    /// it read: fewer when the file shrank since it was opened.
    public func read(into buffer: UnsafeMutableRawBufferPointer) -> Result<Int, FSError> {
        let (count, failure) = readFully(fd, into: UnsafeMutableRawBufferPointer(rebasing: buffer.prefix(size)))
        guard failure == 0 else { return .failure(FSError(errno: failure, path: path, operation: "read")) }
        return .success(count)
    }

    public func close() {
        closeDescriptor(fd)
    }
}

private func closeDescriptor(_ fd: Int32) {
    close(fd)
}

/// Returns 0, or the errno that stopped the write.
private func writeFully(_ fd: Int32, _ contents: UnsafeRawBufferPointer) -> Int32 {
    guard let base = contents.baseAddress else { return 0 }
    var offset = 0
    while offset < contents.count {
        let written = write(fd, base + offset, contents.count - offset)
        if written >= 0 {
            offset += written
        } else if errno != EINTR {
            return errno
        }
    }
    return 0
}

extension DirectoryEntry.Kind {
    init(mode: mode_t) {
        switch mode & S_IFMT {
        case S_IFREG: self = .file
        case S_IFDIR: self = .directory
        case S_IFLNK: self = .symlink
        default: self = .other
        }
    }
}

extension AccessDecision {
    init(refusal: FSError, requested: String) {
        switch refusal {
        case .denied(let path, let rule):
            self.init(allowed: false, rule: rule, resolvedPath: path)
        case .invalidPath(_, let reason):
            self.init(allowed: false, rule: "invalid path: \(reason)", resolvedPath: requested)
        default:
            self.init(allowed: false, rule: refusal.description, resolvedPath: requested)
        }
    }
}

extension FSError {
    init(_ failure: BeneathOpenFailure, path: NormalizedPath, root: String) {
        let absolute = path.string
        switch failure {
        case .escapesRoot:
            self = .denied(
                path: absolute,
                rule: "a symbolic link on the way to \(absolute) leads outside the granted tree \(root)")
        case .finalSymlink:
            self = .denied(
                path: absolute,
                rule: "\(absolute) is a symbolic link (or part of a symlink loop); nanos never follows "
                    + "a symlink as the last path component, name the file it points to instead")
        case .symlinkInPath:
            self = .denied(
                path: absolute,
                rule: "\(absolute) passes through a symbolic link, which cannot be followed safely "
                    + "without openat2 (Linux 5.6 or later)")
        case .system(let code):
            self.init(errno: code, path: absolute, operation: "open")
        }
    }

    init(errno code: Int32, path: String, operation: String) {
        switch code {
        case ENOENT:
            self = .notFound(path: path)
        case ENOTDIR:
            self = .invalidPath(
                path: path, reason: "not a directory (the path itself, or a directory on the way to it)")
        case EISDIR:
            self = .invalidPath(path: path, reason: "is a directory, not a file")
        case ENXIO, ENODEV:
            self = .invalidPath(path: path, reason: "is not a regular file")
        case ENAMETOOLONG:
            self = .invalidPath(path: path, reason: "the path is too long")
        default:
            self = .io(path: path, message: "\(operation) failed: \(String(cString: strerror(code)))")
        }
    }
}
