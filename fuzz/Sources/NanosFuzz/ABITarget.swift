import Foundation
import NanosKernel
import WAT

/// The syscall boundary: a fixed guest that makes the syscalls the input spells out, with
/// the raw i32 arguments the input gives (hostile pointers, lengths, handles, encodings),
/// run through `Kernel.run` under tight limits.
///
/// The input is copied into the guest's memory at `inputAddress` (a data segment added
/// to the compiled guest), after its length, and read as a program:
///
///     op (1 byte, taken modulo the number of ops), then that op's arguments,
///     each a little-endian 32-bit word; a missing byte reads as 0.
///
/// Ops 0..<abiImports.count call the import of that index (an i64 parameter takes one
/// word, zero-extended); the others are listed in `extraOps`. Data results (i64) are kept
/// so `log_last` can hand them back. The guest's `nanos_alloc` is hostile on request
/// (`set_alloc`): it can return any pointer, 0, trap, loop, grow memory or make a syscall.
///
/// Besides not crashing, each run must keep two properties: no step's result holds the
/// content of a file outside the granted folder (reached only through a symlink), and a
/// run ends `failed` only when the guest itself returned or exited non-zero.
let abiTarget = FuzzTarget(
    name: "abi",
    summary: "a fixed guest makes the syscalls the input spells out (nanos, env, WASI) with raw pointer/length args",
    run: { bytes in
        guard let guest = abiGuest else { return }
        var module = guest
        module += dataSection(at: inputAddress, bytes: lengthPrefixed(bytes))
        let image: AgentImage
        do {
            image = try Kernel.loadImage(bytes: module, source: "abi-guest.wasm")
        } catch {
            check(false, "the ABI guest does not load: \(error)")
            return
        }
        let report = Kernel.run(manifest: abiManifest, image: image, options: runOptions)
        check(
            report.status != .failed || report.guestExitCode != nil,
            "the run failed without the guest failing: \(report.message ?? "")")
        for step in report.steps {
            guard case .data(let data) = step.outcome else { continue }
            check(
                data.count < secretMarker.count || !data.contains(secretMarker),
                "step \(step.index) \(step.name) returned the secret file's content")
        }
        _ = report.json().serialized()
        show(report)
    },
    prepare: {
        makeScratchFiles()
        // A file beside the granted folder, and links to it from inside.
        _ = FileManager.default.createFile(atPath: "\(scratchFolder)/secret.txt", contents: Data(secretMarker))
        try? FileManager.default.createSymbolicLink(
            atPath: "\(scratchFolder)/data/secret", withDestinationPath: "../secret.txt")
        try? FileManager.default.createSymbolicLink(
            atPath: "\(scratchFolder)/data/sub/up", withDestinationPath: scratchFolder)
        do {
            abiGuest = try wat2wasm(abiGuestText)
        } catch {
            fatalError("the ABI guest does not compile: \(error)\n\(abiGuestText)")
        }
        writeSeedsIfAsked(abiSeeds)
    })

let secretMarker = Array("NANOS-FUZZ-SECRET-8d41c2".utf8)
let inputAddress: UInt32 = 0x1000
let abiManifest = fuzzManifest(fuel: 200_000, maxSteps: 48, stackBytes: 256 << 10)
nonisolated(unsafe) var abiGuest: [UInt8]?

extension Array where Element == UInt8 {
    func contains(_ needle: [UInt8]) -> Bool {
        guard let first = needle.first, needle.count <= count else { return needle.isEmpty }
        return withUnsafeBufferPointer { haystack in
            var start = 0
            while start + needle.count <= haystack.count {
                if haystack[start] == first, haystack[start..<start + needle.count].elementsEqual(needle) {
                    return true
                }
                start += 1
            }
            return false
        }
    }
}

/// One import the guest may call: module, name, parameter types, result type (or none).
struct GuestImport {
    let module: String
    let name: String
    let parameters: [String]
    let result: String?

    init(_ module: String, _ name: String, _ parameters: [String], _ result: String?) {
        self.module = module
        self.name = name
        self.parameters = parameters
        self.result = result
    }
}

private func i32s(_ count: Int) -> [String] { Array(repeating: "i32", count: count) }

/// Every call of the ABI table (both modules), then the WASI subset and one stubbed call.
let abiImports: [GuestImport] =
    ABI.calls.map {
        GuestImport($0.module.rawValue, $0.name, i32s($0.wasmParameterCount), $0.returnsI64 ? "i64" : "i32")
    } + [
        // The WASI subset, and one stubbed call.
        GuestImport("wasi_snapshot_preview1", "fd_write", i32s(4), "i32"),
        GuestImport("wasi_snapshot_preview1", "proc_exit", i32s(1), nil),
        GuestImport("wasi_snapshot_preview1", "clock_time_get", ["i32", "i64", "i32"], "i32"),
        GuestImport("wasi_snapshot_preview1", "random_get", i32s(2), "i32"),
        GuestImport("wasi_snapshot_preview1", "environ_sizes_get", i32s(2), "i32"),
        GuestImport("wasi_snapshot_preview1", "args_sizes_get", i32s(2), "i32"),
        GuestImport("wasi_snapshot_preview1", "environ_get", i32s(2), "i32"),
        GuestImport("wasi_snapshot_preview1", "args_get", i32s(2), "i32"),
        GuestImport("wasi_snapshot_preview1", "fd_prestat_get", i32s(2), "i32"),
        GuestImport("wasi_snapshot_preview1", "fd_fdstat_get", i32s(2), "i32"),
        GuestImport("wasi_snapshot_preview1", "fd_close", i32s(1), "i32"),
        GuestImport("wasi_snapshot_preview1", "fd_read", i32s(4), "i32"),
    ]

