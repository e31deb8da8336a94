;; ATTACK: env.memory_store a 1 MiB note of "a", then env.memory_recall a 64 KiB query
;; of "a"... "b" that almost matches everywhere (found by the abi fuzzer: a naive substring
;; search compares the whole query at every position, about 7e10 comparisons, inside one
;; host call that no deadline interrupts; a fuzz input took 82 s).
;; MUST: both recalls answer at once (the search is linear): the near-miss query finds
;; nothing ("No memory found.", 16 bytes), the all-"a" query finds the note (64 bytes
;; copied, the out buffer's size); the run ends ok with exit 0.
(module
  (import "env" "memory_store" (func $store (param i32 i32) (result i32)))
  (import "env" "memory_recall" (func $recall (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 18)
  (func (export "run") (result i32)
    (local $i i32) (local $miss i32) (local $hit i32)
    ;; 1 MiB + 64 KiB of "a".
    (loop $fill
      (i64.store (local.get $i) (i64.const 0x6161616161616161))
      (local.set $i (i32.add (local.get $i) (i32.const 8)))
      (br_if $fill (i32.lt_u (local.get $i) (i32.const 0x110000))))
    (drop (call $store (i32.const 0) (i32.const 0x100000)))
    ;; The all-"a" query, then the same with its last byte made "b".
    (local.set $hit (call $recall (i32.const 0x100000) (i32.const 0x10000) (i32.const 0x110000) (i32.const 64)))
    (i32.store8 (i32.const 0x10FFFF) (i32.const 0x62))
    (local.set $miss (call $recall (i32.const 0x100000) (i32.const 0x10000) (i32.const 0x110000) (i32.const 64)))
    (if (result i32) (i32.and (i32.eq (local.get $hit) (i32.const 64)) (i32.eq (local.get $miss) (i32.const 16)))
      (then (i32.const 0))
      (else (i32.const 1))))
)
