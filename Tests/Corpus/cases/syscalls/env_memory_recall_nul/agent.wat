;; ATTACK: env.memory_store a note holding a non-ASCII character and a NUL, then
;; env.memory_recall "\0\0" (found by the abi fuzzer: Foundation's string search read out
;; of bounds on NUL bytes and the host died).
;; MUST: the recall answers "No memory found." and the run ends ok.
(module
  (import "env" "memory_store" (func $store (param i32 i32) (result i32)))
  (import "env" "memory_recall" (func $recall (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "\c3\a9\00x")
  (data (i32.const 16) "\00\00")
  (func (export "run_agent")
    (drop (call $store (i32.const 0) (i32.const 4)))
    (drop (call $recall (i32.const 16) (i32.const 2) (i32.const 100) (i32.const 64)))))
