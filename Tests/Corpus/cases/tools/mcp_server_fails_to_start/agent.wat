;; ATTACK: mcp_call on two listed servers that cannot serve: broken (exits 1 at once,
;; after a line on stderr) and missing (its command does not exist).
;; MUST: an error for each (-EIO); the messages the guest gets name the servers, never
;; the host path of their commands or of the case folder.
(module
  (import "nanos" "mcp_call" (func $mcp_call (param i32 i32 i32 i32 i32 i32) (result i64)))
  (memory (export "memory") 1)
  (data (i32.const 16) "t")
  (data (i32.const 32) "{}")
  (data (i32.const 48) "broken")
  (data (i32.const 64) "missing")
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
    ;; 1. a server that exits at once
    (if (i64.ge_s (call $mcp_call (i32.const 48) (i32.const 6) (i32.const 16) (i32.const 1) (i32.const 32) (i32.const 2)) (i64.const 0)) (then (return (i32.const 1))))
    ;; 2. a server whose command does not exist
    (if (i64.ge_s (call $mcp_call (i32.const 64) (i32.const 7) (i32.const 16) (i32.const 1) (i32.const 32) (i32.const 2)) (i64.const 0)) (then (return (i32.const 2))))
    (i32.const 0))
)
