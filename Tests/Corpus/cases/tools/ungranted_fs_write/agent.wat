;; ATTACK: fs_write while only fs_read is granted.
;; MUST: -EPERM; out/x.txt never exists; status denied.
(module
  (import "nanos" "fs_write" (func $fs_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "out/x.txt")
  (data (i32.const 32) "x")
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
    ;; 1. fs_write without the group
    (if (i32.ne (call $fs_write (i32.const 16) (i32.const 9) (i32.const 32) (i32.const 1)) (i32.const -1)) (then (return (i32.const 1))))
    ;; 2. with bad pointers: still EPERM first
    (if (i32.ne (call $fs_write (i32.const -16) (i32.const 32) (i32.const 16) (i32.const -1)) (i32.const -1)) (then (return (i32.const 2))))
    (return (i32.const 1))
    (i32.const 0))
)
