;; ATTACK: fs_write of 1 MiB, each time different, to out/f.bin, forever.
;; MUST: out_of_memory (exit 5) for resources.trace = 4MB after a handful of writes:
;; the trace cap also bounds what a run writes.
(module
  (import "nanos" "fs_write" (func $fs_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 18)
  (data (i32.const 16) "out/f.bin")
  (func (export "run") (result i32)
    (local $i i32)
    (loop $again
      (i32.store (i32.const 65536) (local.get $i))
      (drop (call $fs_write (i32.const 16) (i32.const 9) (i32.const 65536) (i32.const 1048576)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $again))
    (i32.const 0))
)
