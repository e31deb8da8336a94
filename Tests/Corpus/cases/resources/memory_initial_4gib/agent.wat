;; ATTACK: the module declares (memory 65536): 4 GiB of initial linear memory.
;; MUST: out_of_memory (exit 5) against resources.memory = 16MB, before anything is allocated.
(module
  (memory (export "memory") 65536)
  (func (export "run") (result i32) (i32.const 0)))
