# ATTACK: a type section that claims 0x7FFFFFF0 bytes in a file of a few dozen.
# MUST: invalid_module (exit 9), with no allocation of the claimed size.
import wasmgen as w
payload = w.vec([w.func_type((), (w.I32,))])
open("agent.wasm", "wb").write(w.MAGIC + bytes([w.TYPE]) + w.uleb(0x7FFFFFF0) + payload)
