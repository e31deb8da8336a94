#!/usr/bin/env bash
# Builds nanos with SwiftPM in a build folder in the cache (scripts/lib.sh, swift_scratch),
# keyed by the toolchain and the flags below, so that a fresh clone with a warm cache
# compiles only nanos's own modules and not its dependencies again.
#
#   scripts/swift-build.sh build [ARGS]   swift build ARGS (--product nanos, --build-tests), then
#                                         copy the binary to .build/release/nanos
#   scripts/swift-build.sh test [ARGS]    swift test --skip-build, on what `build` built
#   scripts/swift-build.sh scratch        print the build folder
#
# One clone uses the folder at a time: another clone's build there replaces this clone's
# modules, so run one clone's `make test` at a time. Builds wait on NANOS_BUILD_LOCK, so
# that two never overlap on a small machine. Every build uses the same flags
# (-enable-testing included), so that `make run` and `make test` share one build instead
# of recompiling each other's.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/lib.sh

# No manifest cache: SwiftPM's would keep a manifest read before llama.cpp was in the
# cache (the core-only package) after it is there.
FLAGS=(-c release -Xswiftc -enable-testing --manifest-cache none)
export SWIFT_SCRATCH_KEY="${FLAGS[*]} ${NANOS_GPU:-}"
scratch=$(swift_scratch nanos)

case "${1:-}" in
  scratch) echo "$scratch" ;;
  build)
    shift
    swift_env
    start=$SECONDS
    swift_drop_stale_plan "$scratch" release "$PWD" Sources Tests
    flock "${NANOS_BUILD_LOCK:-/tmp/nanos-swift-build.lock}" env -i "${SWIFT_ENV[@]}" \
      swift build "${FLAGS[@]}" --scratch-path "$scratch" "$@"
    mkdir -p .build/release
    cp -f "$scratch/release/nanos" .build/release/nanos
    swift_plan_built "$scratch"
    echo "swift-build: built in $((SECONDS - start)) s in $scratch; the binary is .build/release/nanos" >&2
    ;;
  test)
    shift
    # The tests that compile guests find the SDK from their own executable's folder,
    # which is in the build folder, not in this clone.
    export NANOS_GUEST_DIR="${NANOS_GUEST_DIR:-$PWD/guest}"
    exec swift test "${FLAGS[@]}" --scratch-path "$scratch" --skip-build "$@"
    ;;
  *) sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
