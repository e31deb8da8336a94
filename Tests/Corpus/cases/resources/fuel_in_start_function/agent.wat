;; ATTACK: the module's start function loops forever, during instantiation, before run.
;; MUST: out_of_fuel (exit 4): fuel covers instantiation too.
(module
  (memory (export "memory") 1)
  (func $init (loop $spin (br $spin)))
  (start $init)
  (func (export "run") (result i32) (i32.const 0)))
