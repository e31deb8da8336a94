# ATTACK: run declares 0xFFFFFFFF i32 locals in one entry: a frame no stack can hold.
# MUST: invalid_module (exit 9) at load, never an allocation of that size.
import wasmgen as w
open("agent.wasm", "wb").write(w.runnable(w.i32_const(0), run_locals=[(0xFFFFFFFF, w.I32)]))
