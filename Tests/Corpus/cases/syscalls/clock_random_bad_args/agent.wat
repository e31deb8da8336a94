;; ATTACK: random_bytes(-1), (INT_MIN), (64 KiB + 1), (0x7FFFFFFF), (0), and with a
;; nanos_alloc returning out-of-bounds or wrapping buffers.
;; MUST: -EINVAL / -E2BIG without allocating; 0 for zero bytes; the host never writes out
;; of bounds.
(module
  (import "nanos" "clock_now" (func $clock_now (result i64)))
  (import "nanos" "random_bytes" (func $random_bytes (param i32) (result i64)))
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
    ;; 1. clock works
    (if (i64.le_s (call $clock_now) (i64.const 0)) (then (return (i32.const 1))))
    ;; 2. negative length
    (if (i64.ne (call $random_bytes (i32.const -1)) (i64.const -3)) (then (return (i32.const 2))))
    ;; 3. most negative length
    (if (i64.ne (call $random_bytes (i32.const -2147483648)) (i64.const -3)) (then (return (i32.const 3))))
    ;; 4. one over the 64 KiB limit
    (if (i64.ne (call $random_bytes (i32.const 65537)) (i64.const -4)) (then (return (i32.const 4))))
    ;; 5. 0x7FFFFFFF bytes
    (if (i64.ne (call $random_bytes (i32.const 2147483647)) (i64.const -4)) (then (return (i32.const 5))))
    ;; 6. zero bytes: the empty result 0
    (if (i64.ne (call $random_bytes (i32.const 0)) (i64.const 0)) (then (return (i32.const 6))))
    (global.set $mode (i32.const 2))
    ;; 7. nanos_alloc returns an out-of-bounds buffer
    (if (i64.ne (call $random_bytes (i32.const 16)) (i64.const -3)) (then (return (i32.const 7))))
    (global.set $mode (i32.const 3))
    ;; 8. nanos_alloc returns a wrapping buffer
    (if (i64.ne (call $random_bytes (i32.const 64)) (i64.const -3)) (then (return (i32.const 8))))
    (global.set $mode (i32.const 0))
    ;; 9. 16 good bytes
    (if (i64.ne (i64.shr_u (call $random_bytes (i32.const 16)) (i64.const 32)) (i64.const 16)) (then (return (i32.const 9))))
    (i32.const 0))
)
