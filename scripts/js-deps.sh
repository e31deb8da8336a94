#!/usr/bin/env bash
# Fetches the QuickJS-ng sources that JS/TS guests are built from into a cache outside
# the clone, keyed by version. The source comes only from PyPI: the sdist of the
# quickjs-ng Python binding carries the upstream engine in upstream-quickjs/. Nothing
# is compiled here: `nanos compile` builds the runtime with its own toolchain logic.
#
# Idempotent: the finished folder holds a stamp, written last, so a second run only
# checks. An interrupted run leaves no stamp and is redone from scratch.
#
#   scripts/js-deps.sh           fetch what is missing, then print the variable
#   scripts/js-deps.sh --print   only print the variable (fails if not fetched)
#
# NANOS_CACHE  cache root (default: $HOME/.cache/nanos)
set -euo pipefail

# The version lives in one file, read by this script and by the Swift side.
VERSION_FILE="$(dirname "$0")/../guest/js/runtime/QUICKJS_VERSION"
QUICKJS_VERSION=$(tr -d '[:space:]' <"$VERSION_FILE")
STAMP=.nanos-done

say() { echo "js-deps: $*" >&2; }
die() { echo "js-deps: $*" >&2; exit 1; }

case "$QUICKJS_VERSION" in
  [0-9]*.[0-9]*) ;;
  *) die "$VERSION_FILE: expected a version such as 0.17.0.2, found '$QUICKJS_VERSION'" ;;
esac

CACHE="${NANOS_CACHE:-$HOME/.cache/nanos}"
case "$CACHE" in /*) ;; *) CACHE="$PWD/$CACHE" ;; esac  # callers pass it to compilers from other folders
SOURCE="$CACHE/quickjs-ng-$QUICKJS_VERSION"
ENGINE_FILES=(quickjs.c quickjs.h libregexp.c libunicode.c dtoa.c cutils.h)

fetched() { [ -f "$SOURCE/$STAMP" ] && [ -f "$SOURCE/upstream-quickjs/quickjs.c" ]; }

print_vars() {
  fetched || die "QuickJS-ng $QUICKJS_VERSION is not in $SOURCE: run scripts/js-deps.sh first"
  echo "NANOS_QUICKJS_SOURCE=$SOURCE/upstream-quickjs"
}

case "${1:-}" in
  "") ;;
  --print) print_vars; exit 0 ;;
  *) echo "usage: scripts/js-deps.sh [--print]" >&2; exit 2 ;;
esac

. "$(dirname "$0")/lib.sh"

# pip does the download (it verifies the archive against PyPI's hash). Debian's python3
# has no pip module until python3-pip is installed.
ensure_pip() {
  command -v python3 >/dev/null || die "python3 is not on PATH"
  python3 -m pip --version >/dev/null 2>&1 && return 0
  command -v dpkg-query >/dev/null || die "python3 has no pip module (python3 -m pip); install pip"
  apt_ensure python3-pip
}

# Downloads and unpacks into $SOURCE.tmp, checks it, then renames it into place, so
# $SOURCE is either complete or absent.
fetch_source() {
  fetched && return 0
  ensure_pip
  say "downloading quickjs-ng $QUICKJS_VERSION (sdist) into $SOURCE"
  local tmp="$SOURCE.tmp"
  mkdir -p "$CACHE"
  rm -rf "$tmp"
  mkdir "$tmp"
  python3 -m pip download -q --disable-pip-version-check --no-binary :all: --no-deps \
      "quickjs-ng==$QUICKJS_VERSION" -d "$tmp/sdist" \
    || die "pip could not download the quickjs-ng $QUICKJS_VERSION sdist"
  local archive=("$tmp"/sdist/quickjs_ng-"$QUICKJS_VERSION".tar.gz)
  [ -f "${archive[0]}" ] || die "pip did not leave quickjs_ng-$QUICKJS_VERSION.tar.gz in $tmp/sdist"
  tar -xzf "${archive[0]}" -C "$tmp" --strip-components=1
  rm -rf "$tmp/sdist"
  local file
  for file in "${ENGINE_FILES[@]}"; do
    [ -f "$tmp/upstream-quickjs/$file" ] || die "the sdist has no upstream-quickjs/$file"
  done
  printf '%s' "$QUICKJS_VERSION" >"$tmp/$STAMP"
  rm -rf "$SOURCE"
  mv "$tmp" "$SOURCE"
}

fetch_source
print_vars
