;; minimal.wat — a nanos guest written by hand in WebAssembly text.
;;
;; It logs its goal and ends with a summary: the smallest useful shape of the
;; ABI (docs/abi.md). The manifest grants `tools: [agent]`.
;;
;; Build: nanos compile examples/minimal.wat -o minimal.wasm
(module
  (import "nanos" "agent_goal" (func $agent_goal (result i64)))
  (import "nanos" "agent_log" (func $agent_log (param i32 i32 i32) (result i32)))
  (import "nanos" "agent_done" (func $agent_done (param i32 i32) (result i32)))

  (memory (export "memory") 1)

  ;; Constant text lives below 1024; results are allocated above it.
  (data (i32.const 16) "minimal.wat: logged the goal")
  (global $summary_len i32 (i32.const 28))
  (data (i32.const 64) "(no goal)")
  (global $no_goal_len i32 (i32.const 9))

  ;; A bump allocator: the run is short, so nothing is ever freed.
  (global $next (mut i32) (i32.const 1024))
  (func (export "nanos_alloc") (param $size i32) (result i32)
    (local $ptr i32)
    (local $end i32)
    (local.set $ptr (global.get $next))
    (local.set $end (i32.add (local.get $ptr) (local.get $size)))
    ;; Grow memory when the block runs past its end; 0 tells the host "no memory".
    (if (i32.gt_u (local.get $end) (i32.mul (memory.size) (i32.const 65536)))
      (then
        (if (i32.eq
              (memory.grow (i32.add (i32.shr_u (i32.sub (local.get $end) (i32.mul (memory.size) (i32.const 65536))) (i32.const 16)) (i32.const 1)))
              (i32.const -1))
          (then (return (i32.const 0))))))
    (global.set $next (local.get $end))
    (local.get $ptr))

  (func (export "run") (result i32)
    (local $goal i64)
    (local.set $goal (call $agent_goal))
    ;; The result is len << 32 | ptr; 0 (empty) or negative (an error) logs a placeholder.
    (if (i64.gt_s (local.get $goal) (i64.const 0))
      (then
        (drop (call $agent_log
          (i32.const 1)
          (i32.wrap_i64 (local.get $goal))
          (i32.wrap_i64 (i64.shr_u (local.get $goal) (i64.const 32))))))
      (else
        (drop (call $agent_log (i32.const 1) (i32.const 64) (global.get $no_goal_len)))))
    (drop (call $agent_done (i32.const 16) (global.get $summary_len)))
    (i32.const 0))
)
