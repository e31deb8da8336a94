;; ATTACK: mcp_call, mcp_list_tools, mcp_list_resources, mcp_read_resource,
;; mcp_list_prompts and mcp_get_prompt with bad ranges, names over 1 KiB, a URI over 8 KiB,
;; arguments over 1 MiB, invalid and overlong UTF-8. The manifest lists no server.
;; MUST: -EINVAL / -E2BIG for each, -ENOENT for a well-formed call to an unlisted server.
(module
  (import "nanos" "mcp_call" (func $mcp_call (param i32 i32 i32 i32 i32 i32) (result i64)))
  (import "nanos" "mcp_list_tools" (func $mcp_list_tools (param i32 i32) (result i64)))
  (import "nanos" "mcp_list_resources" (func $mcp_list_resources (param i32 i32) (result i64)))
  (import "nanos" "mcp_read_resource" (func $mcp_read_resource (param i32 i32 i32 i32) (result i64)))
  (import "nanos" "mcp_list_prompts" (func $mcp_list_prompts (param i32 i32) (result i64)))
  (import "nanos" "mcp_get_prompt" (func $mcp_get_prompt (param i32 i32 i32 i32 i32 i32) (result i64)))
  (memory (export "memory") 17)
  (data (i32.const 16) "srv")
  (data (i32.const 32) "tool")
  (data (i32.const 48) "{}")
  (data (i32.const 64) "\ff\fe")
  (data (i32.const 80) "\c0\80")
  (data (i32.const 96) "p")
  (data (i32.const 112) "p")
  (data (i32.const 128) "{not json")
  ;; A bump allocator for results: grows memory when needed, 0 when it cannot.
  (global $heap (mut i32) (i32.const 32768))
  (func (export "nanos_alloc") (param $size i32) (result i32)
    (local $ptr i32) (local $end i32)
    (local.set $ptr (global.get $heap))
    (local.set $end (i32.add (local.get $ptr) (local.get $size)))
    (if (i32.gt_u (local.get $end) (i32.mul (memory.size) (i32.const 65536)))
      (then
        (if (i32.eq (memory.grow (i32.add (i32.shr_u (i32.sub (local.get $end)
                      (i32.mul (memory.size) (i32.const 65536))) (i32.const 16)) (i32.const 1)))
                    (i32.const -1))
          (then (return (i32.const 0))))))
    (global.set $heap (local.get $end))
    (local.get $ptr))
  (func (export "run") (result i32)
    ;; 1. server name past the end of memory
    (if (i64.ne (call $mcp_call (i32.const 1114100) (i32.const 100) (i32.const 32) (i32.const 4) (i32.const 48) (i32.const 2)) (i64.const -3)) (then (return (i32.const 1))))
    ;; 2. wrapping server name
    (if (i64.ne (call $mcp_call (i32.const -16) (i32.const 32) (i32.const 32) (i32.const 4) (i32.const 48) (i32.const 2)) (i64.const -3)) (then (return (i32.const 2))))
    ;; 3. negative server length
    (if (i64.ne (call $mcp_call (i32.const 16) (i32.const -1) (i32.const 32) (i32.const 4) (i32.const 48) (i32.const 2)) (i64.const -3)) (then (return (i32.const 3))))
    ;; 4. server name over 1 KiB
    (if (i64.ne (call $mcp_call (i32.const 0) (i32.const 1025) (i32.const 32) (i32.const 4) (i32.const 48) (i32.const 2)) (i64.const -4)) (then (return (i32.const 4))))
    ;; 5. invalid UTF-8 server name
    (if (i64.ne (call $mcp_call (i32.const 64) (i32.const 2) (i32.const 32) (i32.const 4) (i32.const 48) (i32.const 2)) (i64.const -3)) (then (return (i32.const 5))))
    ;; 6. wrapping tool name
    (if (i64.ne (call $mcp_call (i32.const 16) (i32.const 3) (i32.const -16) (i32.const 32) (i32.const 48) (i32.const 2)) (i64.const -3)) (then (return (i32.const 6))))
    ;; 7. tool name over 1 KiB
    (if (i64.ne (call $mcp_call (i32.const 16) (i32.const 3) (i32.const 0) (i32.const 1025) (i32.const 48) (i32.const 2)) (i64.const -4)) (then (return (i32.const 7))))
    ;; 8. negative arguments length
    (if (i64.ne (call $mcp_call (i32.const 16) (i32.const 3) (i32.const 32) (i32.const 4) (i32.const 16) (i32.const -1)) (i64.const -3)) (then (return (i32.const 8))))
    ;; 9. arguments over 1 MiB
    (if (i64.ne (call $mcp_call (i32.const 16) (i32.const 3) (i32.const 32) (i32.const 4) (i32.const 0) (i32.const 1048577)) (i64.const -4)) (then (return (i32.const 9))))
    ;; 10. a server the manifest does not list
    (if (i64.ne (call $mcp_call (i32.const 16) (i32.const 3) (i32.const 32) (i32.const 4) (i32.const 48) (i32.const 2)) (i64.const -2)) (then (return (i32.const 10))))
    ;; 11. list_tools: name out of bounds
    (if (i64.ne (call $mcp_list_tools (i32.const 1114100) (i32.const 100)) (i64.const -3)) (then (return (i32.const 11))))
    ;; 12. list_resources: name over 1 KiB
    (if (i64.ne (call $mcp_list_resources (i32.const 0) (i32.const 1025)) (i64.const -4)) (then (return (i32.const 12))))
    ;; 13. read_resource: uri over 8 KiB
    (if (i64.ne (call $mcp_read_resource (i32.const 16) (i32.const 3) (i32.const 0) (i32.const 8193)) (i64.const -4)) (then (return (i32.const 13))))
    ;; 14. read_resource: uri out of bounds
    (if (i64.ne (call $mcp_read_resource (i32.const 16) (i32.const 3) (i32.const 1114100) (i32.const 100)) (i64.const -3)) (then (return (i32.const 14))))
    ;; 15. list_prompts: overlong UTF-8 name
    (if (i64.ne (call $mcp_list_prompts (i32.const 80) (i32.const 2)) (i64.const -3)) (then (return (i32.const 15))))
    ;; 16. get_prompt: name at the last address
    (if (i64.ne (call $mcp_get_prompt (i32.const 16) (i32.const 3) (i32.const -1) (i32.const 1) (i32.const 48) (i32.const 2)) (i64.const -3)) (then (return (i32.const 16))))
    ;; 17. get_prompt: negative args length
    (if (i64.ne (call $mcp_get_prompt (i32.const 16) (i32.const 3) (i32.const 96) (i32.const 1) (i32.const 16) (i32.const -1)) (i64.const -3)) (then (return (i32.const 17))))
    ;; 18. get_prompt with bad JSON to an unlisted server
    (if (i64.ge_s (call $mcp_get_prompt (i32.const 16) (i32.const 3) (i32.const 112) (i32.const 1) (i32.const 128) (i32.const 9)) (i64.const 0)) (then (return (i32.const 18))))
    (i32.const 0))
)
