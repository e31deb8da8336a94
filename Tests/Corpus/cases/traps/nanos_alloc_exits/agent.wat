;; ATTACK: nanos_alloc calls WASI proc_exit(0) in the middle of the host's call.
;; MUST: the run ends cleanly as ['ok', 'trap']; the host is never left half-way through a call.
(module
  (import "nanos" "agent_goal" (func $agent_goal (result i64)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (func (export "nanos_alloc") (param $size i32) (result i32)
    (call $proc_exit (i32.const 0)) (i32.const 0))
  (func (export "run") (result i32)
    (drop (call $agent_goal))
    (i32.const 0)))
