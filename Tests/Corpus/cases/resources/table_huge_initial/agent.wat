;; ATTACK: the module declares (table 20000000 funcref): hundreds of MB of host memory at
;; instantiation, outside resources.memory.
;; MUST: refused (invalid_module, out_of_memory, failed or trap), with the host's memory
;; within the bound.
(module
  (memory (export "memory") 1)
  (table 20000000 funcref)
  (func (export "run") (result i32) (i32.const 0)))
