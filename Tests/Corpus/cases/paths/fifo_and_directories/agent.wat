;; ATTACK: set-up makes FIFOs data/fifo and out/fifo (no writer, no reader) and folders
;; data/dir and out/dir; the guest reads, writes and lists them.
;; MUST: an error for each at once: opening never blocks (the run ends well within 2 s).
(module
  (import "nanos" "fs_read" (func $fs_read (param i32 i32) (result i64)))
  (import "nanos" "fs_write" (func $fs_write (param i32 i32 i32 i32) (result i32)))
  (import "nanos" "fs_list" (func $fs_list (param i32 i32) (result i64)))
  (memory (export "memory") 1)
  (data (i32.const 16) "data/fifo")
  (data (i32.const 32) "data/dir")
  (data (i32.const 48) "out/fifo")
  (data (i32.const 64) "x")
  (data (i32.const 80) "out/dir")
  (data (i32.const 96) "x")
  (data (i32.const 112) "data/fifo")
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
    ;; 1. a FIFO: never blocks
    (if (i64.ne (call $fs_read (i32.const 16) (i32.const 9)) (i64.const -3)) (then (return (i32.const 1))))
    ;; 2. a directory
    (if (i64.ne (call $fs_read (i32.const 32) (i32.const 8)) (i64.const -3)) (then (return (i32.const 2))))
    ;; 3. write into a FIFO: never blocks
    (if (i32.ge_s (call $fs_write (i32.const 48) (i32.const 8) (i32.const 64) (i32.const 1)) (i32.const 0)) (then (return (i32.const 3))))
    ;; 4. write onto a directory
    (if (i32.ge_s (call $fs_write (i32.const 80) (i32.const 7) (i32.const 96) (i32.const 1)) (i32.const 0)) (then (return (i32.const 4))))
    ;; 5. list a FIFO
    (if (i64.ge_s (call $fs_list (i32.const 112) (i32.const 9)) (i64.const 0)) (then (return (i32.const 5))))
    (i32.const 0))
)
