;; ATTACK: grow one page at a time and write to each new page, so every page is resident.
;; MUST: out_of_memory (exit 5) at resources.memory = 8MB; peak RSS within the bound.
(module
  (memory (export "memory") 1)
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
    (local $page i32)
    (loop $grow
      (local.set $page (memory.grow (i32.const 1)))
      (i32.store (i32.mul (local.get $page) (i32.const 65536)) (i32.const 1))
      (br $grow))
    (i32.const 0))
)
