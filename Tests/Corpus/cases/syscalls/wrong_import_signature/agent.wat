;; ATTACK: imports nanos.fs_read with the signature (i32) -> i32 instead of (i32, i32) -> i64,
;; so the host would read a second argument that is not there.
;; MUST: the module is refused before it runs (failed or invalid_module), naming the import.
(module
  (import "nanos" "fs_read" (func $fs_read (param i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "run") (result i32) (call $fs_read (i32.const 0))))
