;; ATTACK: mcp_call and mcp_list_tools on the listed server evil while tools: lacks mcp_call.
;; MUST: -EPERM; the server's command (evil.sh, which leaves a MARKER file) is never run.
(module
  (import "nanos" "mcp_call" (func $mcp_call (param i32 i32 i32 i32 i32 i32) (result i64)))
  (import "nanos" "mcp_list_tools" (func $mcp_list_tools (param i32 i32) (result i64)))
  (memory (export "memory") 1)
  (data (i32.const 16) "evil")
  (data (i32.const 32) "tool")
  (data (i32.const 48) "{}")
  (data (i32.const 64) "evil")
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
    ;; 1. mcp_call not granted
    (if (i64.ne (call $mcp_call (i32.const 16) (i32.const 4) (i32.const 32) (i32.const 4) (i32.const 48) (i32.const 2)) (i64.const -1)) (then (return (i32.const 1))))
    ;; 2. mcp_list_tools not granted
    (if (i64.ne (call $mcp_list_tools (i32.const 64) (i32.const 4)) (i64.const -1)) (then (return (i32.const 2))))
    (return (i32.const 1))
    (i32.const 0))
)
