# ATTACK: a valid module with 1,000,001 empty functions (4 MB), one over the limit web
# engines apply, each one host-side metadata.
# MUST: invalid_module (exit 9) before the host builds a million functions.
import wasmgen as w
count = 1_000_001
types = w.vec([w.func_type((), (w.I32,)), w.func_type()])
functions = w.uleb(count + 1) + w.uleb(0) + b"\x01" * count
empty = w.body(b"")
code = w.uleb(count + 1) + w.body(w.i32_const(0)) + empty * count
module = (w.MAGIC + w.section(w.TYPE, types) + w.section(w.FUNCTION, functions)
          + w.section(w.MEMORY, w.vec([b"\x00\x01"]))
          + w.section(w.EXPORT, w.vec([w.name("memory") + b"\x02\x00", w.name("run") + b"\x00\x00"]))
          + w.section(w.CODE, code))
open("agent.wasm", "wb").write(module)
