;; ATTACK: llm_infer and llm_chat when the manifest's model.path (models/missing.gguf,
;; relative to the manifest) does not exist.
;; MUST: an error (-EIO) for each, whose message (what last_error gives the guest) does not
;; show the absolute host path the manifest's path resolved to.
(module
  (import "nanos" "llm_infer" (func $llm_infer (param i32 i32) (result i64)))
  (import "nanos" "llm_chat" (func $llm_chat (param i32 i32) (result i64)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello")
  (data (i32.const 32) "{\22prompt\22: \22hi\22}")
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
    ;; 1. the model file does not exist
    (if (i64.ge_s (call $llm_infer (i32.const 16) (i32.const 5)) (i64.const 0)) (then (return (i32.const 1))))
    ;; 2. again, by llm_chat
    (if (i64.ge_s (call $llm_chat (i32.const 32) (i32.const 16)) (i64.const 0)) (then (return (i32.const 2))))
    (i32.const 0))
)
