#!/usr/bin/env bash
# A fleet across processes on NATS JetStream, on one machine: starts nats-server on
# 127.0.0.1 (JetStream on, a temporary store), two nodes, and the orchestrator, which
# puts one job per agent on the work queue and prints the fleet's result. Everything
# it started is stopped at the end. Run from the repository root after `make examples`:
#   examples/fleet-network/run.sh [FLEET.nano]      (default: examples/fleet_ring.nano)
set -euo pipefail
NANOS=${NANOS:-$PWD/.build/release/nanos}
FLEET=${1:-examples/fleet_ring.nano}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  # Nodes first (they finish their jobs and stop), then the server.
  for pid in "${PIDS[@]:1}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]:1}"; do wait "$pid" 2>/dev/null || true; done
  kill "${PIDS[0]}" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

nats-server -a 127.0.0.1 -p -1 -js -sd "$WORK/jetstream" --ports_file_dir "$WORK" >"$WORK/nats.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do
  ports=$(ls "$WORK"/*.ports 2>/dev/null || true)
  [ -n "$ports" ] && break
  sleep 0.05
done
[ -n "$ports" ] || { echo "nats-server did not start: $(cat "$WORK/nats.log")" >&2; exit 1; }
URL=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["nats"][0])' "$ports")
echo "nats-server on $URL"

# Each node runs jobs in examples/ (where the manifests' relative paths point), under
# its own policy, with its own trace store.
for name in node-a node-b; do
  "$NANOS" node --nats "$URL" --name "$name" --root examples --policy "$HERE/node-policy.yaml" \
    --db "$WORK/$name.db" > >(sed "s/^/  [$name] /") 2>&1 &
  PIDS+=($!)
done
sleep 0.5
"$NANOS" orchestrate "$FLEET" --nats "$URL" --db "$WORK/orchestrator.db"
