;; ATTACK: llm_infer, llm_chat, llm_stream_open and llm_stream_next without the llm group.
;; MUST: -EPERM for each; status denied.
(module
  (import "nanos" "llm_infer" (func $llm_infer (param i32 i32) (result i64)))
  (import "nanos" "llm_chat" (func $llm_chat (param i32 i32) (result i64)))
  (import "nanos" "llm_stream_open" (func $llm_stream_open (param i32 i32) (result i32)))
  (import "nanos" "llm_stream_next" (func $llm_stream_next (param i32) (result i64)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello")
  (data (i32.const 32) "{}")
  (data (i32.const 48) "hi")
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
    ;; 1. llm_infer
    (if (i64.ne (call $llm_infer (i32.const 16) (i32.const 5)) (i64.const -1)) (then (return (i32.const 1))))
    ;; 2. llm_chat
    (if (i64.ne (call $llm_chat (i32.const 32) (i32.const 2)) (i64.const -1)) (then (return (i32.const 2))))
    ;; 3. llm_stream_open
    (if (i32.ne (call $llm_stream_open (i32.const 48) (i32.const 2)) (i32.const -1)) (then (return (i32.const 3))))
    ;; 4. llm_stream_next
    (if (i64.ne (call $llm_stream_next (i32.const 1)) (i64.const -1)) (then (return (i32.const 4))))
    (return (i32.const 1))
    (i32.const 0))
)
