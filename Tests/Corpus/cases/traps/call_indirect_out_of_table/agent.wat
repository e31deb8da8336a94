;; ATTACK: call_indirect of entry 0x7FFFFFFF of a 1-entry table.
;; MUST: trap (exit 8); the report's message and stderr name no host address (0x + 8 hex
;; digits or more) and no host path of the case folder.
(module
  (type $ret (func (result i32)))
  (memory (export "memory") 1)
  (table 1 funcref)
  (func (export "run") (result i32)
    (local $zero i32)
    (drop (call_indirect (type $ret) (i32.const 2147483647)))
    (i32.const 0)))
