# ATTACK: binary: agent.wasm is 64 MiB (a valid module plus a sparse custom section).
# MUST: invalid_module (exit 9) before the file is read: peak RSS stays near the base.
import os
import wasmgen as w
size = 64 << 20
head = w.runnable() + bytes([w.CUSTOM]) + w.uleb(size) + w.name("padding")
with open("agent.wasm", "wb") as f:
    f.write(head)
    f.truncate(len(head) + size - len(w.name("padding")))  # sparse: no disk used
