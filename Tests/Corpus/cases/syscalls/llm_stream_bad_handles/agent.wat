;; ATTACK: llm_stream_open with bad ranges and bad JSON; llm_stream_next and
;; llm_stream_close on handles 0, -1, 0x7FFFFFFF and 1 that were never opened.
;; MUST: -EINVAL for each; no stream is created.
(module
  (import "nanos" "llm_stream_open" (func $llm_stream_open (param i32 i32) (result i32)))
  (import "nanos" "llm_stream_next" (func $llm_stream_next (param i32) (result i64)))
  (import "nanos" "llm_stream_close" (func $llm_stream_close (param i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "{bad json")
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
    ;; 1. request past the end of memory
    (if (i32.ne (call $llm_stream_open (i32.const 65530) (i32.const 100)) (i32.const -3)) (then (return (i32.const 1))))
    ;; 2. negative length
    (if (i32.ne (call $llm_stream_open (i32.const 16) (i32.const -1)) (i32.const -3)) (then (return (i32.const 2))))
    ;; 3. not JSON
    (if (i32.ne (call $llm_stream_open (i32.const 16) (i32.const 9)) (i32.const -3)) (then (return (i32.const 3))))
    ;; 4. handle 0 was never opened
    (if (i64.ne (call $llm_stream_next (i32.const 0)) (i64.const -3)) (then (return (i32.const 4))))
    ;; 5. handle -1 was never opened
    (if (i64.ne (call $llm_stream_next (i32.const -1)) (i64.const -3)) (then (return (i32.const 5))))
    ;; 6. handle 2147483647 was never opened
    (if (i64.ne (call $llm_stream_next (i32.const 2147483647)) (i64.const -3)) (then (return (i32.const 6))))
    ;; 7. handle 1 was never opened
    (if (i64.ne (call $llm_stream_next (i32.const 1)) (i64.const -3)) (then (return (i32.const 7))))
    ;; 8. close handle 0
    (if (i32.ne (call $llm_stream_close (i32.const 0)) (i32.const -3)) (then (return (i32.const 8))))
    ;; 9. close handle -5
    (if (i32.ne (call $llm_stream_close (i32.const -5)) (i32.const -3)) (then (return (i32.const 9))))
    ;; 10. close handle 1
    (if (i32.ne (call $llm_stream_close (i32.const 1)) (i32.const -3)) (then (return (i32.const 10))))
    (i32.const 0))
)
