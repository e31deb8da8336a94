;; ATTACK: env.memory_store of the same 1 MiB note 300 times (300 MB of notes).
;; MUST: the host's memory stays within the bound for this manifest: the run's notes hold at
;; most 1 MiB, so every store after the first fails with EQUOTA; the run ends by itself.
(module
  (import "env" "memory_store" (func $env_memory_store (param i32 i32) (result i32)))
  (memory (export "memory") 17)
  (func (export "run") (result i32)
    (local $i i32)
    (local.set $i (i32.const 0))
    ;; The same 1 MiB note, 300 times: the trace shares repeated arguments, but the notes
    ;; behind memory_recall are host memory the guest decides.
    (loop $again
      (drop (call $env_memory_store (i32.const 0) (i32.const 1048576)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $i) (i32.const 300))))
    (i32.const 0))
)
