# ATTACK: a manifest of 8 MB (its goal), which the host parses, copies and hands over.
# MUST: either a clean refusal (exit 2, a manifest size cap) or an ok run, with the
# host's memory within the bound (8 x the manifest's size on top of the base).
goal = "g" * (8 * 1024 * 1024)
open("agent.nano", "w").write(
    "name: corpus-case\nbinary: agent.wat\ntools: [agent]\n"
    "resources: {memory: 12MB, max_steps: 10, fuel: 100000000, timeout: 2s}\npermissions: {}\n"
    "goal: " + goal + "\n")
