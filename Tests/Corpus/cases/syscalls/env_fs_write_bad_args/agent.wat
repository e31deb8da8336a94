;; ATTACK: env.fs_write with a path past the end of memory, content past the end,
;; wrapping, of negative length, and a path escaping the grant.
;; MUST: in-band failure text ("Failed to write file..." / [Security] PERMISSION_DENIED);
;; out/a.txt is never created and nothing outside changes.
(module
  (import "env" "fs_write" (func $env_fs_write (param i32 i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 2048) "out/a.txt")
  (data (i32.const 2064) "x")
  (data (i32.const 2080) "../outside/pwn.txt")
  (data (i32.const 2112) "pwned")
  (func (export "run") (result i32)
    ;; 1. path past the end: in-band text starting with 'F'
    (i32.store8 (i32.const 1024) (i32.const 0))
    (if (i32.le_s (call $env_fs_write (i32.const 65530) (i32.const 100) (i32.const 2064) (i32.const 1) (i32.const 1024) (i32.const 256)) (i32.const 0)) (then (return (i32.const 1))))
    (if (i32.ne (i32.load8_u (i32.const 1024)) (i32.const 70)) (then (return (i32.const 1))))
    ;; 2. content past the end: in-band text starting with 'F'
    (i32.store8 (i32.const 1024) (i32.const 0))
    (if (i32.le_s (call $env_fs_write (i32.const 2048) (i32.const 9) (i32.const 65530) (i32.const 100) (i32.const 1024) (i32.const 256)) (i32.const 0)) (then (return (i32.const 2))))
    (if (i32.ne (i32.load8_u (i32.const 1024)) (i32.const 70)) (then (return (i32.const 2))))
    ;; 3. content wraps: in-band text starting with 'F'
    (i32.store8 (i32.const 1024) (i32.const 0))
    (if (i32.le_s (call $env_fs_write (i32.const 2048) (i32.const 9) (i32.const -16) (i32.const 32) (i32.const 1024) (i32.const 256)) (i32.const 0)) (then (return (i32.const 3))))
    (if (i32.ne (i32.load8_u (i32.const 1024)) (i32.const 70)) (then (return (i32.const 3))))
    ;; 4. negative content length: in-band text starting with 'F'
    (i32.store8 (i32.const 1024) (i32.const 0))
    (if (i32.le_s (call $env_fs_write (i32.const 2048) (i32.const 9) (i32.const 16) (i32.const -1) (i32.const 1024) (i32.const 256)) (i32.const 0)) (then (return (i32.const 4))))
    (if (i32.ne (i32.load8_u (i32.const 1024)) (i32.const 70)) (then (return (i32.const 4))))
    ;; 5. escape: [Security] PERMISSION_DENIED: in-band text starting with '['
    (i32.store8 (i32.const 1024) (i32.const 0))
    (if (i32.le_s (call $env_fs_write (i32.const 2080) (i32.const 18) (i32.const 2112) (i32.const 5) (i32.const 1024) (i32.const 256)) (i32.const 0)) (then (return (i32.const 5))))
    (if (i32.ne (i32.load8_u (i32.const 1024)) (i32.const 91)) (then (return (i32.const 5))))
    (i32.const 0))
)
