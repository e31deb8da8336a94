;; ATTACK: exports a global called "memory" (its real memory is exported as "mem"), then
;; calls agent_log, so the host finds no memory to read the message from.
;; MUST: agent_log answers -EINVAL (the guest then returns 0); or the module is refused.
(module
  (import "nanos" "agent_log" (func $log (param i32 i32 i32) (result i32)))
  (memory (export "mem") 1)
  (global (export "memory") i32 (i32.const 0))
  (func (export "run") (result i32)
    (if (i32.ne (call $log (i32.const 1) (i32.const 0) (i32.const 4)) (i32.const -3)) (then (return (i32.const 1))))
    (i32.const 0)))
