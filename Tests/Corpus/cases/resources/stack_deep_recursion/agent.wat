;; ATTACK: a function that calls itself forever.
;; MUST: trap (exit 8), "call stack exhausted"; the host's own stack is never touched.
(module
  (memory (export "memory") 1)
  (func $down (param $n i32) (result i32)
    (i32.add (call $down (i32.add (local.get $n) (i32.const 1))) (i32.const 1)))
  (func (export "run") (result i32) (call $down (i32.const 0))))
