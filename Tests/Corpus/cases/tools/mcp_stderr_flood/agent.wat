;; ATTACK: a listed MCP server that writes 64 MB of lines to stderr before answering;
;; nanos captures a server's stderr into the step's service log and prints it.
;; MUST: the call completes (or fails cleanly); what is kept and printed of the server's
;; stderr is bounded: peak RSS within the bound, stdout + stderr under 2 MB.
(module
  (import "nanos" "mcp_call" (func $mcp_call (param i32 i32 i32 i32 i32 i32) (result i64)))
  (memory (export "memory") 1)
  (data (i32.const 16) "fake")
  (data (i32.const 32) "count")
  (data (i32.const 48) "{\22n\22: 1}")
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
    (drop (call $mcp_call (i32.const 16) (i32.const 4) (i32.const 32) (i32.const 5) (i32.const 48) (i32.const 8)))
    (i32.const 0))
)
