import WasmKit

/// Bounds-checked access to a guest's linear memory.
///
/// WasmKit's buffer accessors precondition on their range, which would take the whole
/// host down on a bad guest pointer; every range is therefore checked here first.
struct GuestMemory {
    let memory: Memory

    /// The byte range a guest `(ptr, len)` pair names, or EINVAL.
    ///
    /// Pointers are unsigned 32-bit wasm addresses; a length with the sign bit set is
    /// a negative length and refused, as is any range past the end of memory.
    @inline(__always)
    func range(ptr: UInt32, len: UInt32, what: String) throws(SyscallFailure) -> (offset: UInt, count: Int) {
        guard Int32(bitPattern: len) >= 0 else {
            throw SyscallFailure(.EINVAL, "\(what): negative length \(Int32(bitPattern: len))")
        }
        let end = UInt64(ptr) + UInt64(len)
        guard end <= UInt64(memory.byteCount) else {
            throw SyscallFailure(
                .EINVAL, "\(what): range \(ptr)..<\(end) is outside guest memory (\(memory.byteCount) bytes)")
        }
        return (UInt(ptr), Int(len))
    }

    /// Copies `len` bytes at `ptr` out of the guest, refusing more than `limit`.
    func read(ptr: UInt32, len: UInt32, limit: Int, what: String) throws(SyscallFailure) -> [UInt8] {
        try withBytes(ptr: ptr, len: len, limit: limit, what: what) { $0.isEmpty ? [] : Array($0) }
    }

    /// Lends the `len` bytes at `ptr` in place, refusing more than `limit`.
    func withBytes<R>(
        ptr: UInt32, len: UInt32, limit: Int, what: String, _ body: (UnsafeRawBufferPointer) -> R
    ) throws(SyscallFailure) -> R {
        let (offset, count) = try range(ptr: ptr, len: len, what: what)
        guard count <= limit else {
            throw SyscallFailure(.E2BIG, "\(what): \(count) bytes is over the limit of \(limit) bytes")
        }
        if count == 0 { return body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        return memory.withUnsafeBufferPointer(offset: offset, count: count, body)
    }

    /// Copies bytes into the guest at `ptr`.
    func write(_ bytes: [UInt8], at ptr: UInt32, what: String) throws(SyscallFailure) {
        let (offset, count) = try range(ptr: ptr, len: UInt32(clamping: bytes.count), what: what)
        guard count == bytes.count else {
            throw SyscallFailure(.E2BIG, "\(what): result of \(bytes.count) bytes cannot be addressed")
        }
        if count == 0 { return }
        memory.withUnsafeMutableBufferPointer(offset: offset, count: count) { buffer in
            bytes.withUnsafeBytes { buffer.copyMemory(from: $0) }
        }
    }

    func loadUInt32(at ptr: UInt32, what: String) throws(SyscallFailure) -> UInt32 {
        let (offset, _) = try range(ptr: ptr, len: 4, what: what)
        return memory.withUnsafeBufferPointer(offset: offset, count: 4) { $0.loadUnaligned(as: UInt32.self) }
            .littleEndian
    }

    func storeUInt32(_ value: UInt32, at ptr: UInt32, what: String) throws(SyscallFailure) {
        try write(withUnsafeBytes(of: value.littleEndian) { Array($0) }, at: ptr, what: what)
    }

    func storeUInt64(_ value: UInt64, at ptr: UInt32, what: String) throws(SyscallFailure) {
        try write(withUnsafeBytes(of: value.littleEndian) { Array($0) }, at: ptr, what: what)
    }
}
