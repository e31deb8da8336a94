;; ATTACK: the manifest grants data/café.txt (NFC, U+00E9); set-up creates the NFD
;; file data/café.txt (e + U+0301) holding a decoy; the guest reads the NFD name.
;; MUST: -EPERM: grants compare bytes, with no Unicode normalisation; the NFC name is
;; -ENOENT.
(module
  (import "nanos" "fs_read" (func $fs_read (param i32 i32) (result i64)))
  (import "nanos" "fs_write" (func $fs_write (param i32 i32 i32 i32) (result i32)))
  (import "nanos" "fs_list" (func $fs_list (param i32 i32) (result i64)))
  (memory (export "memory") 1)
  (data (i32.const 16) "data/cafe\cc\81.txt")
  (data (i32.const 32) "data/caf\c3\a9.txt")
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
    ;; 1. the NFD name is not the granted NFC name
    (if (i64.ne (call $fs_read (i32.const 16) (i32.const 15)) (i64.const -1)) (then (return (i32.const 1))))
    ;; 2. the granted NFC name does not exist
    (if (i64.ne (call $fs_read (i32.const 32) (i32.const 14)) (i64.const -2)) (then (return (i32.const 2))))
    (i32.const 0))
)
