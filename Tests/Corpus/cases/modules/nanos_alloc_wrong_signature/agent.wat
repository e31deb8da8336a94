;; ATTACK: exports nanos_alloc as (i64, i64) -> i64 instead of (i32) -> i32, then calls
;; agent_goal, so the host calls it with arguments of the wrong type.
;; MUST: refused before running, or agent_goal fails with an error (the guest returns 0).
(module
  (import "nanos" "agent_goal" (func $goal (result i64)))
  (memory (export "memory") 1)
  (func (export "nanos_alloc") (param i64 i64) (result i64) (i64.const 1024))
  (func (export "run") (result i32)
    (if (i64.ge_s (call $goal) (i64.const 0)) (then (return (i32.const 1))))
    (i32.const 0)))
