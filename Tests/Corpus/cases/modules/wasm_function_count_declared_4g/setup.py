# ATTACK: a module whose function section says it holds 0xFFFFFFFF entries, with none
# behind the count: a parser that reserves room up front asks for gigabytes.
# MUST: invalid_module (exit 9), fast, with no large allocation.
import wasmgen as w
module = (w.MAGIC + w.section(w.TYPE, w.vec([w.func_type((), (w.I32,))]))
          + w.section(w.FUNCTION, w.uleb(0xFFFFFFFF)))
open("agent.wasm", "wb").write(module)
