(module (func (export "run") (result i32) (i32.add (i32.const 1)) (unknown.op) (br 7)))
