;; ATTACK: fs_read and fs_list with `..` escapes: ../outside/secret.txt,
;; data/../../outside/secret.txt, with ./ and // mixed in, through a file (a.txt/../..).
;; MUST: each -EPERM (the path escapes the base directory); the secret never shows.
(module
  (import "nanos" "fs_read" (func $fs_read (param i32 i32) (result i64)))
  (import "nanos" "fs_write" (func $fs_write (param i32 i32 i32 i32) (result i32)))
  (import "nanos" "fs_list" (func $fs_list (param i32 i32) (result i64)))
  (memory (export "memory") 1)
  (data (i32.const 16) "../outside/secret.txt")
  (data (i32.const 48) "data/../../outside/secret.txt")
  (data (i32.const 80) "data/./../../outside/secret.txt")
  (data (i32.const 112) "data//..//..//outside/secret.txt")
  (data (i32.const 144) "./../outside/secret.txt")
  (data (i32.const 176) "data/a.txt/../../../outside/secret.txt")
  (data (i32.const 224) "data/../data/../../outside/secret.txt")
  (data (i32.const 272) "..")
  (data (i32.const 288) "data/../..")
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
    ;; 1. read ../outside/secret.txt
    (if (i64.ne (call $fs_read (i32.const 16) (i32.const 21)) (i64.const -1)) (then (return (i32.const 1))))
    ;; 2. read data/../../outside/secret.txt
    (if (i64.ne (call $fs_read (i32.const 48) (i32.const 29)) (i64.const -1)) (then (return (i32.const 2))))
    ;; 3. read data/./../../outside/secret.txt
    (if (i64.ne (call $fs_read (i32.const 80) (i32.const 31)) (i64.const -1)) (then (return (i32.const 3))))
    ;; 4. read data//..//..//outside/secret.txt
    (if (i64.ne (call $fs_read (i32.const 112) (i32.const 32)) (i64.const -1)) (then (return (i32.const 4))))
    ;; 5. read ./../outside/secret.txt
    (if (i64.ne (call $fs_read (i32.const 144) (i32.const 23)) (i64.const -1)) (then (return (i32.const 5))))
    ;; 6. read data/a.txt/../../../outside/secret.txt
    (if (i64.ne (call $fs_read (i32.const 176) (i32.const 38)) (i64.const -1)) (then (return (i32.const 6))))
    ;; 7. read data/../data/../../outside/secret.txt
    (if (i64.ne (call $fs_read (i32.const 224) (i32.const 37)) (i64.const -1)) (then (return (i32.const 7))))
    ;; 8. list ..
    (if (i64.ne (call $fs_list (i32.const 272) (i32.const 2)) (i64.const -1)) (then (return (i32.const 8))))
    ;; 9. list data/../..
    (if (i64.ne (call $fs_list (i32.const 288) (i32.const 10)) (i64.const -1)) (then (return (i32.const 9))))
    (i32.const 0))
)
