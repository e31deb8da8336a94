#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Owns C copies of Swift strings for the duration of one libnats call.
///
/// libnats config structs (`jsStreamConfig`, `jsSubOptions`, ...) hold borrowed `const char *`
/// fields that must stay valid until the call returns; Swift's `withCString` nests badly for
/// many fields, so we `strdup` into this arena and free everything in `deinit`. Keep the arena
/// alive across the call (`withExtendedLifetime`). Not thread-safe; use it from one call site.
final class CStringArena {
    private var owned: [UnsafeMutableRawPointer] = []

    init() {}

    deinit {
        for pointer in owned { free(pointer) }
    }

    func string(_ value: String) -> UnsafePointer<CChar> {
        // strdup only fails on OOM; crashing there is the only sane option for a C-string copy.
        guard let copy = strdup(value) else { fatalError("strdup: out of memory") }
        owned.append(UnsafeMutableRawPointer(copy))
        return UnsafePointer(copy)
    }

    func string(_ value: String?) -> UnsafePointer<CChar>? {
        value.map { string($0) }
    }

    /// A C array of `const char *`, as used by `jsStreamConfig.Subjects`.
    func array(_ values: [String]) -> UnsafeMutablePointer<UnsafePointer<CChar>?> {
        let stride = MemoryLayout<UnsafePointer<CChar>?>.stride
        guard let raw = malloc(stride * Swift.max(1, values.count)) else { fatalError("malloc: out of memory") }
        owned.append(raw)
        let buffer = raw.bindMemory(to: UnsafePointer<CChar>?.self, capacity: Swift.max(1, values.count))
        for (index, value) in values.enumerated() {
            (buffer + index).initialize(to: string(value))
        }
        return buffer
    }
}
