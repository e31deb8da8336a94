# ATTACK: run declares 100,000,000 i64 locals (800 MB per frame), within the format's
# 2^32 limit but far over what an engine should accept (web engines: 50,000).
# MUST: invalid_module (exit 9) at load.
import wasmgen as w
open("agent.wasm", "wb").write(w.runnable(w.i32_const(0), run_locals=[(100_000_000, w.I64)]))
