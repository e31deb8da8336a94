#!/usr/bin/env bash
# Installs the MCP servers nanos is tested and demonstrated with, from PyPI, into a venv
# in the cache outside the clone, keyed by their versions: `mcp-server-time` (the real
# time server of examples/mcp_server_caller.nano) and `mcp`, the Python SDK whose
# MCPServer (FastMCP before mcp 2) runs the test server Tests/Fixtures/mcp_test_server.py.
#
# Idempotent: the venv's stamp is written last, so a second run only checks, and a failed
# or interrupted install leaves no stamp and is redone from scratch.
#
#   scripts/mcp-deps.sh           install what is missing, then print the variables
#   scripts/mcp-deps.sh --print   only print the variables (fails if not installed)
#
# nanos finds the servers' commands without help: a bare command name in a manifest is
# looked up in PATH, then in this venv's bin folder (docs/mcp.md). Keep the versions in
# step with Sources/NanosMCP/ServerCommand.swift (a test checks).
#
# NANOS_CACHE  cache root (default: $HOME/.cache/nanos)
set -euo pipefail

MCP_VERSION=2.3.0
MCP_SERVER_TIME_VERSION=2026.10.19
STAMP=.nanos-done

CACHE="${NANOS_CACHE:-$HOME/.cache/nanos}"
case "$CACHE" in /*) ;; *) CACHE="$PWD/$CACHE" ;; esac
VENV="$CACHE/mcp-$MCP_VERSION-time-$MCP_SERVER_TIME_VERSION/venv"

say() { echo "mcp-deps: $*" >&2; }
die() { echo "mcp-deps: $*" >&2; exit 1; }

print_vars() {
  [ -f "$VENV/$STAMP" ] || die "not installed: the MCP servers' venv $VENV; run scripts/mcp-deps.sh first"
  echo "NANOS_MCP_PYTHON=$VENV/bin/python"
  echo "NANOS_MCP_SERVER_TIME=$VENV/bin/mcp-server-time"
}

case "${1:-}" in
  "") ;;
  --print) print_vars; exit 0 ;;
  *) echo "usage: scripts/mcp-deps.sh [--print]" >&2; exit 2 ;;
esac

# A venv cannot be moved, so it is built in place and wiped when its stamp is missing.
install_servers() {
  [ -f "$VENV/$STAMP" ] && return 0
  command -v python3 >/dev/null || die "python3 is not on PATH"
  python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
    || die "mcp $MCP_VERSION needs Python 3.10 or newer; python3 is $(python3 --version 2>&1)"
  say "installing mcp $MCP_VERSION and mcp-server-time $MCP_SERVER_TIME_VERSION into $VENV"
  rm -rf "$VENV"
  mkdir -p "$(dirname "$VENV")"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check \
      "mcp==$MCP_VERSION" "mcp-server-time==$MCP_SERVER_TIME_VERSION"
  "$VENV/bin/python" -c 'from mcp.server.mcpserver import MCPServer' \
    || die "the installed mcp package has no mcp.server.mcpserver.MCPServer"
  [ -x "$VENV/bin/mcp-server-time" ] || die "pip installed no mcp-server-time command into $VENV/bin"
  touch "$VENV/$STAMP"
}

install_servers
print_vars
