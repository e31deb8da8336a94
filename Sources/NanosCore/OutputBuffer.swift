import WasmKit

/// The buffer a guest passed to an `_into` call, as a direct handler sees it: its declared
/// capacity, and its bytes lent for writing once the result's size is known.
public struct OutputBuffer {
    /// The capacity the guest declared (negative declarations count as 0).
    public let capacity: Int
    let memory: GuestMemory?
    let pointer: UInt32
    /// The call, as messages name it (`fs_read_into`).
    let call: String

    /// The failure a result of `needed` bytes gets when it does not fit: `E2BIG`, with the
    /// size needed in the `needed_bytes` counter (and so in the guest's return value).
    public func refusal(needing needed: Int) -> SyscallOutcome? {
        needed <= capacity ? nil : .bufferTooSmall(call: call, needed: needed, capacity: capacity)
    }

    /// Lends the buffer's first `count` bytes (at most `capacity`) for writing: EINVAL when
    /// they fall outside guest memory or the guest has none. Nothing may call into the
    /// guest meanwhile (its memory could move).
    public func withPrefix<Result>(
        _ count: Int, _ body: (UnsafeMutableRawBufferPointer) -> Result
    ) throws(SyscallFailure) -> Result {
        guard let memory else { throw SyscallFailure(.EINVAL, "the guest exports no memory named \"memory\"") }
        let (offset, length) = try memory.range(
            ptr: pointer, len: UInt32(clamping: min(count, capacity)), what: "\(call) buffer")
        if length == 0 { return body(UnsafeMutableRawBufferPointer(start: nil, count: 0)) }
        return memory.memory.withUnsafeMutableBufferPointer(offset: offset, count: length, body)
    }
}

extension SyscallOutcome {
    /// An `_into` call's answer of `needed` bytes that its buffer of `capacity` cannot hold.
    static func bufferTooSmall(call: String, needed: Int, capacity: Int) -> SyscallOutcome {
        .failure(
            SyscallFailure(.E2BIG, "\(call): the answer is \(needed) bytes; the buffer holds \(max(capacity, 0))"),
            counters: ["needed_bytes": Int64(needed)])
    }
}
