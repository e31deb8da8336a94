;; ATTACK: (i32.div_s 1 0).
;; MUST: trap (exit 8); the report's message and stderr name no host address (0x + 8 hex
;; digits or more) and no host path of the case folder.
(module
  (type $ret (func (result i32)))
  (memory (export "memory") 1)
  (table 1 funcref)
  (func (export "run") (result i32)
    (local $zero i32)
    (drop (i32.div_s (i32.const 1) (local.get $zero)))
    (i32.const 0)))
