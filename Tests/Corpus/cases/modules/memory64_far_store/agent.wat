;; ATTACK: (memory i64 1) and a store at 0x100000000, past anything the host's 32-bit
;; pointer checks expect.
;; MUST: refused (invalid_module: memory64 is not enabled) or a trap; never a host write.
(module
  (memory (export "memory") i64 1)
  (func (export "run") (result i32)
    (i64.store (i64.const 0x100000000) (i64.const 1))
    (i32.const 0)))
