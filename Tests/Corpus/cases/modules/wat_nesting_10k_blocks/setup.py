# ATTACK: binary: agent.wat whose run body nests 10,000 (block ...) forms.
# MUST: invalid_module (exit 9) with a message; the host's WAT parser never overflows its stack.
depth = 10_000
text = ('(module (memory (export "memory") 1) (func (export "run") (result i32) '
        + "(block " * depth + ")" * depth + " (i32.const 0)))")
open("agent.wat", "w").write(text)
