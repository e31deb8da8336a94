;; ATTACK: fs_write with 16 MiB + 1 bytes (memory holds them), and fs_read of a sparse
;; file of 16 MiB + 1 bytes made at set-up.
;; MUST: both -E2BIG; the write is refused before the file is touched (out/big.bin never
;; exists) and the host never loads the big file.
(module
  (import "nanos" "fs_write" (func $fs_write (param i32 i32 i32 i32) (result i32)))
  (import "nanos" "fs_read" (func $fs_read (param i32 i32) (result i64)))
  (memory (export "memory") 258)
  (data (i32.const 16) "out/big.bin")
  (data (i32.const 32) "data/big.bin")
  ;; A bump allocator for results: grows memory when needed, 0 when it cannot.
  (global $heap (mut i32) (i32.const 32768))
  (func (export "nanos_alloc") (param $size i32) (result i32)
    (local $ptr i32) (local $end i32)
    (local.set $ptr (global.get $heap))
    (local.set $end (i32.add (local.get $ptr) (local.get $size)))
    (if (i32.gt_u (local.get $end) (i32.mul (memory.size) (i32.const 65536)))
      (then
        (if (i32.eq (memory.grow (i32.add (i32.shr_u (i32.sub (local.get $end)
                      (i32.mul (memory.size) (i32.const 65536))) (i32.const 16)) (i32.const 1)))
                    (i32.const -1))
          (then (return (i32.const 0))))))
    (global.set $heap (local.get $end))
    (local.get $ptr))
  (func (export "run") (result i32)
    ;; 1. 16 MiB + 1 bytes of data
    (if (i32.ne (call $fs_write (i32.const 16) (i32.const 11) (i32.const 0) (i32.const 16777217)) (i32.const -4)) (then (return (i32.const 1))))
    ;; 2. a 16 MiB + 1 byte file (sparse)
    (if (i64.ne (call $fs_read (i32.const 32) (i32.const 12)) (i64.const -4)) (then (return (i32.const 2))))
    (i32.const 0))
)
