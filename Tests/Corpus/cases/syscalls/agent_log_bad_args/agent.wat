;; ATTACK: agent_log with a message past the end of memory, a wrapping range, a
;; negative length, 64 KiB + 1 bytes, invalid UTF-8, NUL bytes and out-of-range levels.
;; MUST: bad ranges give -EINVAL, the oversized one -E2BIG; odd bytes and levels are logged.
(module
  (import "nanos" "agent_log" (func $agent_log (param i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (data (i32.const 16) "bad \ff\fe\c0\80\ed\a0\80")
  (data (i32.const 32) "nul\00inside\00")
  (data (i32.const 48) "level -1")
  (data (i32.const 64) "level max")
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
    ;; 1. message past the end of memory
    (if (i32.ne (call $agent_log (i32.const 1) (i32.const 131070) (i32.const 100)) (i32.const -3)) (then (return (i32.const 1))))
    ;; 2. ptr + len wraps past 4 GiB
    (if (i32.ne (call $agent_log (i32.const 1) (i32.const -16) (i32.const 32)) (i32.const -3)) (then (return (i32.const 2))))
    ;; 3. negative length
    (if (i32.ne (call $agent_log (i32.const 1) (i32.const 16) (i32.const -1)) (i32.const -3)) (then (return (i32.const 3))))
    ;; 4. last address of the 4 GiB space
    (if (i32.ne (call $agent_log (i32.const 1) (i32.const -1) (i32.const 1)) (i32.const -3)) (then (return (i32.const 4))))
    ;; 5. one byte over the 64 KiB message limit
    (if (i32.ne (call $agent_log (i32.const 1) (i32.const 0) (i32.const 65537)) (i32.const -4)) (then (return (i32.const 5))))
    ;; 6. invalid UTF-8 (0xFF, overlong NUL, a lone surrogate) is logged, not fatal
    (if (i32.ne (call $agent_log (i32.const 1) (i32.const 16) (i32.const 11)) (i32.const 0)) (then (return (i32.const 6))))
    ;; 7. NUL bytes
    (if (i32.ne (call $agent_log (i32.const 1) (i32.const 32) (i32.const 11)) (i32.const 0)) (then (return (i32.const 7))))
    ;; 8. level -1
    (if (i32.ne (call $agent_log (i32.const -1) (i32.const 48) (i32.const 8)) (i32.const 0)) (then (return (i32.const 8))))
    ;; 9. level 0x7FFFFFFF
    (if (i32.ne (call $agent_log (i32.const 2147483647) (i32.const 64) (i32.const 9)) (i32.const 0)) (then (return (i32.const 9))))
    ;; 10. empty message
    (if (i32.ne (call $agent_log (i32.const 1) (i32.const 0) (i32.const 0)) (i32.const 0)) (then (return (i32.const 10))))
    (i32.const 0))
)
