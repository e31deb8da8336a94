;; ATTACK: fs_list with paths past the end of memory, wrapping past 4 GiB, of negative
;; length, 4 KiB + 1 bytes, empty, invalid or overlong UTF-8, and with a NUL byte.
;; MUST: -EINVAL for every bad range and encoding, -E2BIG for the oversized path; the
;; granted control path still works.
(module
  (import "nanos" "fs_list" (func $fs_list (param i32 i32) (result i64)))
  (memory (export "memory") 1)
  (data (i32.const 16) "data/\ff\fe.txt")
  (data (i32.const 32) "data/a.txt\00../../outside/secret.txt")
  (data (i32.const 80) "\c0\ae\c0\ae/outside/secret.txt")
  (data (i32.const 112) "data")
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
    ;; 1. path past the end of memory
    (if (i64.ne (call $fs_list (i32.const 65530) (i32.const 100)) (i64.const -3)) (then (return (i32.const 1))))
    ;; 2. ptr + len wraps past 4 GiB
    (if (i64.ne (call $fs_list (i32.const -16) (i32.const 32)) (i64.const -3)) (then (return (i32.const 2))))
    ;; 3. negative length
    (if (i64.ne (call $fs_list (i32.const 16) (i32.const -1)) (i64.const -3)) (then (return (i32.const 3))))
    ;; 4. last address of the 4 GiB space
    (if (i64.ne (call $fs_list (i32.const -1) (i32.const 1)) (i64.const -3)) (then (return (i32.const 4))))
    ;; 5. one byte over the 4 KiB path limit
    (if (i64.ne (call $fs_list (i32.const 0) (i32.const 4097)) (i64.const -4)) (then (return (i32.const 5))))
    ;; 6. empty path
    (if (i64.ne (call $fs_list (i32.const 16) (i32.const 0)) (i64.const -3)) (then (return (i32.const 6))))
    ;; 7. empty path at the very end of memory
    (if (i64.ne (call $fs_list (i32.const 65536) (i32.const 0)) (i64.const -3)) (then (return (i32.const 7))))
    ;; 8. invalid UTF-8
    (if (i64.ne (call $fs_list (i32.const 16) (i32.const 11)) (i64.const -3)) (then (return (i32.const 8))))
    ;; 9. NUL byte in the path
    (if (i64.ne (call $fs_list (i32.const 32) (i32.const 35)) (i64.const -3)) (then (return (i32.const 9))))
    ;; 10. overlong UTF-8 encoding of '..'
    (if (i64.ne (call $fs_list (i32.const 80) (i32.const 23)) (i64.const -3)) (then (return (i32.const 10))))
    ;; 11. control: data is granted
    (if (i64.le_s (call $fs_list (i32.const 112) (i32.const 4)) (i64.const 0)) (then (return (i32.const 11))))
    (i32.const 0))
)
