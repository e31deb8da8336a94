;; ATTACK: last_error before any failure, then after one with a nanos_alloc returning
;; 0, an out-of-bounds pointer and -1.
;; MUST: -ENOENT first, then -E2BIG / -EINVAL; last_error is never a step (one step in all).
(module
  (import "nanos" "agent_log" (func $agent_log (param i32 i32 i32) (result i32)))
  (import "nanos" "last_error" (func $last_error (result i64)))
  (memory (export "memory") 1)
  ;; An allocator whose behaviour the guest switches: 0 bump, 1 returns 0 (no buffer),
  ;; 2 returns a pointer near the end of memory, 3 returns 0xFFFFFFF0 (wraps), 4 returns -1.
  (global $mode (mut i32) (i32.const 0))
  (global $heap (mut i32) (i32.const 32768))
  (func (export "nanos_alloc") (param $size i32) (result i32)
    (local $ptr i32)
    (if (i32.eq (global.get $mode) (i32.const 1)) (then (return (i32.const 0))))
    (if (i32.eq (global.get $mode) (i32.const 2)) (then (return (i32.const 65530))))
    (if (i32.eq (global.get $mode) (i32.const 3)) (then (return (i32.const -16))))
    (if (i32.eq (global.get $mode) (i32.const 4)) (then (return (i32.const -1))))
    (local.set $ptr (global.get $heap))
    (global.set $heap (i32.add (local.get $ptr) (local.get $size)))
    (local.get $ptr))
  (func (export "run") (result i32)
    ;; 1. no failure yet: -ENOENT
    (if (i64.ne (call $last_error) (i64.const -2)) (then (return (i32.const 1))))
    ;; 2. a failure to read
    (if (i32.ne (call $agent_log (i32.const 1) (i32.const 65530) (i32.const 100)) (i32.const -3)) (then (return (i32.const 2))))
    (global.set $mode (i32.const 1))
    ;; 3. nanos_alloc returns 0
    (if (i64.ne (call $last_error) (i64.const -4)) (then (return (i32.const 3))))
    (global.set $mode (i32.const 2))
    ;; 4. nanos_alloc returns an out-of-bounds buffer
    (if (i64.ne (call $last_error) (i64.const -3)) (then (return (i32.const 4))))
    (global.set $mode (i32.const 4))
    ;; 5. nanos_alloc returns -1
    (if (i64.ne (call $last_error) (i64.const -3)) (then (return (i32.const 5))))
    (global.set $mode (i32.const 0))
    ;; 6. a good allocator gets the message
    (if (i64.le_s (call $last_error) (i64.const 0)) (then (return (i32.const 6))))
    (i32.const 0))
)
