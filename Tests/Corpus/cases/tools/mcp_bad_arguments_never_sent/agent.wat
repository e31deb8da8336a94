;; ATTACK: mcp_call to a real (fake, stdlib) MCP server with arguments that are not JSON,
;; break the tool's input schema, smuggle an extra property, are an array, carry invalid
;; UTF-8, or hold two JSON values.
;; MUST: -EINVAL for each, and none of them is ever sent: the server's calls.log shows
;; only the control call (n = 42).
(module
  (import "nanos" "mcp_call" (func $mcp_call (param i32 i32 i32 i32 i32 i32) (result i64)))
  (memory (export "memory") 1)
  (data (i32.const 16) "fake")
  (data (i32.const 32) "count")
  (data (i32.const 48) "{not json")
  (data (i32.const 64) "{\22n\22: \22seven\22}")
  (data (i32.const 80) "{\22n\22: 1, \22smuggled\22: \22payload\22}")
  (data (i32.const 112) "[1, 2, 3]")
  (data (i32.const 128) "{\22n\22: 1}\ff")
  (data (i32.const 144) "{\22n\22: 1} {\22n\22: 2}")
  (data (i32.const 176) "{\22n\22: 42}")
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
    ;; 1. arguments that are not JSON
    (if (i64.ne (call $mcp_call (i32.const 16) (i32.const 4) (i32.const 32) (i32.const 5) (i32.const 48) (i32.const 9)) (i64.const -3)) (then (return (i32.const 1))))
    ;; 2. n is a string, the schema wants an integer
    (if (i64.ne (call $mcp_call (i32.const 16) (i32.const 4) (i32.const 32) (i32.const 5) (i32.const 64) (i32.const 14)) (i64.const -3)) (then (return (i32.const 2))))
    ;; 3. an extra property the schema forbids
    (if (i64.ne (call $mcp_call (i32.const 16) (i32.const 4) (i32.const 32) (i32.const 5) (i32.const 80) (i32.const 31)) (i64.const -3)) (then (return (i32.const 3))))
    ;; 4. an array instead of an object
    (if (i64.ne (call $mcp_call (i32.const 16) (i32.const 4) (i32.const 32) (i32.const 5) (i32.const 112) (i32.const 9)) (i64.const -3)) (then (return (i32.const 4))))
    ;; 5. valid JSON followed by invalid UTF-8
    (if (i64.ne (call $mcp_call (i32.const 16) (i32.const 4) (i32.const 32) (i32.const 5) (i32.const 128) (i32.const 9)) (i64.const -3)) (then (return (i32.const 5))))
    ;; 6. two JSON values
    (if (i64.ne (call $mcp_call (i32.const 16) (i32.const 4) (i32.const 32) (i32.const 5) (i32.const 144) (i32.const 17)) (i64.const -3)) (then (return (i32.const 6))))
    ;; 7. control: valid arguments reach the server
    (if (i64.le_s (call $mcp_call (i32.const 16) (i32.const 4) (i32.const 32) (i32.const 5) (i32.const 176) (i32.const 9)) (i64.const 0)) (then (return (i32.const 7))))
    (i32.const 0))
)
