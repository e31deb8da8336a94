# ATTACK: a binary module whose run body opens 100,000 nested blocks (0x02 0x40), then
# closes them all.
# MUST: invalid_module (exit 9); validation and translation keep their depth bounded.
import wasmgen as w
depth = 100_000
code = b"\x02\x40" * depth + b"\x0b" * depth + w.i32_const(0)
open("agent.wasm", "wb").write(w.runnable(code))
