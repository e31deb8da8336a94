;; ATTACK: imports agent_goal (which returns data) but exports no nanos_alloc.
;; MUST: refused before running (failed or invalid_module), naming nanos_alloc.
(module
  (import "nanos" "agent_goal" (func $goal (result i64)))
  (memory (export "memory") 1)
  (func (export "run") (result i32) (drop (call $goal)) (i32.const 0)))
