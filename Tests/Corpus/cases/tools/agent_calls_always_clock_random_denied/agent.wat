;; ATTACK: agent_log, agent_goal, clock_now, random_bytes and agent_done while tools: is
;; [fs_read] only.
;; MUST: the agent's own calls (log, goal, done) work without a grant: they expose nothing
;; of the host; clock_now and random_bytes are -EPERM; agent_done ends the run ok.
(module
  (import "nanos" "agent_log" (func $agent_log (param i32 i32 i32) (result i32)))
  (import "nanos" "agent_goal" (func $agent_goal (result i64)))
  (import "nanos" "clock_now" (func $clock_now (result i64)))
  (import "nanos" "random_bytes" (func $random_bytes (param i32) (result i64)))
  (import "nanos" "agent_done" (func $agent_done (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hi")
  (data (i32.const 32) "done")
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
    ;; 1. agent_log without the agent group: allowed
    (if (i32.ne (call $agent_log (i32.const 1) (i32.const 16) (i32.const 2)) (i32.const 0)) (then (return (i32.const 1))))
    ;; 2. agent_goal: allowed
    (if (i64.lt_s (call $agent_goal) (i64.const 0)) (then (return (i32.const 2))))
    ;; 3. clock_now
    (if (i64.ne (call $clock_now) (i64.const -1)) (then (return (i32.const 3))))
    ;; 4. random_bytes
    (if (i64.ne (call $random_bytes (i32.const 16)) (i64.const -1)) (then (return (i32.const 4))))
    ;; 5. agent_done ends the run ok; it does not return
    (drop (call $agent_done (i32.const 32) (i32.const 4)))
    (return (i32.const 5))
    (i32.const 0))
)
