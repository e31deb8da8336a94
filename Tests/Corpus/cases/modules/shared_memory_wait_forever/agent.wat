;; ATTACK: a shared memory and memory.atomic.wait32 with an infinite timeout: no other
;; thread will ever notify, and the watchdog's fuel trick cannot interrupt a blocked wait.
;; MUST: refused (invalid_module: threads are not enabled) or ended by resources.timeout /
;; a trap, within 5 s.
(module
  (memory (export "memory") 1 1 shared)
  (func (export "run") (result i32)
    (drop (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const -1)))
    (i32.const 0)))
