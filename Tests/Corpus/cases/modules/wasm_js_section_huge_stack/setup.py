# ATTACK: a module with a nanos.js custom section (the one JS agents carry) asking for
# stack_bytes = 1 TiB, and a run that recurses forever to touch all of it.
# MUST: a trap (exit 8, call stack exhausted) with the stack capped at the JS default:
# the host's memory stays within the bound of a 64 MiB stack.
import json
import wasmgen as w
types = w.vec([w.func_type((), (w.I32,)), w.func_type()])
functions = w.vec([w.uleb(0), w.uleb(1)])
code = w.vec([w.body(b"\x10\x01" + w.i32_const(0)), w.body(b"\x10\x01")])
custom = w.section(w.CUSTOM, w.name("nanos.js") + json.dumps({"runtime": "corpus", "stack_bytes": 1 << 40}).encode())
module = (w.MAGIC + w.section(w.TYPE, types) + w.section(w.FUNCTION, functions)
          + w.section(w.MEMORY, w.vec([b"\x00\x01"]))
          + w.section(w.EXPORT, w.vec([w.name("memory") + b"\x02\x00", w.name("run") + b"\x00\x00"]))
          + w.section(w.CODE, code) + custom)
open("agent.wasm", "wb").write(module)
