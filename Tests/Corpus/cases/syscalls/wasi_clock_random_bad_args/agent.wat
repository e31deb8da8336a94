;; ATTACK: clock_time_get, random_get, environ_sizes_get and args_sizes_get writing
;; past the end of memory or wrapping; random_get of 64 KiB + 1 and 0xFFFFFFFF bytes.
;; MUST: WASI errno 28 / 1 for each; the controls work; no preopened directory exists.
(module
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $fd_prestat_get (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "run") (result i32)
    ;; 1. result past the end
    (if (i32.ne (call $clock_time_get (i32.const 0) (i64.const 0) (i32.const 65530)) (i32.const 28)) (then (return (i32.const 1))))
    ;; 2. result wraps
    (if (i32.ne (call $clock_time_get (i32.const 0) (i64.const 0) (i32.const -4)) (i32.const 28)) (then (return (i32.const 2))))
    ;; 3. control
    (if (i32.ne (call $clock_time_get (i32.const 0) (i64.const 0) (i32.const 1024)) (i32.const 0)) (then (return (i32.const 3))))
    ;; 4. buffer past the end
    (if (i32.ne (call $random_get (i32.const 65530) (i32.const 100)) (i32.const 28)) (then (return (i32.const 4))))
    ;; 5. buffer wraps
    (if (i32.ne (call $random_get (i32.const -16) (i32.const 32)) (i32.const 28)) (then (return (i32.const 5))))
    ;; 6. 64 KiB + 1 bytes
    (if (i32.ne (call $random_get (i32.const 1024) (i32.const 65537)) (i32.const 1)) (then (return (i32.const 6))))
    ;; 7. 0xFFFFFFFF bytes
    (if (i32.ne (call $random_get (i32.const 1024) (i32.const -1)) (i32.const 1)) (then (return (i32.const 7))))
    ;; 8. control
    (if (i32.ne (call $random_get (i32.const 1024) (i32.const 16)) (i32.const 0)) (then (return (i32.const 8))))
    ;; 9. environ count past the end
    (if (i32.ne (call $environ_sizes_get (i32.const 65534) (i32.const 1024)) (i32.const 28)) (then (return (i32.const 9))))
    ;; 10. args size wraps
    (if (i32.ne (call $args_sizes_get (i32.const 1024) (i32.const -2)) (i32.const 28)) (then (return (i32.const 10))))
    ;; 11. no preopened directories
    (if (i32.ne (call $fd_prestat_get (i32.const 3) (i32.const 1024)) (i32.const 8)) (then (return (i32.const 11))))
    (i32.const 0))
)
