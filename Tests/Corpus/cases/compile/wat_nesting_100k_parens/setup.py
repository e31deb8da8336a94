# ATTACK: nanos compile agent.wat, where agent.wat nests 100,000 levels.
# MUST: exit 1 with an error message; no crash (the parser's recursion is bounded).
depth = 100000
open("agent.wat", "w").write('(module (func ' + '(' * depth + ')' * depth + '))')
