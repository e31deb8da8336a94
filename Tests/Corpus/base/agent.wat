;; The trivial agent whose peak RSS is the base of every case's memory bound: one
;; page of memory, no imports, returns 0 at once.
(module
  (memory (export "memory") 1)
  (func (export "run") (result i32) (i32.const 0)))
