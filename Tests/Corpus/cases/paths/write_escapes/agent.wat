;; ATTACK: fs_write to ../outside/pwn.txt, out/../../outside/pwn.txt, out/../data/a.txt,
;; and over the agent's own manifest and module.
;; MUST: each -EPERM; outside/, data/a.txt, agent.nano and agent.wat are unchanged.
(module
  (import "nanos" "fs_read" (func $fs_read (param i32 i32) (result i64)))
  (import "nanos" "fs_write" (func $fs_write (param i32 i32 i32 i32) (result i32)))
  (import "nanos" "fs_list" (func $fs_list (param i32 i32) (result i64)))
  (memory (export "memory") 1)
  (data (i32.const 16) "pwned")
  (data (i32.const 32) "../outside/pwn.txt")
  (data (i32.const 64) "out/../../outside/pwn.txt")
  (data (i32.const 96) "out/../data/a.txt")
  (data (i32.const 128) "agent.nano")
  (data (i32.const 144) "./agent.wat")
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
    ;; 1. write ../outside/pwn.txt
    (if (i32.ne (call $fs_write (i32.const 32) (i32.const 18) (i32.const 16) (i32.const 5)) (i32.const -1)) (then (return (i32.const 1))))
    ;; 2. write out/../../outside/pwn.txt
    (if (i32.ne (call $fs_write (i32.const 64) (i32.const 25) (i32.const 16) (i32.const 5)) (i32.const -1)) (then (return (i32.const 2))))
    ;; 3. write out/../data/a.txt
    (if (i32.ne (call $fs_write (i32.const 96) (i32.const 17) (i32.const 16) (i32.const 5)) (i32.const -1)) (then (return (i32.const 3))))
    ;; 4. write agent.nano
    (if (i32.ne (call $fs_write (i32.const 128) (i32.const 10) (i32.const 16) (i32.const 5)) (i32.const -1)) (then (return (i32.const 4))))
    ;; 5. write ./agent.wat
    (if (i32.ne (call $fs_write (i32.const 144) (i32.const 11) (i32.const 16) (i32.const 5)) (i32.const -1)) (then (return (i32.const 5))))
    (i32.const 0))
)
