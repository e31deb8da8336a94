;; ATTACK: an active data segment at offset 65530 of 100 bytes in a 1-page memory.
;; MUST: the run fails to start (failed, trap or invalid_module), never writes out of bounds.
(module
  (memory (export "memory") 1)
  (data (i32.const 65530) "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789")
  (func (export "run") (result i32) (i32.const 0)))
