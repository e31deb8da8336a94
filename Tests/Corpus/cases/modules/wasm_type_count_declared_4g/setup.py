# ATTACK: a type section whose count is 0xFFFFFFFF with one entry behind it.
# MUST: invalid_module (exit 9), fast, with no large allocation.
import wasmgen as w
payload = w.uleb(0xFFFFFFFF) + w.func_type((), (w.I32,))
open("agent.wasm", "wb").write(w.MAGIC + w.section(w.TYPE, payload))
