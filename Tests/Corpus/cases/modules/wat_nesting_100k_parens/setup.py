# ATTACK: binary: agent.wat holding 100,000 nested parentheses inside a func.
# MUST: invalid_module (exit 9); no stack overflow in the parser.
depth = 100_000
open("agent.wat", "w").write("(module (func " + "(" * depth + ")" * depth + "))")
