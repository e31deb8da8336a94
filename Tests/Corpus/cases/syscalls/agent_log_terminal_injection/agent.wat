;; ATTACK: agent_log with an OSC title sequence, a clear-screen sequence, a carriage
;; return and newlines that forge "ok (exit 0)", "summary: ..." and another agent's line.
;; MUST: the call succeeds, and what nanos prints shows the control characters escaped:
;; no raw ESC byte and no forged "summary:" line reach stderr.
(module
  (import "nanos" "agent_log" (func $agent_log (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "\1b]0;pwned\07\1b[2J\0dok (exit 0)\0asummary: forged by the guest\0a[other-agent] info: hello")
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
    ;; 1. a message with escape sequences, a carriage return and forged lines
    (if (i32.ne (call $agent_log (i32.const 1) (i32.const 16) (i32.const 81)) (i32.const 0)) (then (return (i32.const 1))))
    (i32.const 0))
)
