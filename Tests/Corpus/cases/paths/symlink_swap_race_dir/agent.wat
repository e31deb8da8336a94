;; ATTACK: set-up starts a background process that atomically swaps data/d between a
;; symlink to data/real/ (holding a harmless secret.txt) and a symlink to <outside>; the
;; guest reads data/d/secret.txt 1,500 times.
;; MUST: no read ever returns the real secret (RESOLVE_BENEATH decides at open time).
(module
  (import "nanos" "fs_read" (func $fs_read (param i32 i32) (result i64)))
  (memory (export "memory") 1)
  (data (i32.const 16) "data/d/secret.txt")
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
    (local $i i32) (local $r i64)
    ;; Reads data/d/secret.txt 1500 times while set-up's background process swaps it. Any read that
    ;; succeeds must hold the harmless file (first byte 'h'), never the secret.
    (local.set $i (i32.const 0))
    (loop $again
      (local.set $r (call $fs_read (i32.const 16) (i32.const 17)))
      (if (i64.gt_s (local.get $r) (i64.const 0))
        (then (if (i32.ne (i32.load8_u (i32.wrap_i64 (local.get $r))) (i32.const 104)) (then (return (i32.const 1))))))
      (global.set $heap (i32.const 32768))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $i) (i32.const 1500))))
    (i32.const 0))
)
