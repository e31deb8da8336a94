# ATTACK: a valid module truncated in the middle of its last section.
# MUST: invalid_module (exit 9).
import wasmgen as w
module = w.runnable(w.i32_const(0) * 50 + b"\x1a" * 49)
open("agent.wasm", "wb").write(module[: len(module) - 40])
