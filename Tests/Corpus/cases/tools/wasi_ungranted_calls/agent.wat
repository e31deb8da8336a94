;; ATTACK: wasi clock_time_get and random_get without the clock / random groups, and
;; path_open (of /etc/passwd), fd_read of stdin and sock_accept, which nanos never serves.
;; MUST: WASI errno 76 (ENOTCAPABLE) for each, without touching the host.
(module
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_accept" (func $sock_accept (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "/etc/passwd")
  (func (export "run") (result i32)
    ;; 1. clock not granted
    (if (i32.ne (call $clock_time_get (i32.const 0) (i64.const 0) (i32.const 1024)) (i32.const 76)) (then (return (i32.const 1))))
    ;; 2. random not granted
    (if (i32.ne (call $random_get (i32.const 1024) (i32.const 16)) (i32.const 76)) (then (return (i32.const 2))))
    ;; 3. path_open
    (if (i32.ne (call $path_open (i32.const 3) (i32.const 0) (i32.const 16) (i32.const 11) (i32.const 0) (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 1024)) (i32.const 76)) (then (return (i32.const 3))))
    ;; 4. fd_read of stdin
    (if (i32.ne (call $fd_read (i32.const 0) (i32.const 1024) (i32.const 1) (i32.const 2000)) (i32.const 76)) (then (return (i32.const 4))))
    ;; 5. sock_accept
    (if (i32.ne (call $sock_accept (i32.const 3) (i32.const 0) (i32.const 1024)) (i32.const 76)) (then (return (i32.const 5))))
    (i32.const 0))
)
