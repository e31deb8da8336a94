;; ATTACK: fs_write with bad path ranges and encodings, then a valid path with data
;; past the end of memory, wrapping, of negative length and at the last address.
;; MUST: every call fails (-EINVAL / -E2BIG) before anything is written: out/w.txt never
;; exists; the control write of out/ok.txt works.
(module
  (import "nanos" "fs_write" (func $fs_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "x")
  (data (i32.const 32) "out/\ff.txt")
  (data (i32.const 48) "out/w.txt\00x")
  (data (i32.const 64) "out/w.txt")
  (data (i32.const 80) "out/ok.txt")
  (data (i32.const 96) "ok")
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
    (if (i32.ne (call $fs_write (i32.const 65530) (i32.const 100) (i32.const 16) (i32.const 1)) (i32.const -3)) (then (return (i32.const 1))))
    ;; 2. path range wraps
    (if (i32.ne (call $fs_write (i32.const -16) (i32.const 32) (i32.const 16) (i32.const 1)) (i32.const -3)) (then (return (i32.const 2))))
    ;; 3. negative path length
    (if (i32.ne (call $fs_write (i32.const 16) (i32.const -1) (i32.const 16) (i32.const 1)) (i32.const -3)) (then (return (i32.const 3))))
    ;; 4. path over 4 KiB
    (if (i32.ne (call $fs_write (i32.const 0) (i32.const 4097) (i32.const 16) (i32.const 1)) (i32.const -4)) (then (return (i32.const 4))))
    ;; 5. empty path
    (if (i32.ne (call $fs_write (i32.const 16) (i32.const 0) (i32.const 16) (i32.const 1)) (i32.const -3)) (then (return (i32.const 5))))
    ;; 6. invalid UTF-8 path
    (if (i32.ne (call $fs_write (i32.const 32) (i32.const 9) (i32.const 16) (i32.const 1)) (i32.const -3)) (then (return (i32.const 6))))
    ;; 7. NUL in the path
    (if (i32.ne (call $fs_write (i32.const 48) (i32.const 11) (i32.const 16) (i32.const 1)) (i32.const -3)) (then (return (i32.const 7))))
    ;; 8. data past the end of memory
    (if (i32.ne (call $fs_write (i32.const 64) (i32.const 9) (i32.const 65530) (i32.const 100)) (i32.const -3)) (then (return (i32.const 8))))
    ;; 9. data range wraps
    (if (i32.ne (call $fs_write (i32.const 64) (i32.const 9) (i32.const -16) (i32.const 32)) (i32.const -3)) (then (return (i32.const 9))))
    ;; 10. negative data length
    (if (i32.ne (call $fs_write (i32.const 64) (i32.const 9) (i32.const 16) (i32.const -1)) (i32.const -3)) (then (return (i32.const 10))))
    ;; 11. data at the last address
    (if (i32.ne (call $fs_write (i32.const 64) (i32.const 9) (i32.const -1) (i32.const 1)) (i32.const -3)) (then (return (i32.const 11))))
    ;; 12. control: a granted write works
    (if (i32.ne (call $fs_write (i32.const 80) (i32.const 10) (i32.const 96) (i32.const 2)) (i32.const 0)) (then (return (i32.const 12))))
    (i32.const 0))
)
