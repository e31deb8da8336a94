# ATTACK: binary: agent.wasm is an empty file.
# MUST: invalid_module (exit 9).
open("agent.wasm", "wb").close()
