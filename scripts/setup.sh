#!/usr/bin/env bash
# Installs what nanos needs to build and test, and nothing that is already there.
# Idempotent: a second run only checks. Third-party sources that are built (later:
# llama.cpp, QuickJS, the default model) go into a cache outside the clone, keyed by
# version: ${NANOS_CACHE:-$HOME/.cache/nanos}.
set -euo pipefail

APT_PACKAGES=(
  wasi-libc                  # libc for C guests (headers + wasm32 libs)
  libclang-rt-19-dev-wasm32  # compiler-rt builtins for wasm32 guests
  python3                    # benchmark anchor (`python3 -c pass`)
  esbuild                    # bundles JS/TS agents (`nanos compile agent.ts`)
  node-typescript            # `nanos compile --typecheck`; brings node, the JS boot anchor
  python3-venv               # venvs of llm-deps.sh and mcp-deps.sh (Debian's python3 lacks venv without it)
  libsqlite3-dev             # SQLite for the trace store (GRDB)
  strace                     # tests check that a replay touches no file, network or process
  tmux                       # the dashboard tests drive it in a tmux pane
  chromium                   # the web debugger's end-to-end test (headless)
  chromium-driver            # selenium drives chromium through it
  libnats-dev                # the NATS C client: fleets across machines (JetStream)
  nats-server                # the fleet network tests start one on 127.0.0.1
)

. "$(dirname "$0")/lib.sh"
apt_ensure "${APT_PACKAGES[@]}"

command -v swift >/dev/null || { echo "setup: the Swift toolchain (swift) is not on PATH" >&2; exit 1; }

CACHE="${NANOS_CACHE:-$HOME/.cache/nanos}"
mkdir -p "$CACHE"
echo "setup: ok (cache: $CACHE)"
