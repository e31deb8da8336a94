# ATTACK: a section size written as the 6-byte LEB128 ff ff ff ff ff 0f, which
# overflows 32 bits.
# MUST: invalid_module (exit 9).
import wasmgen as w
open("agent.wasm", "wb").write(w.MAGIC + bytes([w.TYPE]) + b"\xff\xff\xff\xff\xff\x0f" + b"\x00" * 16)
