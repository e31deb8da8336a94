;; ATTACK: the manifest grants data/*.txt; set-up creates data/<U+202E>txt.exe, which a
;; terminal shows as "exe.txt"; the guest reads it and lists data.
;; MUST: the read is -EPERM and the listing never shows the name.
(module
  (import "nanos" "fs_read" (func $fs_read (param i32 i32) (result i64)))
  (import "nanos" "fs_write" (func $fs_write (param i32 i32 i32 i32) (result i32)))
  (import "nanos" "fs_list" (func $fs_list (param i32 i32) (result i64)))
  (memory (export "memory") 1)
  (data (i32.const 16) "data/\e2\80\aetxt.exe")
  (data (i32.const 32) "data")
  (data (i32.const 48) "exe")
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
  ;; 1 when the len bytes at ptr contain the needle, else 0.
  (func $contains (param $ptr i32) (param $len i32) (param $needle i32) (param $nlen i32) (result i32)
    (local $i i32) (local $j i32)
    (block $none
      (loop $outer
        (br_if $none (i32.gt_s (i32.add (local.get $i) (local.get $nlen)) (local.get $len)))
        (local.set $j (i32.const 0))
        (block $mismatch
          (loop $inner
            (if (i32.ge_u (local.get $j) (local.get $nlen)) (then (return (i32.const 1))))
            (br_if $mismatch (i32.ne
              (i32.load8_u (i32.add (local.get $ptr) (i32.add (local.get $i) (local.get $j))))
              (i32.load8_u (i32.add (local.get $needle) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $inner)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $outer)))
    (i32.const 0))
  (func (export "run") (result i32)
    (local $r i64)
    ;; 1. displays as exe.txt, is *.exe
    (if (i64.ne (call $fs_read (i32.const 16) (i32.const 15)) (i64.const -1)) (then (return (i32.const 1))))
    ;; 2. listing data shows a.txt and not the RTL name
    (local.set $r (call $fs_list (i32.const 32) (i32.const 4)))
    (if (i64.le_s (local.get $r) (i64.const 0)) (then (return (i32.const 2))))
    (if (call $contains (i32.wrap_i64 (local.get $r)) (i32.wrap_i64 (i64.shr_u (local.get $r) (i64.const 32))) (i32.const 48) (i32.const 3))
      (then (return (i32.const 2))))
    (i32.const 0))
)
