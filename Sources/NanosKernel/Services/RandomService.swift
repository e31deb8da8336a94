import Foundation
import NanosCore

/// The random service: `random_bytes` (and WASI's `random_get`, which the core routes here).
final class RandomService: Service {
    var handlers: [String: SyscallHandler] {
        [
            "random_bytes": { arguments in
                let count = arguments.int(0)
                guard count >= 0 else {
                    return .failure(SyscallFailure(.EINVAL, "random.bytes: negative length \(count)"))
                }
                guard count <= SyscallLimits.randomBytes else {
                    return .failure(
                        SyscallFailure(
                            .E2BIG, "random.bytes: \(count) is over the limit of \(SyscallLimits.randomBytes)"))
                }
                return .data(secureRandomBytes(Int(count)))
            }
        ]
    }
}

/// `count` bytes from the kernel's secure generator, in one request where the C library
/// has `getrandom` (a generator asked byte by byte costs a system call per byte).
func secureRandomBytes(_ count: Int) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    bytes.withUnsafeMutableBytes { buffer in
        var filled = 0
        if let getrandom = SecureRandom.getrandom {
            while filled < count, let base = buffer.baseAddress {
                let got = getrandom(base + filled, count - filled, 0)
                if got > 0 {
                    filled += got
                } else if errno != EINTR {
                    break
                }
            }
        }
        // Without getrandom (or if it failed): the standard generator for the rest.
        var generator = SystemRandomNumberGenerator()
        for index in filled..<count { buffer[index] = UInt8.random(in: 0...255, using: &generator) }
    }
    return bytes
}

private enum SecureRandom {
    /// Glibc's `getrandom`, which its Swift module does not export.
    typealias GetRandom = @convention(c) (UnsafeMutableRawPointer?, Int, UInt32) -> Int
    static let getrandom: GetRandom? = dlsym(nil, "getrandom").map { unsafeBitCast($0, to: GetRandom.self) }
}
