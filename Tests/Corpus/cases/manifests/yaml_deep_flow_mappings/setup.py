# ATTACK: permissions: {a: {a: {a: ...}}}, 100,000 flow mappings deep, where a mapping of
# lists is expected: a recursive composer or reader overflows its stack.
# MUST: refused at load (exit 2) with a message, no crash.
depth = 100_000
head = "name: corpus-case\nbinary: agent.wat\nresources: {memory: 1MB, max_steps: 10, fuel: 1000000, timeout: 2s}\n"
open("agent.nano", "w").write(head + "permissions: " + "{a: " * depth + "b" + "}" * depth + "\n")
