;; ATTACK: clock_now as fast as possible under max_steps = 2,000,000: no step carries
;; bytes, but every step the trace keeps (and the report prints) costs host memory.
;; MUST: the run ends by itself (out_of_memory for the trace, timeout or max_steps) with
;; host memory and output within their bounds: resources.trace = 1MB must bound what
;; the steps cost, not only their payloads.
(module
  (import "nanos" "clock_now" (func $clock_now (result i64)))
  (memory (export "memory") 1)
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
    (loop $tick (drop (call $clock_now)) (br $tick))
    (i32.const 0))
)
