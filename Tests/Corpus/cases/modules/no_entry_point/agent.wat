;; ATTACK: exports only its memory and a function called main.
;; MUST: failed (exit 1) or invalid_module, saying there is no entry point.
(module
  (memory (export "memory") 1)
  (func (export "main") (result i32) (i32.const 0)))
