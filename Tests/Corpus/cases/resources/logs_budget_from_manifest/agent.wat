;; ATTACK: eleven 1,000-byte log messages under resources.logs = 10KB.
;; MUST: the first ten are logged (10,000 bytes), the eleventh gets -EQUOTA.
(module
  (import "nanos" "agent_log" (func $agent_log (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 1024) "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz")
  (func (export "run") (result i32)
    ;; 1. message 1: 1,000 bytes, 1000 in all
    (if (i32.ne (call $agent_log (i32.const 1) (i32.const 1024) (i32.const 1000)) (i32.const 0)) (then (return (i32.const 1))))
    ;; 2. message 2: 1,000 bytes, 2000 in all
    (if (i32.ne (call $agent_log (i32.const 1) (i32.const 1024) (i32.const 1000)) (i32.const 0)) (then (return (i32.const 2))))
    ;; 3. message 3: 1,000 bytes, 3000 in all
    (if (i32.ne (call $agent_log (i32.const 1) (i32.const 1024) (i32.const 1000)) (i32.const 0)) (then (return (i32.const 3))))
    ;; 4. message 4: 1,000 bytes, 4000 in all
    (if (i32.ne (call $agent_log (i32.const 1) (i32.const 1024) (i32.const 1000)) (i32.const 0)) (then (return (i32.const 4))))
    ;; 5. message 5: 1,000 bytes, 5000 in all
    (if (i32.ne (call $agent_log (i32.const 1) (i32.const 1024) (i32.const 1000)) (i32.const 0)) (then (return (i32.const 5))))
    ;; 6. message 6: 1,000 bytes, 6000 in all
    (if (i32.ne (call $agent_log (i32.const 1) (i32.const 1024) (i32.const 1000)) (i32.const 0)) (then (return (i32.const 6))))
    ;; 7. message 7: 1,000 bytes, 7000 in all
    (if (i32.ne (call $agent_log (i32.const 1) (i32.const 1024) (i32.const 1000)) (i32.const 0)) (then (return (i32.const 7))))
    ;; 8. message 8: 1,000 bytes, 8000 in all
    (if (i32.ne (call $agent_log (i32.const 1) (i32.const 1024) (i32.const 1000)) (i32.const 0)) (then (return (i32.const 8))))
    ;; 9. message 9: 1,000 bytes, 9000 in all
    (if (i32.ne (call $agent_log (i32.const 1) (i32.const 1024) (i32.const 1000)) (i32.const 0)) (then (return (i32.const 9))))
    ;; 10. message 10: 1,000 bytes, 10000 in all
    (if (i32.ne (call $agent_log (i32.const 1) (i32.const 1024) (i32.const 1000)) (i32.const 0)) (then (return (i32.const 10))))
    ;; 11. message 11 would pass resources.logs = 10KB (10,240 bytes)
    (if (i32.ne (call $agent_log (i32.const 1) (i32.const 1024) (i32.const 1000)) (i32.const -7)) (then (return (i32.const 11))))
    (i32.const 0))
)
