;; ATTACK: imports a table (env.table).
;; MUST: refused before running (failed or invalid_module).
(module
  (import "env" "table" (table 1 funcref))
  (memory (export "memory") 1)
  (func (export "run") (result i32) (i32.const 0)))
