#!/usr/bin/env bash
# nanos eval: the default agent's twelve-task suite (evals/default-agent) on the bundled
# model, once with 1 model thread and once with 2, each task on a fresh copy of its
# folder. Prints the table per thread count; each task's run is recorded in a store of
# its own, so a failed one can be inspected (`nanos trace show RUN --db …`) or replayed.
# Needs `make examples` first. Usage: examples/eval.sh [extra nanos eval options]
set -euo pipefail
cd "$(dirname "$0")/.."
NANOS="${NANOS_BIN:-.build/release/nanos}"
DB="$(mktemp -d)/eval.db"
for threads in 1 2; do
    # --require 0: show the table whatever the count; make test holds the floor.
    "$NANOS" eval evals/default-agent --threads "$threads" --require 0 --db "$DB" "$@"
done
echo "runs recorded in $DB (nanos runs --db $DB)"
