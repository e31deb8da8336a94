;; ATTACK: nanos_alloc calls agent_goal again (re-entering the host in the middle of a call).
;; MUST: the run ends cleanly as trap; the host is never left half-way through a call.
(module
  (import "nanos" "agent_goal" (func $agent_goal (result i64)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (func (export "nanos_alloc") (param $size i32) (result i32)
    (drop (call $agent_goal)) (i32.const 2048))
  (func (export "run") (result i32)
    (drop (call $agent_goal))
    (i32.const 0)))
