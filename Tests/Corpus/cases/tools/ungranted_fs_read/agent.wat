;; ATTACK: fs_read and fs_list while tools: is [agent] (permissions.fs_read is set, but
;; the group is not granted), once with an out-of-bounds pointer.
;; MUST: -EPERM for each, before any pointer is read; the guest gives up: status denied.
(module
  (import "nanos" "fs_read" (func $fs_read (param i32 i32) (result i64)))
  (import "nanos" "fs_list" (func $fs_list (param i32 i32) (result i64)))
  (memory (export "memory") 1)
  (data (i32.const 16) "data/a.txt")
  (data (i32.const 32) "data")
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
    ;; 1. fs_read: tools omits it (the grant alone is not enough)
    (if (i64.ne (call $fs_read (i32.const 16) (i32.const 10)) (i64.const -1)) (then (return (i32.const 1))))
    ;; 2. EPERM comes before any pointer is read
    (if (i64.ne (call $fs_read (i32.const 65530) (i32.const 100)) (i64.const -1)) (then (return (i32.const 2))))
    ;; 3. fs_list belongs to fs_read
    (if (i64.ne (call $fs_list (i32.const 32) (i32.const 4)) (i64.const -1)) (then (return (i32.const 3))))
    ;; gives up: returns 1 after the denials
    (return (i32.const 1))
    (i32.const 0))
)
