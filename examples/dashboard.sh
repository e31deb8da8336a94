#!/usr/bin/env bash
# The terminal dashboard, three ways. Needs `make examples` first.
#   examples/dashboard.sh            run the newsroom fleet here and watch it
#   examples/dashboard.sh serve      start `nanos serve`, run the hello agent through it,
#                                    and watch the server (Enter on a run, f to fork a step)
#   examples/dashboard.sh store      browse the runs recorded in the trace store
# In the dashboard: ↑↓ move, Enter steps, Esc back, f fork, c cancel, ? help, q quit.
set -euo pipefail
cd "$(dirname "$0")/.."
NANOS="${NANOS_BIN:-.build/release/nanos}"
case "${1:-fleet}" in
fleet) exec "$NANOS" dashboard examples/fleet.nano ;;
store) exec "$NANOS" dashboard ;;
serve)
  DB="$(mktemp -d)/runs.db"
  "$NANOS" serve --root examples --port 0 --db "$DB" > "$DB.log" &
  SERVER=$!
  trap 'kill $SERVER' EXIT
  until URL="$(grep -o 'http://[^ ]*/' "$DB.log" | head -1)" && [ -n "$URL" ]; do sleep 0.1; done
  curl -sf -XPOST "${URL}v1/runs" -d '{"manifest": "hello.nano", "wait": true}' > /dev/null
  "$NANOS" dashboard --attach "$URL"
  ;;
*) echo "usage: examples/dashboard.sh [fleet|serve|store]" >&2; exit 2 ;;
esac
