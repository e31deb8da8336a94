# ATTACK: binary: agent.wat whose run returns (i32.add (i32.const 1) (i32.add ...)) nested 20,000 deep.
# MUST: invalid_module (exit 9); neither the parser nor the translator overflows its stack.
depth = 20_000
text = ('(module (memory (export "memory") 1) (func (export "run") (result i32) '
        + "(i32.add (i32.const 1) " * depth + "(i32.const 0)" + ")" * depth + "))")
open("agent.wat", "w").write(text)
