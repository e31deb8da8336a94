;; ATTACK: env.get_manifest_goal / get_manifest_tools into out buffers past the end,
;; wrapping, with out_max 0 and negative; memory_store past the end, of negative length and
;; over 1 MiB; memory_recall past the end; agent_send with a wrapping target; agent_recv
;; into the last address; eval_js.
;; MUST: 0 bytes or in-band error text, each step failing with EINVAL / E2BIG, eval_js
;; always EPERM; the host never crashes.
(module
  (import "env" "get_manifest_goal" (func $env_get_manifest_goal (param i32 i32) (result i32)))
  (import "env" "get_manifest_tools" (func $env_get_manifest_tools (param i32 i32) (result i32)))
  (import "env" "memory_store" (func $env_memory_store (param i32 i32) (result i32)))
  (import "env" "memory_recall" (func $env_memory_recall (param i32 i32 i32 i32) (result i32)))
  (import "env" "agent_send" (func $env_agent_send (param i32 i32 i32 i32) (result i32)))
  (import "env" "agent_recv" (func $env_agent_recv (param i32 i32) (result i32)))
  (import "env" "eval_js" (func $env_eval_js (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 17)
  (data (i32.const 2048) "hi")
  (data (i32.const 2064) "globalThis")
  (func (export "run") (result i32)
    ;; 1. goal into a buffer past the end
    (if (i32.ne (call $env_get_manifest_goal (i32.const 1114110) (i32.const 256)) (i32.const 0)) (then (return (i32.const 1))))
    ;; 2. wrapping buffer
    (if (i32.ne (call $env_get_manifest_goal (i32.const -16) (i32.const 256)) (i32.const 0)) (then (return (i32.const 2))))
    ;; 3. out_max 0
    (if (i32.ne (call $env_get_manifest_goal (i32.const 1024) (i32.const 0)) (i32.const 0)) (then (return (i32.const 3))))
    ;; 4. negative out_max
    (if (i32.ne (call $env_get_manifest_tools (i32.const 1024) (i32.const -5)) (i32.const 0)) (then (return (i32.const 4))))
    ;; 5. memory_store past the end
    (if (i32.ne (call $env_memory_store (i32.const 1114100) (i32.const 100)) (i32.const 0)) (then (return (i32.const 5))))
    ;; 6. memory_store negative length
    (if (i32.ne (call $env_memory_store (i32.const 16) (i32.const -1)) (i32.const 0)) (then (return (i32.const 6))))
    ;; 7. memory_store of 1 MiB + 1 bytes
    (if (i32.ne (call $env_memory_store (i32.const 0) (i32.const 1048577)) (i32.const 0)) (then (return (i32.const 7))))
    ;; 8. memory_recall with a query past the end: in-band error text, never a crash
    (if (i32.le_s (call $env_memory_recall (i32.const 1114100) (i32.const 100) (i32.const 1024) (i32.const 256)) (i32.const 0)) (then (return (i32.const 8))))
    ;; 9. agent_send target wraps
    (if (i32.ne (call $env_agent_send (i32.const -16) (i32.const 32) (i32.const 2048) (i32.const 2)) (i32.const 0)) (then (return (i32.const 9))))
    ;; 10. agent_recv into the last address
    (if (i32.ne (call $env_agent_recv (i32.const -1) (i32.const 256)) (i32.const 0)) (then (return (i32.const 10))))
    ;; 11. eval_js is never granted: [Security] PERMISSION_DENIED: in-band text starting with '['
    (i32.store8 (i32.const 1024) (i32.const 0))
    (if (i32.le_s (call $env_eval_js (i32.const 2064) (i32.const 10) (i32.const 1024) (i32.const 256)) (i32.const 0)) (then (return (i32.const 11))))
    (if (i32.ne (i32.load8_u (i32.const 1024)) (i32.const 91)) (then (return (i32.const 11))))
    (i32.const 0))
)
