;; ATTACK: a WASI guest asks for its environment and arguments (the harness has put a
;; secret in the host's environment).
;; MUST: zero variables of zero bytes, zero arguments: nothing of the host's environment
;; reaches a guest.
(module
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "run") (result i32)
    ;; 1. environ_sizes_get works
    (if (i32.ne (call $environ_sizes_get (i32.const 1024) (i32.const 1028)) (i32.const 0)) (then (return (i32.const 1))))
    (if (i32.or (i32.load (i32.const 1024)) (i32.load (i32.const 1028))) (then (return (i32.const 2))))
    ;; 3. args_sizes_get works
    (if (i32.ne (call $args_sizes_get (i32.const 1032) (i32.const 1036)) (i32.const 0)) (then (return (i32.const 3))))
    (if (i32.or (i32.load (i32.const 1032)) (i32.load (i32.const 1036))) (then (return (i32.const 4))))
    (i32.const 0))
)
