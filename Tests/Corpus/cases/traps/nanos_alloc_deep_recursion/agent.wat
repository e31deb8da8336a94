;; ATTACK: nanos_alloc recurses without end while the host places agent_goal's result,
;; filling the stack the host keeps for calls into nanos_alloc.
;; MUST: trap (exit 8) or a clean failure; the host's own stack is never touched and its
;; memory stays within the bound.
(module
  (import "nanos" "agent_goal" (func $agent_goal (result i64)))
  (memory (export "memory") 1)
  (func $deeper (param $n i32) (result i32)
    (i32.add (call $deeper (i32.add (local.get $n) (i32.const 1))) (i32.const 1)))
  (func (export "nanos_alloc") (param $size i32) (result i32)
    (call $deeper (local.get $size)))
  (func (export "run") (result i32)
    (drop (call $agent_goal))
    (i32.const 0)))
