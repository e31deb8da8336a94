;; A trivial guest: the attacks of this case are in its manifest.
(module
  (memory (export "memory") 1)
  (func (export "run") (result i32) (i32.const 0)))
