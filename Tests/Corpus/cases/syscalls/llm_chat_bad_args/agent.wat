;; ATTACK: llm_chat with bad ranges, 1 MiB + 1 bytes, and requests that are not valid:
;; truncated JSON, unknown fields, wrong types, invalid UTF-8, raw NUL, duplicate keys,
;; an unknown role, negative max_tokens, too many stop strings, schema and grammar.
;; MUST: -EINVAL (-E2BIG for the size) for each, decided before any model is asked (the
;; manifest has no model); the plain prompt fails with an error, never a crash.
(module
  (import "nanos" "llm_chat" (func $llm_chat (param i32 i32) (result i64)))
  (memory (export "memory") 17)
  (data (i32.const 16) "{\22prompt\22: \22hi\22")
  (data (i32.const 32) "{\22prompt\22: \22hi\22, \22evil\22: 1}")
  (data (i32.const 64) "{\22prompt\22: 5}")
  (data (i32.const 80) "{\22prompt\22: \22\ff\fe\22}")
  (data (i32.const 96) "{\22prompt\22: \22a\00b\22}")
  (data (i32.const 128) "{\22messages\22: [{\22role\22: \22root\22, \22content\22: \22x\22}]}")
  (data (i32.const 176) "{\22prompt\22: \22hi\22, \22max_tokens\22: -5}")
  (data (i32.const 224) "{\22prompt\22: \22hi\22, \22stop\22: [\22a\22,\22b\22,\22c\22,\22d\22,\22e\22,\22f\22,\22g\22,\22h\22,\22i\22]}")
  (data (i32.const 288) "{\22prompt\22: \22hi\22, \22schema\22: {\22type\22: \22object\22}, \22grammar\22: \22root ::= \5c\22a\5c\22\22}")
  (data (i32.const 368) "{\22prompt\22: \22hi\22, \22prompt\22: \22again\22}")
  (data (i32.const 416) "hello")
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
    ;; 1. request past the end of memory
    (if (i64.ne (call $llm_chat (i32.const 1114100) (i32.const 100)) (i64.const -3)) (then (return (i32.const 1))))
    ;; 2. wrapping range
    (if (i64.ne (call $llm_chat (i32.const -16) (i32.const 32)) (i64.const -3)) (then (return (i32.const 2))))
    ;; 3. negative length
    (if (i64.ne (call $llm_chat (i32.const 16) (i32.const -1)) (i64.const -3)) (then (return (i32.const 3))))
    ;; 4. 1 MiB + 1 bytes
    (if (i64.ne (call $llm_chat (i32.const 0) (i32.const 1048577)) (i64.const -4)) (then (return (i32.const 4))))
    ;; 5. truncated JSON
    (if (i64.ne (call $llm_chat (i32.const 16) (i32.const 15)) (i64.const -3)) (then (return (i32.const 5))))
    ;; 6. an unknown field
    (if (i64.ne (call $llm_chat (i32.const 32) (i32.const 27)) (i64.const -3)) (then (return (i32.const 6))))
    ;; 7. a prompt that is not a string
    (if (i64.ne (call $llm_chat (i32.const 64) (i32.const 13)) (i64.const -3)) (then (return (i32.const 7))))
    ;; 8. invalid UTF-8 inside the JSON
    (if (i64.ne (call $llm_chat (i32.const 80) (i32.const 16)) (i64.const -3)) (then (return (i32.const 8))))
    ;; 9. a raw NUL inside a JSON string
    (if (i64.ne (call $llm_chat (i32.const 96) (i32.const 17)) (i64.const -3)) (then (return (i32.const 9))))
    ;; 10. an unknown role
    (if (i64.ne (call $llm_chat (i32.const 128) (i32.const 48)) (i64.const -3)) (then (return (i32.const 10))))
    ;; 11. negative max_tokens
    (if (i64.ne (call $llm_chat (i32.const 176) (i32.const 34)) (i64.const -3)) (then (return (i32.const 11))))
    ;; 12. nine stop strings (limit 8)
    (if (i64.ne (call $llm_chat (i32.const 224) (i32.const 63)) (i64.const -3)) (then (return (i32.const 12))))
    ;; 13. schema and grammar at once
    (if (i64.ne (call $llm_chat (i32.const 288) (i32.const 75)) (i64.const -3)) (then (return (i32.const 13))))
    ;; 14. a duplicate key: refused, or (valid JSON) refused for want of a model
    (if (i64.ge_s (call $llm_chat (i32.const 368) (i32.const 35)) (i64.const 0)) (then (return (i32.const 14))))
    ;; 15. a plain prompt: no model is configured
    (if (i64.ge_s (call $llm_chat (i32.const 416) (i32.const 5)) (i64.const 0)) (then (return (i32.const 15))))
    (i32.const 0))
)
