;; ATTACK: set-up writes the absolute host paths of outside/secret.txt and
;; outside/pwn.txt into granted files; the guest reads them and uses them with fs_read and
;; fs_write.
;; MUST: both -EPERM; outside/ is unchanged; the secret never shows.
(module
  (import "nanos" "fs_read" (func $fs_read (param i32 i32) (result i64)))
  (import "nanos" "fs_write" (func $fs_write (param i32 i32 i32 i32) (result i32)))
  (import "nanos" "fs_list" (func $fs_list (param i32 i32) (result i64)))
  (memory (export "memory") 1)
  (data (i32.const 16) "data/where.txt")
  (data (i32.const 32) "data/where_w.txt")
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
    (local $r i64)
    ;; 1. read data/where.txt: the absolute path of the secret outside the grants
    (local.set $r (call $fs_read (i32.const 16) (i32.const 14)))
    (if (i64.le_s (local.get $r) (i64.const 0)) (then (return (i32.const 1))))
    ;; 2. read that absolute path: EPERM
    (if (i64.ne (call $fs_read (i32.wrap_i64 (local.get $r)) (i32.wrap_i64 (i64.shr_u (local.get $r) (i64.const 32))))
                (i64.const -1)) (then (return (i32.const 2))))
    ;; 3. read data/where_w.txt: an absolute path outside, to write
    (local.set $r (call $fs_read (i32.const 32) (i32.const 16)))
    (if (i64.le_s (local.get $r) (i64.const 0)) (then (return (i32.const 3))))
    ;; 4. write there: EPERM
    (if (i32.ne (call $fs_write (i32.wrap_i64 (local.get $r)) (i32.wrap_i64 (i64.shr_u (local.get $r) (i64.const 32)))
                                (i32.const 16) (i32.const 4)) (i32.const -1)) (then (return (i32.const 4))))
    (i32.const 0))
)
