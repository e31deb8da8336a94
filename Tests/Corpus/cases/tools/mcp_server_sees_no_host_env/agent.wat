;; ATTACK: the harness puts a secret in the host's environment
;; (NANOS_CORPUS_HOST_SECRET); a listed MCP server dumps every variable it gets.
;; MUST: the call works, and the server's dump (calls.log) never holds the secret: a
;; server gets PATH, HOME, the locale and its own env: entries only.
(module
  (import "nanos" "mcp_call" (func $mcp_call (param i32 i32 i32 i32 i32 i32) (result i64)))
  (memory (export "memory") 1)
  (data (i32.const 16) "fake")
  (data (i32.const 32) "count")
  (data (i32.const 48) "{\22n\22: 7}")
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
    ;; 1. one call, so that the server starts
    (if (i64.le_s (call $mcp_call (i32.const 16) (i32.const 4) (i32.const 32) (i32.const 5) (i32.const 48) (i32.const 8)) (i64.const 0)) (then (return (i32.const 1))))
    (i32.const 0))
)
