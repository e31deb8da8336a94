#!/usr/bin/env bash
# Installs the web debugger's test tools from PyPI into a venv in the cache outside the
# clone, keyed by their versions: selenium (drives headless Chromium, from Debian, in
# Tests/web/test_debugger.py) and schemathesis (checks the API against /openapi.json).
#
# Idempotent: the venv's stamp is written last, so a second run only checks, and a failed
# or interrupted install leaves no stamp and is redone from scratch.
#
#   scripts/web-deps.sh           install what is missing, then print the variables
#   scripts/web-deps.sh --print   only print the variables (fails if not installed)
#
# NANOS_CACHE  cache root (default: $HOME/.cache/nanos)
set -euo pipefail

SELENIUM_VERSION=4.51.0
SCHEMATHESIS_VERSION=4.32.5
STAMP=.nanos-done

CACHE="${NANOS_CACHE:-$HOME/.cache/nanos}"
case "$CACHE" in /*) ;; *) CACHE="$PWD/$CACHE" ;; esac
VENV="$CACHE/web-selenium-$SELENIUM_VERSION-schemathesis-$SCHEMATHESIS_VERSION/venv"

say() { echo "web-deps: $*" >&2; }
die() { echo "web-deps: $*" >&2; exit 1; }

print_vars() {
  [ -f "$VENV/$STAMP" ] || die "not installed: the web test venv $VENV; run scripts/web-deps.sh first"
  echo "NANOS_WEB_PYTHON=$VENV/bin/python"
  echo "NANOS_SCHEMATHESIS=$VENV/bin/st"
}

case "${1:-}" in
  "") ;;
  --print) print_vars; exit 0 ;;
  *) echo "usage: scripts/web-deps.sh [--print]" >&2; exit 2 ;;
esac

install_tools() {
  [ -f "$VENV/$STAMP" ] && return 0
  command -v python3 >/dev/null || die "python3 is not on PATH"
  say "installing selenium $SELENIUM_VERSION and schemathesis $SCHEMATHESIS_VERSION into $VENV"
  rm -rf "$VENV"
  mkdir -p "$(dirname "$VENV")"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check \
      "selenium==$SELENIUM_VERSION" "schemathesis==$SCHEMATHESIS_VERSION"
  "$VENV/bin/python" -c 'import selenium.webdriver' || die "selenium did not install"
  [ -x "$VENV/bin/st" ] || die "pip installed no st (schemathesis) command into $VENV/bin"
  touch "$VENV/$STAMP"
}

install_tools
print_vars
