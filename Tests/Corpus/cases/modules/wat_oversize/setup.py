# ATTACK: binary: agent.wat is a valid module followed by 24 MiB of comments.
# MUST: invalid_module (exit 9); peak RSS stays near the base.
with open("agent.wat", "w") as f:
    f.write('(module (memory (export "memory") 1) (func (export "run") (result i32) (i32.const 0)))\n')
    line = ";; padding padding padding padding padding padding padding padding padding\n"
    f.write(line * (24 * 1024 * 1024 // len(line)))
