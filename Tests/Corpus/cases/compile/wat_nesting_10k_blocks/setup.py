# ATTACK: nanos compile agent.wat, where agent.wat nests 10,000 levels.
# MUST: exit 1 with an error message; no crash (the parser's recursion is bounded).
depth = 10000
open("agent.wat", "w").write('(module (memory (export "memory") 1) (func (export "run") (result i32) ' + '(block ' * depth + ')' * depth + ' (i32.const 0)))')
