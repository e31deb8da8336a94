;; ATTACK: wasi fd_write with an iovec array past the end of memory and wrapping, 1025
;; and 0x7FFFFFFF iovecs, iovec data past the end and of negative length, 80,000 bytes in
;; two pieces (limit 64 KiB), nwritten past the end, and fds 3 and -1.
;; MUST: WASI errno 28 (EINVAL) / 1 (E2BIG) / 8 (EBADF) for each; the control write works
;; and stores nwritten = 5.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (data (i32.const 1024) "\00\08\00\00\05\00\00\00")
  (data (i32.const 1040) "\fe\ff\01\00d\00\00\00")
  (data (i32.const 1056) "\10\00\00\00\ff\ff\ff\ff")
  (data (i32.const 1072) "\00\00\00\00@\9c\00\00\00\00\00\00@\9c\00\00")
  (data (i32.const 2048) "hello")
  (func (export "run") (result i32)
    ;; 1. iovec array past the end
    (if (i32.ne (call $fd_write (i32.const 1) (i32.const 131070) (i32.const 1) (i32.const 4000)) (i32.const 28)) (then (return (i32.const 1))))
    ;; 2. iovec array wraps
    (if (i32.ne (call $fd_write (i32.const 1) (i32.const -8) (i32.const 1) (i32.const 4000)) (i32.const 28)) (then (return (i32.const 2))))
    ;; 3. 1025 iovecs
    (if (i32.ne (call $fd_write (i32.const 1) (i32.const 1024) (i32.const 1025) (i32.const 4000)) (i32.const 1)) (then (return (i32.const 3))))
    ;; 4. 0x7FFFFFFF iovecs
    (if (i32.ne (call $fd_write (i32.const 1) (i32.const 1024) (i32.const 2147483647) (i32.const 4000)) (i32.const 1)) (then (return (i32.const 4))))
    ;; 5. iovec data past the end
    (if (i32.ne (call $fd_write (i32.const 1) (i32.const 1040) (i32.const 1) (i32.const 4000)) (i32.const 28)) (then (return (i32.const 5))))
    ;; 6. iovec of negative length
    (if (i32.ne (call $fd_write (i32.const 2) (i32.const 1056) (i32.const 1) (i32.const 4000)) (i32.const 28)) (then (return (i32.const 6))))
    ;; 7. 80,000 bytes in two iovecs
    (if (i32.ne (call $fd_write (i32.const 1) (i32.const 1072) (i32.const 2) (i32.const 4000)) (i32.const 1)) (then (return (i32.const 7))))
    ;; 8. nwritten past the end
    (if (i32.ne (call $fd_write (i32.const 1) (i32.const 1024) (i32.const 1) (i32.const 131070)) (i32.const 28)) (then (return (i32.const 8))))
    ;; 9. fd 3 is no file
    (if (i32.ne (call $fd_write (i32.const 3) (i32.const 1024) (i32.const 1) (i32.const 4000)) (i32.const 8)) (then (return (i32.const 9))))
    ;; 10. fd -1
    (if (i32.ne (call $fd_write (i32.const -1) (i32.const 1024) (i32.const 1) (i32.const 4000)) (i32.const 8)) (then (return (i32.const 10))))
    ;; 11. control
    (if (i32.ne (call $fd_write (i32.const 1) (i32.const 1024) (i32.const 1) (i32.const 4000)) (i32.const 0)) (then (return (i32.const 11))))
    (if (i32.ne (i32.load (i32.const 4000)) (i32.const 5)) (then (return (i32.const 12))))
    (i32.const 0))
)
