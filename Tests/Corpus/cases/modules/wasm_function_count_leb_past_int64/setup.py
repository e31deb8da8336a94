# ATTACK: one imported function, then a function section whose count is a 10-byte LEB of
# 2^64 - 1 (found by the wasm fuzzer: the host added it to the import count and died on
# the overflow).
# MUST: invalid_module (exit 9), with a message, and no signal.
import wasmgen as w
imports = w.vec([w.name("nanos") + w.name("clock_now") + b"\x00" + w.uleb(0)])
module = (w.MAGIC + w.section(w.TYPE, w.vec([w.func_type((), (w.I32,))]))
          + w.section(w.IMPORT, imports)
          + w.section(w.FUNCTION, w.uleb(2**64 - 1)))
open("agent.wasm", "wb").write(module)
