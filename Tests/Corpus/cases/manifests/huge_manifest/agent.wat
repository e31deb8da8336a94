;; Reads its 8 MB goal once; the attack is the manifest's size.
(module
  (import "nanos" "agent_goal" (func $goal (result i64)))
  (memory (export "memory") 160)
  (global $heap (mut i32) (i32.const 1024))
  (func (export "nanos_alloc") (param $size i32) (result i32)
    (local $ptr i32)
    (local.set $ptr (global.get $heap))
    (global.set $heap (i32.add (local.get $ptr) (local.get $size)))
    (local.get $ptr))
  (func (export "run") (result i32) (drop (call $goal)) (i32.const 0)))
