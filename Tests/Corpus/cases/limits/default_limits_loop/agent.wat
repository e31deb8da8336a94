;; ATTACK: (loop (br 0)) under a manifest that sets neither resources.fuel nor
;; resources.timeout.
;; MUST: the kernel's default limits end it by itself within 60 s (out_of_fuel or timeout).
(module
  (memory (export "memory") 1)
  (func (export "run") (result i32) (loop $spin (br $spin)) (i32.const 0)))
