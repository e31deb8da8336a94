;; ATTACK: fs_write of 1 MiB of 0x01 bytes (valid UTF-8 that JSON escapes as \u0001, six
;; bytes each), each time different, until resources.trace = 4MB is full; the harness
;; asks for --trace, so the host writes every byte of it as JSON.
;; MUST: out_of_memory (exit 5) for the trace; writing the trace file does not hold its
;; escaped text in memory (peak RSS within the bound).
(module
  (import "nanos" "fs_write" (func $fs_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 18)
  (data (i32.const 16) "out/f.bin")
  (func (export "run") (result i32)
    (local $i i32)
    (memory.fill (i32.const 65536) (i32.const 1) (i32.const 1048576))
    (loop $again
      (i32.store (i32.const 65536) (local.get $i))
      (drop (call $fs_write (i32.const 16) (i32.const 9) (i32.const 65536) (i32.const 1048576)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $again))
    (i32.const 0))
)
