#!/usr/bin/env bash
# The web tests of `make test`, against the built binary:
#   1. schemathesis checks every route of a running `nanos serve` against its /openapi.json
#      (every status, content type, header and body conforms; no 5xx; bad input refused);
#   2. the debugger end to end in headless Chromium (Tests/web/test_debugger.py), which
#      starts its own server and saves screenshots in .build/web-screenshots.
# Each server gets its own trace store and is stopped on exit.
#
#   NANOS_BIN        the nanos binary (default: .build/release/nanos)
#   WEB_EXAMPLES     schemathesis examples per operation (default: 25)
set -euo pipefail
cd "$(dirname "$0")/.."

NANOS_BIN="${NANOS_BIN:-$PWD/.build/release/nanos}"
eval "$(bash scripts/web-deps.sh --print)"
WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# A server on a free port; its address is read from what it prints.
"$NANOS_BIN" serve --root examples --port 0 --db "$WORK/runs.db" > "$WORK/serve.log" 2>&1 &
SERVER_PID=$!
ADDRESS=""
for _ in $(seq 1 200); do
  ADDRESS="$(grep -o 'listening on http://[^ ]*/' "$WORK/serve.log" | head -1 | sed 's/listening on //')" || true
  [ -n "$ADDRESS" ] && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/serve.log" >&2; echo "web-tests: nanos serve exited" >&2; exit 1; }
  sleep 0.05
done
[ -n "$ADDRESS" ] || { echo "web-tests: nanos serve printed no address" >&2; exit 1; }

echo "web-tests: schemathesis against ${ADDRESS}openapi.json"
"$NANOS_SCHEMATHESIS" --config-file Tests/web/schemathesis.toml run "${ADDRESS}openapi.json" --url "${ADDRESS%/}" --checks all \
  --max-examples "${WEB_EXAMPLES:-25}" --seed 1 --request-timeout 60 --no-color

kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""

echo "web-tests: the debugger in headless Chromium"
NANOS_BIN="$NANOS_BIN" "$NANOS_WEB_PYTHON" Tests/web/test_debugger.py
