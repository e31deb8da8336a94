;; ATTACK: with only data/a.txt granted, read DATA/A.TXT, data/A.txt, Data/a.txt, data/a.TXT.
;; MUST: each -EPERM.
(module
  (import "nanos" "fs_read" (func $fs_read (param i32 i32) (result i64)))
  (import "nanos" "fs_write" (func $fs_write (param i32 i32 i32 i32) (result i32)))
  (import "nanos" "fs_list" (func $fs_list (param i32 i32) (result i64)))
  (memory (export "memory") 1)
  (data (i32.const 16) "DATA/A.TXT")
  (data (i32.const 32) "data/A.txt")
  (data (i32.const 48) "Data/a.txt")
  (data (i32.const 64) "data/a.TXT")
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
    ;; 1. read DATA/A.TXT
    (if (i64.ne (call $fs_read (i32.const 16) (i32.const 10)) (i64.const -1)) (then (return (i32.const 1))))
    ;; 2. read data/A.txt
    (if (i64.ne (call $fs_read (i32.const 32) (i32.const 10)) (i64.const -1)) (then (return (i32.const 2))))
    ;; 3. read Data/a.txt
    (if (i64.ne (call $fs_read (i32.const 48) (i32.const 10)) (i64.const -1)) (then (return (i32.const 3))))
    ;; 4. read data/a.TXT
    (if (i64.ne (call $fs_read (i32.const 64) (i32.const 10)) (i64.const -1)) (then (return (i32.const 4))))
    (i32.const 0))
)
