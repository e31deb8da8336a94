;; ATTACK: set-up starts a background process that atomically swaps out/d between a
;; symlink to out/real/ and a symlink to <outside>; the guest writes out/d/pwn.txt 1,500 times.
;; MUST: no write ever lands outside: outside/ is unchanged after the run.
(module
  (import "nanos" "fs_write" (func $fs_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "out/d/pwn.txt")
  (data (i32.const 32) "PWNED by a swap race")
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
    (local $i i32)
    ;; Writes out/d/pwn.txt 1,500 times while set-up's background process swaps out/d
    ;; between a folder inside out/ and a symlink to <outside>; the outcome of each write is
    ;; not checked here: the harness checks that outside/ never changes.
    (local.set $i (i32.const 0))
    (loop $again
      (drop (call $fs_write (i32.const 16) (i32.const 13) (i32.const 32) (i32.const 20)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $i) (i32.const 1500))))
    (i32.const 0))
)
