;; ATTACK: the original ABI's env.fs_read with a path past the end of memory, wrapping,
;; of negative length, in invalid UTF-8; out buffers past the end, wrapping, with a negative
;; and a huge out_max; and a path escaping the grant. The guest exports run (not
;; run_agent) so that its return value says what it saw.
;; MUST: in-band error text for bad paths, 0 bytes (step EINVAL) for bad out buffers,
;; nothing copied past what the file holds, and [Security] PERMISSION_DENIED for the escape.
(module
  (import "env" "fs_read" (func $env_fs_read (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 2048) "data/a.txt")
  (data (i32.const 2064) "d\ff\fe")
  (data (i32.const 2080) "../outside/secret.txt")
  (func (export "run") (result i32)
    ;; 1. path past the end of memory: in-band text starting with 'E'
    (i32.store8 (i32.const 1024) (i32.const 0))
    (if (i32.le_s (call $env_fs_read (i32.const 65530) (i32.const 100) (i32.const 1024) (i32.const 256)) (i32.const 0)) (then (return (i32.const 1))))
    (if (i32.ne (i32.load8_u (i32.const 1024)) (i32.const 69)) (then (return (i32.const 1))))
    ;; 2. wrapping path range: in-band text starting with 'E'
    (i32.store8 (i32.const 1024) (i32.const 0))
    (if (i32.le_s (call $env_fs_read (i32.const -16) (i32.const 32) (i32.const 1024) (i32.const 256)) (i32.const 0)) (then (return (i32.const 2))))
    (if (i32.ne (i32.load8_u (i32.const 1024)) (i32.const 69)) (then (return (i32.const 2))))
    ;; 3. negative path length: in-band text starting with 'E'
    (i32.store8 (i32.const 1024) (i32.const 0))
    (if (i32.le_s (call $env_fs_read (i32.const 16) (i32.const -1) (i32.const 1024) (i32.const 256)) (i32.const 0)) (then (return (i32.const 3))))
    (if (i32.ne (i32.load8_u (i32.const 1024)) (i32.const 69)) (then (return (i32.const 3))))
    ;; 4. invalid UTF-8 path: in-band text starting with 'E'
    (i32.store8 (i32.const 1024) (i32.const 0))
    (if (i32.le_s (call $env_fs_read (i32.const 2064) (i32.const 3) (i32.const 1024) (i32.const 256)) (i32.const 0)) (then (return (i32.const 4))))
    (if (i32.ne (i32.load8_u (i32.const 1024)) (i32.const 69)) (then (return (i32.const 4))))
    ;; 5. out buffer runs past the end
    (if (i32.ne (call $env_fs_read (i32.const 2048) (i32.const 10) (i32.const 65534) (i32.const 256)) (i32.const 0)) (then (return (i32.const 5))))
    ;; 6. out buffer wraps
    (if (i32.ne (call $env_fs_read (i32.const 2048) (i32.const 10) (i32.const -16) (i32.const 256)) (i32.const 0)) (then (return (i32.const 6))))
    ;; 7. negative out_max: nothing copied
    (if (i32.ne (call $env_fs_read (i32.const 2048) (i32.const 10) (i32.const 1024) (i32.const -1)) (i32.const 0)) (then (return (i32.const 7))))
    ;; 8. huge out_max: only the 5 bytes are copied
    (if (i32.ne (call $env_fs_read (i32.const 2048) (i32.const 10) (i32.const 1024) (i32.const 2147483647)) (i32.const 5)) (then (return (i32.const 8))))
    ;; 9. escape: [Security] PERMISSION_DENIED: in-band text starting with '['
    (i32.store8 (i32.const 1024) (i32.const 0))
    (if (i32.le_s (call $env_fs_read (i32.const 2080) (i32.const 21) (i32.const 1024) (i32.const 256)) (i32.const 0)) (then (return (i32.const 9))))
    (if (i32.ne (i32.load8_u (i32.const 1024)) (i32.const 91)) (then (return (i32.const 9))))
    (i32.const 0))
)
