;; ATTACK: random_bytes(65536) forever: each result is different, so the trace holds them all.
;; MUST: out_of_memory (exit 5) naming resources.trace = 256KB, after a few steps.
(module
  (import "nanos" "random_bytes" (func $random_bytes (param i32) (result i64)))
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
    (loop $again
      (drop (call $random_bytes (i32.const 65536)))
      (global.set $heap (i32.const 32768))
      (br $again))
    (i32.const 0))
)
