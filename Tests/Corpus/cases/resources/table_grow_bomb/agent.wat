;; ATTACK: table.grow by 100,000 entries in a loop, and once by 0x7FFFFFFF.
;; MUST: table.grow answers -1 (refused) before the table reaches 10,000,000 entries;
;; the guest returns 0 when it does, 1 if the table kept growing.
(module
  (memory (export "memory") 1)
  (table $t 0 funcref)
  (func (export "run") (result i32)
    (local $i i32)
    (if (i32.ne (table.grow $t (ref.null func) (i32.const 2147483647)) (i32.const -1)) (then (return (i32.const 2))))
    (loop $again
      (if (i32.eq (table.grow $t (ref.null func) (i32.const 100000)) (i32.const -1)) (then (return (i32.const 0))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $i) (i32.const 100))))
    (i32.const 1)))
