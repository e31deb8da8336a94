;; ATTACK: fs_read of /etc/passwd, /proc/self/environ, //etc//passwd, /../../etc/passwd,
;; /proc/self/root/etc/passwd and /dev/zero; fs_list of /, /etc and /proc/self/fd.
;; MUST: each -EPERM.
(module
  (import "nanos" "fs_read" (func $fs_read (param i32 i32) (result i64)))
  (import "nanos" "fs_write" (func $fs_write (param i32 i32 i32 i32) (result i32)))
  (import "nanos" "fs_list" (func $fs_list (param i32 i32) (result i64)))
  (memory (export "memory") 1)
  (data (i32.const 16) "/etc/passwd")
  (data (i32.const 32) "/proc/self/environ")
  (data (i32.const 64) "//etc//passwd")
  (data (i32.const 80) "/../../etc/passwd")
  (data (i32.const 112) "/proc/self/root/etc/passwd")
  (data (i32.const 144) "/dev/zero")
  (data (i32.const 160) "/")
  (data (i32.const 176) "/etc")
  (data (i32.const 192) "/proc/self/fd")
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
    ;; 1. read /etc/passwd
    (if (i64.ne (call $fs_read (i32.const 16) (i32.const 11)) (i64.const -1)) (then (return (i32.const 1))))
    ;; 2. read /proc/self/environ
    (if (i64.ne (call $fs_read (i32.const 32) (i32.const 18)) (i64.const -1)) (then (return (i32.const 2))))
    ;; 3. read //etc//passwd
    (if (i64.ne (call $fs_read (i32.const 64) (i32.const 13)) (i64.const -1)) (then (return (i32.const 3))))
    ;; 4. read /../../etc/passwd
    (if (i64.ne (call $fs_read (i32.const 80) (i32.const 17)) (i64.const -1)) (then (return (i32.const 4))))
    ;; 5. read /proc/self/root/etc/passwd
    (if (i64.ne (call $fs_read (i32.const 112) (i32.const 26)) (i64.const -1)) (then (return (i32.const 5))))
    ;; 6. read /dev/zero
    (if (i64.ne (call $fs_read (i32.const 144) (i32.const 9)) (i64.const -1)) (then (return (i32.const 6))))
    ;; 7. list /
    (if (i64.ne (call $fs_list (i32.const 160) (i32.const 1)) (i64.const -1)) (then (return (i32.const 7))))
    ;; 8. list /etc
    (if (i64.ne (call $fs_list (i32.const 176) (i32.const 4)) (i64.const -1)) (then (return (i32.const 8))))
    ;; 9. list /proc/self/fd
    (if (i64.ne (call $fs_list (i32.const 192) (i32.const 13)) (i64.const -1)) (then (return (i32.const 9))))
    (i32.const 0))
)
