;; ATTACK: (i32.store offset=0xFFFFFFFF (i32.const 2) ...): address + offset wraps past 4 GiB.
;; MUST: trap (exit 8); the report's message and stderr name no host address (0x + 8 hex
;; digits or more) and no host path of the case folder.
(module
  (type $ret (func (result i32)))
  (memory (export "memory") 1)
  (table 1 funcref)
  (func (export "run") (result i32)
    (local $zero i32)
    (i32.store offset=4294967295 (i32.const 2) (i32.const 7))
    (i32.const 0)))
