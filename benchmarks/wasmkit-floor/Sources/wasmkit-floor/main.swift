// A guest calls one host function N times. The host function does the syscalls nanos'
// fs.read must do (openat2 beneath a directory handle, fstat, read, close) and hands the
// bytes back through the guest's `nanos_alloc` with `Function.invoke`, as ABI v1 asks;
// there is no policy, path resolution, bounds check or trace. Next to it, in the same
// process and alternating in rounds, the host does open + read + close directly, as
// `nanos bench`'s anchor does. The ratio of the medians is the best fs.read / host-read
// figure any runtime built this way on WasmKit could show on this machine.
import Foundation
import WasmKit
import WAT

let readsPerRound = 20_000
let rounds = 31

typealias RawSyscall = @convention(c) (Int, Int, Int, Int, Int) -> Int
guard let syscallSymbol = dlsym(nil, "syscall") else { fatalError("no syscall(2) in the C library") }
let rawSyscall = unsafeBitCast(syscallSymbol, to: RawSyscall.self)

let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wasmkit-floor-\(getpid())").path
try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: folder) }
let fileName = "data64.bin"
let filePath = folder + "/" + fileName
try Data((0..<64).map { UInt8($0) }).write(to: URL(fileURLWithPath: filePath))
let root = open(folder, 0o10_000_000 | O_DIRECTORY | O_CLOEXEC)  // O_PATH
// struct open_how { flags, mode, resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS }
let openHow: (UInt64, UInt64, UInt64) = (UInt64(O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC), 0, 0x08 | 0x02)

let guestText = """
    (module
      (import "nanos" "fs_read" (func $read (param i32 i32) (result i64)))
      (memory (export "memory") 2)
      (data (i32.const 0) "\(fileName)")
      (func (export "nanos_alloc") (param i32) (result i32) (i32.const 4096))
      (func (export "run") (param $n i32) (result i32)
        (loop $again
          (drop (call $read (i32.const 0) (i32.const \(fileName.utf8.count))))
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (br_if $again (i32.gt_s (local.get $n) (i32.const 0))))
        (i32.const 0)))
    """

/// What the host function reaches in the instance, filled in after instantiation.
final class Guest {
    var allocate: Function?
    var memory: Memory?
    var stack: ExecutionStack
    var allocatorArguments: [Value] = [.i32(0)]
    init(engine: Engine) { stack = ExecutionStack(engine: engine) }
}

let engine = Engine(configuration: EngineConfiguration(memoryBoundsChecking: .software, fuelMetering: true))
let store = Store(engine: engine)
let guest = Guest(engine: engine)
var imports = Imports()
imports.define(
    module: "nanos", name: "fs_read",
    Function(store: store, parameters: [.i32, .i32], results: [.i64]) { _, _, results in
        let fd = Int32(
            withUnsafePointer(to: openHow) { how in
                fileName.withCString { name in
                    rawSyscall(437, Int(root), Int(bitPattern: name), Int(bitPattern: how), MemoryLayout.size(ofValue: openHow))
                }
            })
        var status = stat()
        fstat(fd, &status)
        var bytes = [UInt8](repeating: 0, count: Int(status.st_size))
        let count = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard let allocate = guest.allocate, let memory = guest.memory, count > 0 else { return }
        guest.allocatorArguments[0] = .i32(UInt32(count))
        guard case .i32(let pointer)? = try allocate.invoke(guest.allocatorArguments, on: &guest.stack).first else { return }
        memory.withUnsafeMutableBufferPointer(offset: UInt(pointer), count: count) { target in
            bytes.withUnsafeBytes { target.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0.prefix(count))) }
        }
        results[0] = .i64(UInt64(count) << 32 | UInt64(pointer))
    })

let module = try parseWasm(bytes: try wat2wasm(guestText))
let instance = try module.instantiate(store: store, imports: imports)
guest.allocate = instance.exports[function: "nanos_alloc"]
guest.memory = instance.exports[memory: "memory"]
store.fuel = Fuel(remaining: UInt64.max / 2)
guard let run = instance.exports[function: "run"] else { fatalError("the guest exports no run") }

func nanoseconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) * 1e9 + Double(now.tv_nsec)
}

var sandboxed: [Double] = []
var direct: [Double] = []
var buffer = [UInt8](repeating: 0, count: 64)
for _ in 0..<rounds {
    var start = nanoseconds()
    _ = try run.invoke([.i32(UInt32(readsPerRound))])
    sandboxed.append((nanoseconds() - start) / Double(readsPerRound))
    start = nanoseconds()
    for _ in 0..<readsPerRound {
        let fd = open(filePath, O_RDONLY | O_CLOEXEC)
        _ = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, 64) }
        close(fd)
    }
    direct.append((nanoseconds() - start) / Double(readsPerRound))
}
let floor = sandboxed.sorted()[rounds / 2]
let host = direct.sorted()[rounds / 2]
print(String(format: "WasmKit host call + openat2/fstat/read/close + nanos_alloc: %.0f ns p50", floor))
print(String(format: "host open/read/close:                                     %.0f ns p50", host))
print(String(format: "ratio:                                                    %.2f×", floor / host))
