;; ATTACK: imports wasi_snapshot_preview1.proc_raise with no result, so no errno can
;; answer it.
;; MUST: refused before running (failed or invalid_module), naming it.
(module
  (import "wasi_snapshot_preview1" "proc_raise" (func $raise (param i32)))
  (memory (export "memory") 1)
  (func (export "run") (result i32) (call $raise (i32.const 9)) (i32.const 0)))
