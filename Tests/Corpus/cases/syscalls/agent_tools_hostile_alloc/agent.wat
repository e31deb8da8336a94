;; ATTACK: agent_tools with a nanos_alloc that returns no buffer (0), a buffer that runs
;; past the end of memory, 0xFFFFFFF0 (ptr + len wraps past 4 GiB) and -1.
;; MUST: each call returns -E2BIG or -EINVAL and the host writes nothing out of bounds;
;; the guest returns the number of the first check that did not hold, 0 if all did.
(module
  (import "nanos" "agent_tools" (func $agent_tools (result i64)))
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
    (global.set $mode (i32.const 1))
    ;; 1. nanos_alloc returns 0: no buffer
    (if (i64.ne (call $agent_tools) (i64.const -4)) (then (return (i32.const 1))))
    (global.set $mode (i32.const 2))
    ;; 2. nanos_alloc returns a pointer whose buffer runs past the end of memory
    (if (i64.ne (call $agent_tools) (i64.const -3)) (then (return (i32.const 2))))
    (global.set $mode (i32.const 3))
    ;; 3. nanos_alloc returns 0xFFFFFFF0: ptr + len wraps past 4 GiB
    (if (i64.ne (call $agent_tools) (i64.const -3)) (then (return (i32.const 3))))
    (global.set $mode (i32.const 4))
    ;; 4. nanos_alloc returns -1
    (if (i64.ne (call $agent_tools) (i64.const -3)) (then (return (i32.const 4))))
    (global.set $mode (i32.const 0))
    ;; 5. a well-behaved allocator gets the whole result
    (if (i64.ne (i64.shr_u (call $agent_tools) (i64.const 32)) (i64.const 9)) (then (return (i32.const 5))))
    (i32.const 0))
)
