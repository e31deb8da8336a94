;; ATTACK: paths whose `..` is written with fullwidth full stops (．．), dot leaders,
;; percent-encoding, backslashes, a zero-width space, an RTL override and small full stops.
;; MUST: each is an ordinary name inside data/ that does not exist: -ENOENT, never the
;; secret outside.
(module
  (import "nanos" "fs_read" (func $fs_read (param i32 i32) (result i64)))
  (import "nanos" "fs_write" (func $fs_write (param i32 i32 i32 i32) (result i32)))
  (import "nanos" "fs_list" (func $fs_list (param i32 i32) (result i64)))
  (memory (export "memory") 1)
  (data (i32.const 16) "data/\ef\bc\8e\ef\bc\8e/\ef\bc\8e\ef\bc\8e/outside/secret.txt")
  (data (i32.const 64) "data/\e2\80\a4\e2\80\a4/\e2\80\a4\e2\80\a4/outside/secret.txt")
  (data (i32.const 112) "data/\e2\80\a5/\e2\80\a5/outside/secret.txt")
  (data (i32.const 144) "data/%2e%2e/%2e%2e/outside/secret.txt")
  (data (i32.const 192) "data/..\5c..\5coutside\5csecret.txt")
  (data (i32.const 224) "data/.\e2\80\8b./.\e2\80\8b./outside/secret.txt")
  (data (i32.const 272) "data/\e2\80\ae../..\e2\80\ac/outside/secret.txt")
  (data (i32.const 320) "data/\ef\b9\92\ef\b9\92/\ef\b9\92\ef\b9\92/outside/secret.txt")
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
    ;; 1. fullwidth full stops
    (if (i64.ne (call $fs_read (i32.const 16) (i32.const 37)) (i64.const -2)) (then (return (i32.const 1))))
    ;; 2. one-dot leaders
    (if (i64.ne (call $fs_read (i32.const 64) (i32.const 37)) (i64.const -2)) (then (return (i32.const 2))))
    ;; 3. two-dot leaders
    (if (i64.ne (call $fs_read (i32.const 112) (i32.const 31)) (i64.const -2)) (then (return (i32.const 3))))
    ;; 4. percent-encoded dots
    (if (i64.ne (call $fs_read (i32.const 144) (i32.const 37)) (i64.const -2)) (then (return (i32.const 4))))
    ;; 5. backslashes
    (if (i64.ne (call $fs_read (i32.const 192) (i32.const 29)) (i64.const -2)) (then (return (i32.const 5))))
    ;; 6. dots around a zero-width space
    (if (i64.ne (call $fs_read (i32.const 224) (i32.const 35)) (i64.const -2)) (then (return (i32.const 6))))
    ;; 7. right-to-left override around dots
    (if (i64.ne (call $fs_read (i32.const 272) (i32.const 35)) (i64.const -2)) (then (return (i32.const 7))))
    ;; 8. small full stops
    (if (i64.ne (call $fs_read (i32.const 320) (i32.const 37)) (i64.const -2)) (then (return (i32.const 8))))
    (i32.const 0))
)
