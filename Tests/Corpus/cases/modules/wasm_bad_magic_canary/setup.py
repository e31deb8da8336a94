# ATTACK: binary: agent.wasm starts with the text NANOS-CANARY-1f2e3d4c5b6a and is not
# WebAssembly at all.
# MUST: invalid_module (exit 9), and neither stdout nor stderr echoes the file's first bytes,
# as text, hex or a list of numbers.
open("agent.wasm", "wb").write(b"NANOS-CANARY-1f2e3d4c5b6a: this file is not WebAssembly\n" * 4)
