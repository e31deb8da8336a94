;; ATTACK: env.llm_infer past the end and over 1 MiB, env.web_get with the network off,
;; env.mcp_call with a wrapping server name, arguments over 1 MiB and an unlisted server.
;; MUST: in-band error text for each ("LLM Inference Error", [Security]
;; NETWORK_DISABLED_IN_MANIFEST, "MCP Error"); the host never crashes.
(module
  (import "env" "llm_infer" (func $env_llm_infer (param i32 i32 i32 i32) (result i32)))
  (import "env" "web_get" (func $env_web_get (param i32 i32 i32 i32) (result i32)))
  (import "env" "mcp_call" (func $env_mcp_call (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 17)
  (data (i32.const 2048) "hello")
  (data (i32.const 2064) "http://example.com/")
  (data (i32.const 2096) "t")
  (data (i32.const 2112) "{}")
  (data (i32.const 2128) "srv")
  (data (i32.const 2144) "t")
  (data (i32.const 2160) "nope")
  (data (i32.const 2176) "t")
  (data (i32.const 2192) "{not json")
  (func (export "run") (result i32)
    ;; 1. prompt past the end: in-band text starting with 'L'
    (i32.store8 (i32.const 1024) (i32.const 0))
    (if (i32.le_s (call $env_llm_infer (i32.const 1114100) (i32.const 100) (i32.const 1024) (i32.const 256)) (i32.const 0)) (then (return (i32.const 1))))
    (if (i32.ne (i32.load8_u (i32.const 1024)) (i32.const 76)) (then (return (i32.const 1))))
    ;; 2. prompt over 1 MiB: in-band text starting with 'L'
    (i32.store8 (i32.const 1024) (i32.const 0))
    (if (i32.le_s (call $env_llm_infer (i32.const 0) (i32.const 1048577) (i32.const 1024) (i32.const 256)) (i32.const 0)) (then (return (i32.const 2))))
    (if (i32.ne (i32.load8_u (i32.const 1024)) (i32.const 76)) (then (return (i32.const 2))))
    ;; 3. no model configured: in-band text starting with 'L'
    (i32.store8 (i32.const 1024) (i32.const 0))
    (if (i32.le_s (call $env_llm_infer (i32.const 2048) (i32.const 5) (i32.const 1024) (i32.const 256)) (i32.const 0)) (then (return (i32.const 3))))
    (if (i32.ne (i32.load8_u (i32.const 1024)) (i32.const 76)) (then (return (i32.const 3))))
    ;; 4. [Security] NETWORK_DISABLED_IN_MANIFEST: in-band text starting with '['
    (i32.store8 (i32.const 1024) (i32.const 0))
    (if (i32.le_s (call $env_web_get (i32.const 2064) (i32.const 19) (i32.const 1024) (i32.const 256)) (i32.const 0)) (then (return (i32.const 4))))
    (if (i32.ne (i32.load8_u (i32.const 1024)) (i32.const 91)) (then (return (i32.const 4))))
    ;; 5. server name wraps: in-band text starting with 'M'
    (i32.store8 (i32.const 1024) (i32.const 0))
    (if (i32.le_s (call $env_mcp_call (i32.const -16) (i32.const 32) (i32.const 2096) (i32.const 1) (i32.const 2112) (i32.const 2) (i32.const 1024) (i32.const 256)) (i32.const 0)) (then (return (i32.const 5))))
    (if (i32.ne (i32.load8_u (i32.const 1024)) (i32.const 77)) (then (return (i32.const 5))))
    ;; 6. arguments over 1 MiB: in-band text starting with 'M'
    (i32.store8 (i32.const 1024) (i32.const 0))
    (if (i32.le_s (call $env_mcp_call (i32.const 2128) (i32.const 3) (i32.const 2144) (i32.const 1) (i32.const 0) (i32.const 1048577) (i32.const 1024) (i32.const 256)) (i32.const 0)) (then (return (i32.const 6))))
    (if (i32.ne (i32.load8_u (i32.const 1024)) (i32.const 77)) (then (return (i32.const 6))))
    ;; 7. unlisted server: in-band text starting with 'M'
    (i32.store8 (i32.const 1024) (i32.const 0))
    (if (i32.le_s (call $env_mcp_call (i32.const 2160) (i32.const 4) (i32.const 2176) (i32.const 1) (i32.const 2192) (i32.const 9) (i32.const 1024) (i32.const 256)) (i32.const 0)) (then (return (i32.const 7))))
    (if (i32.ne (i32.load8_u (i32.const 1024)) (i32.const 77)) (then (return (i32.const 7))))
    (i32.const 0))
)
