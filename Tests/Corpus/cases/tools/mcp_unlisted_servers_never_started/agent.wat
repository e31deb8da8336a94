;; ATTACK: mcp_call on servers the manifest does not list: unlisted, sh, ./evil.sh,
;; /bin/sh, LISTED, 'listed ', evil.sh, and listed followed by NUL.
;; MUST: -ENOENT (or -EINVAL for the NUL) for each; nothing is started: the listed
;; server (evil.sh, which leaves a MARKER) is never named exactly, so it never runs.
(module
  (import "nanos" "mcp_call" (func $mcp_call (param i32 i32 i32 i32 i32 i32) (result i64)))
  (memory (export "memory") 1)
  (data (i32.const 16) "tool")
  (data (i32.const 32) "{}")
  (data (i32.const 48) "unlisted")
  (data (i32.const 64) "sh")
  (data (i32.const 80) "./evil.sh")
  (data (i32.const 96) "/bin/sh")
  (data (i32.const 112) "LISTED")
  (data (i32.const 128) "listed ")
  (data (i32.const 144) "evil.sh")
  (data (i32.const 160) "listed\00")
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
    ;; 1. server 'unlisted' is not listed
    (if (i64.ne (call $mcp_call (i32.const 48) (i32.const 8) (i32.const 16) (i32.const 4) (i32.const 32) (i32.const 2)) (i64.const -2)) (then (return (i32.const 1))))
    ;; 2. server 'sh' is not listed
    (if (i64.ne (call $mcp_call (i32.const 64) (i32.const 2) (i32.const 16) (i32.const 4) (i32.const 32) (i32.const 2)) (i64.const -2)) (then (return (i32.const 2))))
    ;; 3. server './evil.sh' is not listed
    (if (i64.ne (call $mcp_call (i32.const 80) (i32.const 9) (i32.const 16) (i32.const 4) (i32.const 32) (i32.const 2)) (i64.const -2)) (then (return (i32.const 3))))
    ;; 4. server '/bin/sh' is not listed
    (if (i64.ne (call $mcp_call (i32.const 96) (i32.const 7) (i32.const 16) (i32.const 4) (i32.const 32) (i32.const 2)) (i64.const -2)) (then (return (i32.const 4))))
    ;; 5. server 'LISTED' is not listed
    (if (i64.ne (call $mcp_call (i32.const 112) (i32.const 6) (i32.const 16) (i32.const 4) (i32.const 32) (i32.const 2)) (i64.const -2)) (then (return (i32.const 5))))
    ;; 6. server 'listed ' is not listed
    (if (i64.ne (call $mcp_call (i32.const 128) (i32.const 7) (i32.const 16) (i32.const 4) (i32.const 32) (i32.const 2)) (i64.const -2)) (then (return (i32.const 6))))
    ;; 7. server 'evil.sh' is not listed
    (if (i64.ne (call $mcp_call (i32.const 144) (i32.const 7) (i32.const 16) (i32.const 4) (i32.const 32) (i32.const 2)) (i64.const -2)) (then (return (i32.const 7))))
    ;; 8. listed with a trailing NUL
    (if (i64.ge_s (call $mcp_call (i32.const 160) (i32.const 7) (i32.const 16) (i32.const 4) (i32.const 32) (i32.const 2)) (i64.const 0)) (then (return (i32.const 8))))
    (i32.const 0))
)
