;; ATTACK: paths with NUL bytes that a C library would cut short: data/a.txt\0../../outside,
;; data\0, out/x\0y and a lone NUL.
;; MUST: -EINVAL for each; out/x is never created.
(module
  (import "nanos" "fs_read" (func $fs_read (param i32 i32) (result i64)))
  (import "nanos" "fs_write" (func $fs_write (param i32 i32 i32 i32) (result i32)))
  (import "nanos" "fs_list" (func $fs_list (param i32 i32) (result i64)))
  (memory (export "memory") 1)
  (data (i32.const 16) "data/a.txt\00../../outside/secret.txt")
  (data (i32.const 64) "data\00")
  (data (i32.const 80) "out/x\00y")
  (data (i32.const 96) "z")
  (data (i32.const 112) "\00")
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
    ;; 1. NUL in a read
    (if (i64.ne (call $fs_read (i32.const 16) (i32.const 35)) (i64.const -3)) (then (return (i32.const 1))))
    ;; 2. trailing NUL in a list
    (if (i64.ne (call $fs_list (i32.const 64) (i32.const 5)) (i64.const -3)) (then (return (i32.const 2))))
    ;; 3. NUL in a write
    (if (i32.ne (call $fs_write (i32.const 80) (i32.const 7) (i32.const 96) (i32.const 1)) (i32.const -3)) (then (return (i32.const 3))))
    ;; 4. a lone NUL
    (if (i64.ne (call $fs_read (i32.const 112) (i32.const 1)) (i64.const -3)) (then (return (i32.const 4))))
    (i32.const 0))
)
