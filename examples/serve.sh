#!/usr/bin/env bash
# nanos serve over HTTP: start the server on a free port, run the hello agent, read its
# steps, fork it at its file read with other file contents, and diff the two runs.
# Open the printed address in a browser to see the same runs in the debugger.
# Needs `make examples` first. Usage: examples/serve.sh
set -euo pipefail
cd "$(dirname "$0")/.."
NANOS="${NANOS_BIN:-.build/release/nanos}"
DB="$(mktemp -d)/runs.db"
"$NANOS" serve --root examples --port 0 --db "$DB" > "$DB.log" &
SERVER=$!
trap 'kill $SERVER' EXIT
until URL="$(grep -o 'http://[^ ]*/' "$DB.log" | head -1)" && [ -n "$URL" ]; do sleep 0.1; done
echo "debugger: $URL"

json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
RUN="$(curl -sf -XPOST "${URL}v1/runs" -d '{"manifest": "hello.nano", "wait": true}' | json "d['run']['id']")"
echo "run $RUN:"
curl -sf "${URL}v1/runs/$RUN/steps" | json "'\n'.join(f\"  {s['index']} {s['name']} ok={s['ok']}\" for s in d['steps'])"
STEP="$(curl -sf "${URL}v1/runs/$RUN/steps" | json "[s['index'] for s in d['steps'] if s['name']=='fs.read'][0]")"
FORK="$(curl -sf -XPOST "${URL}v1/runs/$RUN/fork" -d "{\"step\": $STEP, \"result_text\": \"one\\ntwo\\n\", \"wait\": true}" | json "d['run']['id']")"
echo "fork $FORK at step $STEP: $(curl -sf "${URL}v1/runs/$FORK" | json "d['run']['summary']")"
curl -sf "${URL}v1/diff?a=$RUN&b=$FORK" | json "f\"first difference: step {d['difference']['step']} ({d['difference']['field']})\""
