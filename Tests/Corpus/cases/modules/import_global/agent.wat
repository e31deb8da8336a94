;; ATTACK: imports a mutable global (env.__stack_pointer), hoping to share host state.
;; MUST: refused before running (failed or invalid_module).
(module
  (import "env" "__stack_pointer" (global (mut i32)))
  (memory (export "memory") 1)
  (func (export "run") (result i32) (i32.const 0)))
