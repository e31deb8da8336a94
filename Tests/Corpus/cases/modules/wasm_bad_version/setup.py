# ATTACK: the wasm magic followed by version 2.
# MUST: invalid_module (exit 9).
import wasmgen as w
open("agent.wasm", "wb").write(b"\x00asm\x02\x00\x00\x00" + w.runnable()[8:])
