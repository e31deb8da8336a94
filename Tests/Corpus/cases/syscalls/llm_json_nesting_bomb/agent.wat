;; ATTACK: llm_infer with {"messages": [[[[...]]]]}: 500,000 nested arrays (1 MB),
;; built in memory at run time.
;; MUST: an error (-EINVAL or -E2BIG); the host's JSON parser must not overflow its stack.
(module
  (import "nanos" "llm_infer" (func $llm_infer (param i32 i32) (result i64)))
  (memory (export "memory") 17)
  (data (i32.const 16) "{\22messages\22:")
  (data (i32.const 32) "}")
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
    (local $i i32)
    (memory.copy (i32.const 65536) (i32.const 16) (i32.const 12))
    (memory.fill (i32.const 65548) (i32.const 91) (i32.const 500000))
    (memory.fill (i32.const 565548) (i32.const 93) (i32.const 500000))
    (memory.copy (i32.const 1065548) (i32.const 32) (i32.const 1))
    ;; 1. the request is refused with an error
    (if (i64.ge_s (call $llm_infer (i32.const 65536) (i32.const 1000013)) (i64.const 0)) (then (return (i32.const 1))))
    (i32.const 0))
)
