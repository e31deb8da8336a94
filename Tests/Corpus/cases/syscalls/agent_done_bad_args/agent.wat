;; ATTACK: agent_done with a summary past the end of memory, a wrapping range, a
;; negative length and 64 KiB + 1 bytes.
;; MUST: each returns (-EINVAL / -E2BIG) instead of ending the run; the final valid
;; agent_done ends it ok with the summary "survived".
(module
  (import "nanos" "agent_done" (func $agent_done (param i32 i32) (result i32)))
  (memory (export "memory") 2)
  (data (i32.const 16) "survived")
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
    ;; 1. summary past the end of memory
    (if (i32.ne (call $agent_done (i32.const 131070) (i32.const 100)) (i32.const -3)) (then (return (i32.const 1))))
    ;; 2. wrapping range
    (if (i32.ne (call $agent_done (i32.const -16) (i32.const 32)) (i32.const -3)) (then (return (i32.const 2))))
    ;; 3. negative length
    (if (i32.ne (call $agent_done (i32.const 16) (i32.const -1)) (i32.const -3)) (then (return (i32.const 3))))
    ;; 4. over the 64 KiB summary limit
    (if (i32.ne (call $agent_done (i32.const 0) (i32.const 65537)) (i32.const -4)) (then (return (i32.const 4))))
    ;; a valid summary ends the run at once: the guest never gets past it
    (drop (call $agent_done (i32.const 16) (i32.const 8))) (return (i32.const 99))
    (i32.const 0))
)
