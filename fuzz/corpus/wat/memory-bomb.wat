(module
  (memory (export "memory") 1)
  (func (export "run") (result i32)
    (loop $grow (br_if $grow (i32.ne (memory.grow (i32.const 4)) (i32.const -1))))
    (i32.const 1)))
