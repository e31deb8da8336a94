;; ATTACK: imports nanos.open_socket, which does not exist.
;; MUST: refused before running (failed or invalid_module), naming the import.
(module
  (import "nanos" "open_socket" (func $open (param i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "run") (result i32) (call $open (i32.const 0))))