/// Ops after the imports, in order, with the WAT each runs.
let extraOps: [(name: String, body: String)] = [
    // set_alloc(mode, value): how nanos_alloc answers from now on (see the allocator).
    ("set_alloc", "(global.set $amode (call $arg)) (global.set $aval (call $arg))"),
    // grow(pages)
    ("grow", "(drop (memory.grow (call $arg)))"),
    // store(ptr, value), skipped when out of bounds (a trap would end the program early).
    (
        "store",
        """
        (local.set $a (call $arg)) (local.set $b (call $arg))
        (if (i32.le_u (local.get $a) (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 4)))
          (then (i32.store (local.get $a) (local.get $b))))
        """
    ),
    // log_last: hand the last data result back (its pointer and length as the host gave them).
    (
        "log_last",
        """
        (if (i64.gt_s (global.get $last) (i64.const 0))
          (then (drop (call $log (i32.const 1) (i32.wrap_i64 (global.get $last))
            (i32.wrap_i64 (i64.shr_u (global.get $last) (i64.const 32)))))))
        """
    ),
    // return(code): ends the program with that exit code.
    ("return", "(global.set $exit (call $arg)) (global.set $cursor (global.get $end))"),
]

/// The guest, generated from the tables above.
let abiGuestText: String = {
    var text = "(module\n"
    for (index, entry) in abiImports.enumerated() {
        let params = entry.parameters.isEmpty ? "" : " (param \(entry.parameters.joined(separator: " ")))"
        let result = entry.result.map { " (result \($0))" } ?? ""
        text += "  (import \"\(entry.module)\" \"\(entry.name)\" (func $f\(index)\(params)\(result)))\n"
    }
    text += """
          (memory (export "memory") 1)
          (global $cursor (mut i32) (i32.const 0))
          (global $end (mut i32) (i32.const 0))
          (global $last (mut i64) (i64.const 0))
          (global $amode (mut i32) (i32.const 0))
          (global $aval (mut i32) (i32.const 0))
          (global $heap (mut i32) (i32.const 0x4000))

          ;; The next byte / little-endian word of the program; 0 past its end.
          (func $byte (result i32) (local $c i32)
            (local.set $c (global.get $cursor))
            (if (i32.ge_u (local.get $c) (global.get $end)) (then (return (i32.const 0))))
            (global.set $cursor (i32.add (local.get $c) (i32.const 1)))
            (i32.load8_u (local.get $c)))
          (func $arg (result i32) (local $c i32)
            (local.set $c (global.get $cursor))
            (if (i32.gt_u (i32.add (local.get $c) (i32.const 4)) (global.get $end))
              (then (global.set $cursor (global.get $end)) (return (i32.const 0))))
            (global.set $cursor (i32.add (local.get $c) (i32.const 4)))
            (i32.load (local.get $c)))

          ;; A bump allocator in [0x4000, 512 KiB) that grows memory as needed, unless
          ;; set_alloc chose a hostile mode.
          (func $bump (param $size i32) (result i32) (local $p i32) (local $end i32)
            (local.set $p (global.get $heap))
            (if (i32.gt_u (i32.add (local.get $p) (local.get $size)) (i32.const 0x80000))
              (then (local.set $p (i32.const 0x4000))))
            (local.set $end (i32.add (local.get $p) (local.get $size)))
            (if (i32.lt_u (local.get $end) (local.get $p)) (then (return (i32.const 0))))
            (if (i32.gt_u (local.get $end) (i32.mul (memory.size) (i32.const 65536)))
              (then
                (if (i32.eq
                      (memory.grow (i32.add (i32.shr_u (i32.sub (local.get $end) (i32.mul (memory.size) (i32.const 65536))) (i32.const 16)) (i32.const 1)))
                      (i32.const -1))
                  (then (return (i32.const 0))))))
            (global.set $heap (local.get $end))
            (local.get $p))
          (func (export "nanos_alloc") (param $size i32) (result i32)
            (block $m7 (block $m6 (block $m5 (block $m4 (block $m3 (block $m2 (block $m1 (block $m0
              (br_table $m0 $m1 $m2 $m3 $m4 $m5 $m6 $m7 (i32.and (global.get $amode) (i32.const 7))))
              (return (call $bump (local.get $size))))
              (return (global.get $aval)))
              (return (i32.const 0)))
              (drop (call $log (i32.const 1) (i32.const 0x1004) (i32.const 1)))
              (return (call $bump (local.get $size))))
              (unreachable))
              (drop (memory.grow (global.get $aval)))
              (return (call $bump (local.get $size))))
              (loop $spin (br $spin))
              (unreachable))
            (drop (call $last_error))
            (call $bump (local.get $size)))

          ;; One function per op, called through the table: WasmKit translates a function
          ;; on its first call, so a run pays only for the ops it uses.
          (type $op (func))
          (global $exit (mut i32) (i32.const 0))
          (func (export "run") (result i32)
            (global.set $cursor (i32.const 0x1004))
            (global.set $end (i32.add (i32.const 0x1004) (i32.load (i32.const 0x1000))))
            (block $done
              (loop $next
                (br_if $done (i32.ge_u (global.get $cursor) (global.get $end)))
                (call_indirect (type $op) (i32.rem_u (call $byte) (i32.const OPCOUNT)))
                (br $next)))
            (global.get $exit))

        """
    let opCount = abiImports.count + extraOps.count
    text = text.replacingOccurrences(of: "OPCOUNT", with: String(opCount))
    for (index, entry) in abiImports.enumerated() {
        let args = entry.parameters.map { $0 == "i64" ? "(i64.extend_i32_u (call $arg))" : "(call $arg)" }
            .joined(separator: " ")
        let call = "(call $f\(index) \(args))"
        let body: String
        switch skippedOps.contains("\(entry.module).\(entry.name)") ? "skip" : entry.result {
        case "skip": body = entry.parameters.map { _ in "(drop (call $arg))" }.joined(separator: " ")
        case "i64": body = "(global.set $last \(call))"
        case nil: body = call
        default: body = "(drop \(call))"
        }
        text += "  (func $o\(index) (type $op) ;; \(entry.module).\(entry.name)\n    \(body))\n"
    }
    for (offset, op) in extraOps.enumerated() {
        text +=
            "  (func $o\(abiImports.count + offset) (type $op) (local $a i32) (local $b i32) ;; \(op.name)\n    \(op.body))\n"
    }
    text += "  (table \(opCount) funcref)\n"
    text += "  (elem (i32.const 0) \((0..<opCount).map { "$o\($0)" }.joined(separator: " ")))\n)\n"
    // The extra ops and the allocator call agent_log and last_error by name, wherever the
    // table puts them.
    for (name, alias) in [("agent_log", "$log"), ("last_error", "$last_error")] {
        if let index = abiImports.firstIndex(where: { $0.module == "nanos" && $0.name == name }) {
            text = text.replacingOccurrences(of: "(call \(alias) ", with: "(call $f\(index) ")
                .replacingOccurrences(of: "(call \(alias))", with: "(call $f\(index))")
        }
    }
    return text
}()

