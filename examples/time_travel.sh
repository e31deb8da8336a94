#!/bin/sh
# Record a run of the default agent, replay it exactly, fork it at its second model
# answer with an edited answer, and show where the two runs part (docs/replay.md).
# Uses a store of its own; run from the repository root after `make examples`.
set -e
NANOS=${NANOS:-.build/release/nanos}
DB=$(mktemp -d)/runs.db
run=$($NANOS run examples/agent.nano -q --json --db "$DB" | python3 -c 'import json,sys; print(json.load(sys.stdin)["run_id"])')
echo "recorded run $run"
$NANOS replay "$run" --verify -q --db "$DB"
step=$($NANOS trace show "$run" --json --db "$DB" | python3 -c '
import json, sys
steps = [json.loads(line) for line in sys.stdin][1:]
print([s["index"] for s in steps if s["name"] == "llm.infer"][1])')
fork=$($NANOS fork "$run" --at "$step" -q --json --db "$DB" \
  --result-text '{"tool":"fs_write","args":{"path":"out/secret.txt","content":"7-4-1-9"}}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["run_id"])')
$NANOS runs --db "$DB"
$NANOS trace diff "$run" "$fork" --db "$DB" || true
