# ATTACK: goal: [[[[...]]]], 100,000 flow sequences deep: a recursive composer or reader
# overflows its stack.
# MUST: refused at load (exit 2) with a message, no crash.
depth = 100_000
head = "name: corpus-case\nbinary: agent.wat\nresources: {memory: 1MB, max_steps: 10, fuel: 1000000, timeout: 2s}\npermissions: {}\n"
open("agent.nano", "w").write(head + "goal: " + "[" * depth + "]" * depth + "\n")
