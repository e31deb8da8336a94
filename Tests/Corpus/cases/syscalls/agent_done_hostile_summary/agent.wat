;; ATTACK: agent_done with a summary holding a quote, a backslash, a newline, NUL, a
;; control byte, invalid UTF-8, U+2028 and text that mimics the end of the report.
;; MUST: status ok; the --json report on stdout still parses as one JSON object (the
;; harness reads the status from it).
(module
  (import "nanos" "agent_done" (func $agent_done (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "end\22\5c\0a\00\1f\ff\e2\80\a8}],\22status\22:\22ok\22")
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
    (drop (call $agent_done (i32.const 16) (i32.const 28))) (return (i32.const 99))
    (i32.const 0))
)
