# Shared by the set-up scripts: run as root, and install Debian packages only when missing.
# Source it: . "$(dirname "$0")/lib.sh"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "nanos set-up: need root to run: $*" >&2; exit 1; fi
}

# apt_ensure PKG...: installs the packages that are not installed yet; a no-op otherwise.
apt_ensure() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "nanos set-up: installing ${missing[*]}" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# swift_scratch KIND: prints a SwiftPM build folder for builds of KIND, keyed by the
# toolchain's version and the arguments in SWIFT_SCRATCH_KEY (the build flags), under
# NANOS_SWIFT_BUILD (default: the cache's swift-build/). The dependencies' build products
# stay there between clones, so a fresh clone compiles only nanos's own modules. The
# manifests are not in the key: SwiftPM rebuilds what a manifest change touches in place,
# while a new folder (a new path in every command) would compile everything again. The
# two newest folders of a kind are kept; older ones are removed.
swift_scratch() {
  local kind="$1"
  local cache="${NANOS_CACHE:-$HOME/.cache/nanos}"
  case "$cache" in /*) ;; *) cache="$PWD/$cache" ;; esac
  local key
  key=$({ swift --version 2>/dev/null; echo "${SWIFT_SCRATCH_KEY:-}"; } | sha256sum | cut -c1-16)
  local root="${NANOS_SWIFT_BUILD:-$cache/swift-build}"
  mkdir -p "$root/$kind-$key"
  touch "$root/$kind-$key"
  local old
  for old in $(ls -1dt "$root/$kind-"* 2>/dev/null | tail -n +3); do rm -rf "$old"; done
  echo "$root/$kind-$key"
}

# swift_env: the fixed environment Swift builds run in (`env -i` plus these), because
# SwiftPM recompiles everything when the environment differs from the last build's
# (make's MAKEFLAGS, a script's own variables): what the toolchain and the root
# Package.swift read, and proxies for fetching dependencies.
swift_env() {
  local name
  SWIFT_ENV=()
  for name in PATH HOME USER TMPDIR LANG LC_ALL NANOS_CACHE LLAMA_PREFIX NANOS_GPU \
    http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY; do
    [[ -n "${!name:-}" ]] && SWIFT_ENV+=("$name=${!name}")
  done
  return 0
}

# swift_drop_stale_plan SCRATCH CONFIG ROOT DIR...: SwiftPM can keep a stale list of the
# root package's source files (a file added there is never compiled, and the link
# fails). When the Swift files under ROOT's DIRs, or the clone ROOT itself, differ from
# the last build's, the build plan in SCRATCH is dropped so that it is made again. Sets
# SWIFT_SOURCES, which swift_plan_built records once the build is done.
swift_drop_stale_plan() {
  local scratch="$1" config="$2" root="$3"; shift 3
  SWIFT_SOURCES=$(cd "$root" && { pwd; find "$@" -name '*.swift' 2>/dev/null | sort; } | cksum)
  if [[ "$(cat "$scratch/sources.cksum" 2>/dev/null)" != "$SWIFT_SOURCES" ]]; then
    rm -f "$scratch/$config.yaml" "$scratch/$config/description.json"
  fi
}

# swift_plan_built SCRATCH: records the listing swift_drop_stale_plan saw.
swift_plan_built() {
  echo "$SWIFT_SOURCES" > "$1/sources.cksum"
}
