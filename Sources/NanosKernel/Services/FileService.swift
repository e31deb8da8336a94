import NanosCore
import NanosFS

/// The fs service: `fs_read`, `fs_write` and `fs_list` (and the original ABI's file
/// calls, which share them) over the manifest's path grants.
final class FileService: Service {
    let files: SandboxedFileSystem

    init(files: SandboxedFileSystem) {
        self.files = files
    }

    var handlers: [String: SyscallHandler] {
        [
            "fs_read": { [files] arguments in
                .catching { () throws(SyscallFailure) in
                    let path = try utf8Path(arguments.bytes(0))
                    do throws(FSError) {
                        return .data(try files.read(path, maxBytes: SyscallLimits.fileBytes))
                    } catch {
                        throw SyscallFailure(fsError: error, requested: path)
                    }
                }
            },
            "fs_write": { [files] arguments in
                .catching { () throws(SyscallFailure) in
                    let path = try utf8Path(arguments.bytes(0))
                    do throws(FSError) {
                        try files.write(path, contents: arguments.bytes(1), maxBytes: SyscallLimits.fileBytes)
                    } catch {
                        throw SyscallFailure(fsError: error, requested: path)
                    }
                    return .value(0)
                }
            },
            "fs_list": { [files] arguments in
                .catching { () throws(SyscallFailure) in
                    let path = try utf8Path(arguments.bytes(0))
                    let entries: [DirectoryEntry]
                    do throws(FSError) {
                        entries = try files.list(path)
                    } catch {
                        throw SyscallFailure(fsError: error, requested: path)
                    }
                    let json = JSONValue.array(
                        entries.map {
                            .object([
                                ("name", .string($0.name)), ("type", .string($0.kind.rawValue)),
                                ("size", .int(Int64($0.size))),
                            ])
                        })
                    return .data(Array(json.serialized().utf8))
                }
            },
        ]
    }
}

extension FileService {
    /// `fs_read_into` reads the file straight into the guest's buffer, once its size is
    /// known to fit.
    var directHandlers: [String: DirectHandler] {
        [
            "fs_read": { [files] arguments, output in
                do throws(SyscallFailure) {
                    let path = try utf8Path(arguments.bytes(0))
                    let file: ReadableFile
                    do throws(FSError) {
                        file = try files.openForReading(path, maxBytes: SyscallLimits.fileBytes)
                    } catch {
                        throw SyscallFailure(fsError: error, requested: path)
                    }
                    defer { file.close() }
                    if let refusal = output.refusal(needing: file.size) { return refusal }
                    switch try output.withPrefix(file.size, { file.read(into: $0) }) {
                    case .success(let count): return .value(Int64(count))
                    case .failure(let error): throw SyscallFailure(fsError: error, requested: path)
                    }
                } catch {
                    return .failure(error)
                }
            }
        ]
    }
}

/// A path argument as text.
func utf8Path(_ bytes: [UInt8]) throws(SyscallFailure) -> String {
    guard bytes.count <= SyscallLimits.path else {
        throw SyscallFailure(.E2BIG, "path is over \(SyscallLimits.path) bytes")
    }
    // ASCII is valid UTF-8 as it stands and is what paths nearly always are; checking
    // for it costs a fraction of the general validation.
    if bytes.allSatisfy({ $0 < 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
    guard let path = String(validating: bytes, as: UTF8.self) else {
        throw SyscallFailure(.EINVAL, "path is not valid UTF-8")
    }
    return path
}

extension SyscallFailure {
    /// The guest's message names the path as the guest wrote it, so errors do not reveal
    /// the host's folder layout; the rule (kept in the trace, never shown to the guest)
    /// has the resolved path.
    init(fsError: FSError, requested: String) {
        switch fsError {
        case .denied(_, let rule):
            self.init(.EPERM, "access to \(requested) denied", rule: rule)
        case .notFound:
            self.init(.ENOENT, "no such file or directory: \(requested)")
        case .invalidPath(_, let reason):
            self.init(.EINVAL, "invalid path \(requested.debugDescription): \(reason)")
        case .tooLarge(_, let limit):
            self.init(.E2BIG, "\(requested) is larger than the limit of \(limit) bytes")
        case .io(_, let message):
            self.init(.EIO, "\(requested): \(message)")
        }
    }
}
