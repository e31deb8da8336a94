;; ATTACK: the module declares (memory 256) (16 MiB) while resources.memory is 1MB.
;; MUST: out_of_memory (exit 5).
(module
  (memory (export "memory") 256)
  (func (export "run") (result i32) (i32.const 0)))
