;; ATTACK: the start function executes unreachable during instantiation.
;; MUST: trap (exit 8) with no host details, or failed / invalid_module.
(module
  (memory (export "memory") 1)
  (func $init (unreachable))
  (start $init)
  (func (export "run") (result i32) (i32.const 0)))
