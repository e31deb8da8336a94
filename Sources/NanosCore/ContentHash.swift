/// A stable 128-bit hash of bytes, the same in every process and on every machine: names
/// a module in the trace store and keys stored payloads. Not a cryptographic hash; where
/// two contents must be told apart for sure (deduplicated payloads), the bytes are
/// compared too.
public enum ContentHash {
    /// Two 64-bit lanes over 8-byte words (multiply, rotate, xor: several GB/s), mixed
    /// with the length, as 32 hex digits.
    public static func hex(_ bytes: UnsafeRawBufferPointer) -> String {
        let (a, b) = lanes(bytes)
        return hex64(a) + hex64(b)
    }

    public static func hex(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { hex($0) }
    }

    /// The first lane alone, as a signed 64-bit key (SQLite's integer).
    public static func key(_ bytes: UnsafeRawBufferPointer) -> Int64 {
        Int64(bitPattern: lanes(bytes).0)
    }

    static func lanes(_ bytes: UnsafeRawBufferPointer) -> (UInt64, UInt64) {
        var a: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        var b: UInt64 = 0xC2B2_AE3D_27D4_EB4F &+ UInt64(bytes.count)
        let words = bytes.count / 8
        var offset = 0
        for _ in 0..<words {
            let word = bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            a = rotate((a ^ word) &* 0x87C3_7B91_1142_53D5, 31)
            b = rotate((b &+ word) &* 0x4CF5_AD43_2745_937F, 29) ^ a
            offset += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while offset < bytes.count {
            tail |= UInt64(bytes[offset]) << shift
            shift += 8
            offset += 1
        }
        a = mix(a ^ tail)
        b = mix(b &+ tail &+ a)
        return (a, b)
    }

    @inline(__always) static func rotate(_ x: UInt64, _ by: UInt64) -> UInt64 { x << by | x >> (64 - by) }

    /// The 64-bit finaliser of MurmurHash3.
    @inline(__always) static func mix(_ value: UInt64) -> UInt64 {
        var x = value
        x ^= x >> 33
        x &*= 0xFF51_AFD7_ED55_8CCD
        x ^= x >> 33
        x &*= 0xC4CE_B9FE_1A85_EC53
        x ^= x >> 33
        return x
    }

    static func hex64(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
