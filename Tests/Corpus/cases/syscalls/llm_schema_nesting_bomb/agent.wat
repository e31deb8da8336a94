;; ATTACK: llm_infer with a JSON Schema nesting {"items": {"items": ...}} 80,000 deep.
;; MUST: an error (-EINVAL / -E2BIG, or -EIO since no model is configured); the host must
;; neither overflow its stack parsing it nor turning it into a grammar.
(module
  (import "nanos" "llm_infer" (func $llm_infer (param i32 i32) (result i64)))
  (memory (export "memory") 17)
  (data (i32.const 16) "{\22prompt\22:\22x\22,\22schema\22:")
  (data (i32.const 48) "}")
  (data (i32.const 64) "{\22items\22:")
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
    (memory.copy (i32.const 65536) (i32.const 16) (i32.const 23))
    (local.set $i (i32.const 0))
    (loop $o
      (memory.copy (i32.add (i32.const 65559) (i32.mul (local.get $i) (i32.const 9))) (i32.const 64) (i32.const 9))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $o (i32.lt_u (local.get $i) (i32.const 80000))))
    (memory.fill (i32.const 785559) (i32.const 125) (i32.const 80000))
    (memory.copy (i32.const 865559) (i32.const 48) (i32.const 1))
    ;; 1. the request is refused with an error
    (if (i64.ge_s (call $llm_infer (i32.const 65536) (i32.const 800024)) (i64.const 0)) (then (return (i32.const 1))))
    (i32.const 0))
)
