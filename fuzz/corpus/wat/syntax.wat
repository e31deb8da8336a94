(; block comment (; nested ;) ;)
(module $m
  (func $f (export "f") (import "nanos" "clock_now") (result i64))
  (memory $mem (export "memory") (data "a\62c" "\ff\00"))
  (global (export "g") (mut i64) (i64.const 0x7fff_ffff_ffff_ffff))
  (func (export "run") (result i32)
    block (result i32)
      i32.const 0
      if (result i32) i32.const 1 else i32.const 2 end
    end
    drop
    f64.const -inf f64.const 1e308 f64.mul drop
    f32.const -0x1.fffffep127 drop
    v128.const i32x4 1 2 3 4 drop
    i32.const 0
  )
)
