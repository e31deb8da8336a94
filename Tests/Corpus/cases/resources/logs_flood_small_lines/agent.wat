;; ATTACK: agent_log with 256-byte lines, up to 12,000 times (3 MB).
;; MUST: -EQUOTA once the 1MB default budget is spent (about 4,000 lines); the output
;; (report included) stays under 4 MB.
(module
  (import "nanos" "agent_log" (func $agent_log (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 1024) "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy")
  (func (export "run") (result i32)
    (local $i i32) (local $rc i32)
    ;; Logs 256-byte messages, each different (a counter in its first 4 bytes), up to
    ;; 12000 times; returns 0 as soon as agent_log answers -EQUOTA (7), 1 if it never does.
    (local.set $i (i32.const 0))
    (loop $again
      (i32.store (i32.const 1024) (local.get $i))
      (local.set $rc (call $agent_log (i32.const 1) (i32.const 1024) (i32.const 256)))
      (if (i32.eq (local.get $rc) (i32.const -7)) (then (return (i32.const 0))))
      (if (i32.ne (local.get $rc) (i32.const 0)) (then (return (i32.const 2))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $i) (i32.const 12000))))
    (return (i32.const 1))
    (i32.const 0))
)
