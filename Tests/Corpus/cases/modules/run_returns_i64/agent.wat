;; ATTACK: run returns i64 instead of i32.
;; MUST: failed (exit 1) or invalid_module, never a misread result.
(module
  (memory (export "memory") 1)
  (func (export "run") (result i64) (i64.const 0)))
