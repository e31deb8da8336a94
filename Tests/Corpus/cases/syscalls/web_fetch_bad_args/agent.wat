;; ATTACK: web_fetch with bad ranges, 8 KiB + 1 bytes of URL, an invalid UTF-8 host, a
;; userinfo trick (example.com@evil.example.net) and a NUL in the host.
;; MUST: -EINVAL / -E2BIG for the ranges and for a URL that does not parse (invalid
;; UTF-8 in the host), -EPERM for every host that is not example.com.
(module
  (import "nanos" "web_fetch" (func $web_fetch (param i32 i32) (result i64)))
  (memory (export "memory") 1)
  (data (i32.const 16) "http://\ff\fe/")
  (data (i32.const 32) "http://example.com@evil.example.net/")
  (data (i32.const 80) "http://example.com\00.evil.example.net/")
  (data (i32.const 128) "http://127.0.0.1:9/")
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
    (local $r i64)
    ;; 1. url past the end of memory
    (if (i64.ne (call $web_fetch (i32.const 65530) (i32.const 100)) (i64.const -3)) (then (return (i32.const 1))))
    ;; 2. wrapping range
    (if (i64.ne (call $web_fetch (i32.const -16) (i32.const 32)) (i64.const -3)) (then (return (i32.const 2))))
    ;; 3. negative length
    (if (i64.ne (call $web_fetch (i32.const 16) (i32.const -1)) (i64.const -3)) (then (return (i32.const 3))))
    ;; 4. url over 8 KiB
    (if (i64.ne (call $web_fetch (i32.const 0) (i32.const 8193)) (i64.const -4)) (then (return (i32.const 4))))
    ;; 5. invalid UTF-8 host: not a URL
    (if (i64.ne (call $web_fetch (i32.const 16) (i32.const 10)) (i64.const -3)) (then (return (i32.const 5))))
    ;; 6. userinfo trick: the host is evil.example.net
    (if (i64.ne (call $web_fetch (i32.const 32) (i32.const 36)) (i64.const -1)) (then (return (i32.const 6))))
    ;; 7. NUL inside the host name: refused as not allowed or not a URL
    (local.set $r (call $web_fetch (i32.const 80) (i32.const 37)))
    (if (i32.and (i64.ne (local.get $r) (i64.const -1)) (i64.ne (local.get $r) (i64.const -3))) (then (return (i32.const 7))))
    ;; 8. an allowed address where nothing listens: EIO, never a crash
    (if (i64.ge_s (call $web_fetch (i32.const 128) (i32.const 19)) (i64.const 0)) (then (return (i32.const 8))))
    (i32.const 0))
)
