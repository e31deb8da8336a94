;; ATTACK: imports its memory (nanos.memory) instead of exporting one, hoping for a host buffer.
;; MUST: refused before running (failed or invalid_module).
(module
  (import "nanos" "memory" (memory 1))
  (func (export "run") (result i32) (i32.const 0)))
