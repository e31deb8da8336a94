;; ATTACK: a WASI guest denied the clock exits with proc_exit(42).
;; MUST: status denied (exit 3), guest_exit_code 42.
(module
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (func (export "run") (result i32)
    ;; 1. clock not granted
    (if (i32.ne (call $clock_time_get (i32.const 0) (i64.const 0) (i32.const 1024)) (i32.const 76)) (then (return (i32.const 1))))
    ;; gives up with proc_exit(42) after the denial
    (call $proc_exit (i32.const 42))
    (return (i32.const 99))
    (i32.const 0))
)