/// Imports the guest never calls (`module.name`, comma-separated in NANOS_FUZZ_ABI_SKIP):
/// their ops read their arguments and do nothing, so that a known crash does not keep
/// the fuzzer from the rest.
let skippedOps = Set(
    (ProcessInfo.processInfo.environment["NANOS_FUZZ_ABI_SKIP"] ?? "").split(separator: ",").map {
        $0.trimmingCharacters(in: .whitespaces)
    })

/// The op number of an import or extra op, for writing seeds.
func abiOp(_ name: String, module: String = "nanos") -> UInt8 {
    if let index = abiImports.firstIndex(where: { $0.module == module && $0.name == name }) { return UInt8(index) }
    if let index = extraOps.firstIndex(where: { $0.name == name }) { return UInt8(abiImports.count + index) }
    fatalError("no op \(module).\(name)")
}

func lengthPrefixed(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
    var out = withUnsafeBytes(of: UInt32(bytes.count).littleEndian) { Array($0) }
    out += bytes
    return out
}

/// A data section (id 11) with one active segment at `address` in memory 0.
func dataSection(at address: UInt32, bytes: [UInt8]) -> [UInt8] {
    var segment: [UInt8] = [1, 0, 0x41]  // one segment; active, memory 0; i32.const
    segment += sleb128(Int64(Int32(bitPattern: address)))
    segment.append(0x0B)  // end
    segment += uleb128(UInt64(bytes.count))
    segment += bytes
    return [11] + uleb128(UInt64(segment.count)) + segment
}

func uleb128(_ value: UInt64) -> [UInt8] {
    var value = value
    var out: [UInt8] = []
    repeat {
        var byte = UInt8(value & 0x7F)
        value >>= 7
        if value != 0 { byte |= 0x80 }
        out.append(byte)
    } while value != 0
    return out
}

func sleb128(_ value: Int64) -> [UInt8] {
    var value = value
    var out: [UInt8] = []
    while true {
        let byte = UInt8(value & 0x7F)
        value >>= 7
        if (value == 0 && byte & 0x40 == 0) || (value == -1 && byte & 0x40 != 0) {
            out.append(byte)
            return out
        }
        out.append(byte | 0x80)
    }
}
