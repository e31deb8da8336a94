#!/usr/bin/env bash
# Builds the nanos fuzzers once and runs them (docs/fuzzing.md).
#
#   fuzz/run.sh build                build fuzz/.build-fuzz/bin/fuzz-<target>
#   fuzz/run.sh smoke [TARGET...]    each target for FUZZ_TIME seconds (10); fails on any finding
#   fuzz/run.sh full [TARGET...]     each target for FUZZ_RUNS executions (1000000)
#   fuzz/run.sh list                 the targets
#
# Both run modes build first, run FUZZ_JOBS fuzzers at a time (2), each on a copy of its
# seed corpus (fuzz/corpus/<target>) in a temporary folder, and print executions and
# executions per second per target. Crashes, timeouts and out-of-memory inputs go to
# fuzz/.build-fuzz/findings/<run>/<target>/ (printed at the end), libFuzzer's log of each
# target beside them.
#
# Variables: FUZZ_TIME, FUZZ_RUNS, FUZZ_JOBS, FUZZ_CONFIG (release or debug; release),
# FUZZ_TIMEOUT (seconds one input may take; 10), FUZZ_ARGS (more libFuzzer flags),
# FUZZ_KEEP_CORPUS=1 (keep the grown corpora and print where), NANOS_FUZZ_ABI_SKIP
# (imports the abi guest leaves alone, e.g. env.memory_recall), NANOS_BUILD_LOCK (the lock
# file builds take, so that builds on a small machine never overlap).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
config="${FUZZ_CONFIG:-release}"
. "$here/../scripts/lib.sh"
# The build folder is in the cache, keyed by the toolchain and the configuration, so
# that the dependencies are not compiled again in a fresh clone.
export SWIFT_SCRATCH_KEY="fuzz $config"
scratch=$(swift_scratch fuzz)
# What belongs to this clone: the links to the fuzzers, and the findings.
local_dir="$here/.build-fuzz"
bin="$local_dir/bin"
# Fast ones first, so that `full` leaves the slow ones for last.
all_targets=(json schema manifest mcp wat wasm abi)

usage() {
    sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 2
}

# Inputs are kept small enough that known deep-nesting problems (thousands of levels of
# WAT, GBNF or wasm blocks) are out of reach; see docs/fuzzing.md.
max_len() {
    case "$1" in
        abi) echo 2048 ;;
        *) echo 4096 ;;
    esac
}

build() {
    local lock="${NANOS_BUILD_LOCK:-/tmp/nanos-swift-build.lock}"
    local command=(
        swift build -c "$config" --package-path "$here" --scratch-path "$scratch" --product NanosFuzz
        --sanitize=fuzzer --sanitize=address
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -enable-testing -Xswiftc -g
    )
    swift_env
    command=(env -i "${SWIFT_ENV[@]}" "${command[@]}")
    local start=$SECONDS
    swift_drop_stale_plan "$scratch" "$config" "$here/.." Sources fuzz/Sources
    echo "fuzz: building NanosFuzz ($config, libFuzzer + AddressSanitizer)" >&2
    # gold warns once per sanitizer helper symbol; nothing in those lines needs reading.
    if command -v flock >/dev/null; then
        flock "$lock" "${command[@]}" 2>&1 | { grep -v "Cannot export local symbol" || true; } >&2
    else
        "${command[@]}" 2>&1 | { grep -v "Cannot export local symbol" || true; } >&2
    fi
    mkdir -p "$bin"
    local target
    for target in "${all_targets[@]}"; do ln -sfn "$scratch/$config/NanosFuzz" "$bin/fuzz-$target"; done
    swift_plan_built "$scratch"
    echo "fuzz: built in $((SECONDS - start)) s: $bin/fuzz-<target>" >&2
}

# run_one TARGET MODE: one fuzzer; leaves "status executions exec/s seconds" in $work/TARGET.result.
run_one() {
    local target="$1" mode="$2"
    local corpus="$work/$target" out="$findings/$target"
    mkdir -p "$corpus" "$out"
    cp "$here/corpus/$target/"* "$corpus/"
    local flags=(
        "-max_len=$(max_len "$target")" "-timeout=${FUZZ_TIMEOUT:-10}" -rss_limit_mb=4096 -detect_leaks=0
        -print_final_stats=1 "-artifact_prefix=$out/"
    )
    [[ -f "$here/dict/$target.dict" ]] && flags+=("-dict=$here/dict/$target.dict")
    if [[ "$mode" == smoke ]]; then
        flags+=("-max_total_time=${FUZZ_TIME:-10}")
    else
        flags+=("-runs=${FUZZ_RUNS:-1000000}")
    fi
    local start=$SECONDS status=ok
    # SWIFT_BACKTRACE: the Swift runtime's own crash handler reads the stack in a way
    # AddressSanitizer reports, hiding the real problem; libFuzzer prints the stack instead.
    # shellcheck disable=SC2086
    SWIFT_BACKTRACE=enable=no "$bin/fuzz-$target" "${flags[@]}" ${FUZZ_ARGS:-} "$corpus" >"$findings/$target.log" 2>&1 ||
        status=FAILED
    local runs rate
    runs=$(awk '/stat::number_of_executed_units/ {print $2}' "$findings/$target.log" | tail -1)
    rate=$(awk '/stat::average_exec_per_sec/ {print $2}' "$findings/$target.log" | tail -1)
    echo "$status ${runs:-?} ${rate:-?} $((SECONDS - start))" >"$work/$target.result"
    echo "fuzz: $target: $status, ${runs:-?} executions, ${rate:-?}/s, $((SECONDS - start)) s" >&2
}

run() {
    local mode="$1"
    shift
    local targets=("$@")
    [[ ${#targets[@]} -gt 0 ]] || targets=("${all_targets[@]}")
    local target
    for target in "${targets[@]}"; do
        [[ -d "$here/corpus/$target" ]] || { echo "fuzz: no target $target (targets: ${all_targets[*]})" >&2; exit 2; }
    done
    build
    findings="$local_dir/findings/$(date +%Y%m%d-%H%M%S)-$mode"
    work="$(mktemp -d "${TMPDIR:-/tmp}/nanos-fuzz-corpus.XXXXXX")"
    if [[ "${FUZZ_KEEP_CORPUS:-}" == 1 ]]; then
        trap 'echo "fuzz: grown corpora kept in $work" >&2' EXIT
    else
        trap 'rm -rf "$work"' EXIT
    fi
    mkdir -p "$findings"
    local jobs="${FUZZ_JOBS:-2}" start=$SECONDS
    echo "fuzz: $mode: ${targets[*]} ($jobs at a time)" >&2
    for target in "${targets[@]}"; do
        while [[ $(jobs -rp | wc -l) -ge $jobs ]]; do wait -n || true; done
        run_one "$target" "$mode" &
    done
    wait

    local failed=0 status runs rate seconds
    printf '\n%-10s %-7s %12s %10s %8s\n' target status executions "exec/s" seconds
    for target in "${targets[@]}"; do
        [[ -f "$work/$target.result" ]] || echo "FAILED ? ? ?" >"$work/$target.result"
        read -r status runs rate seconds <"$work/$target.result"
        printf '%-10s %-7s %12s %10s %8s\n' "$target" "$status" "$runs" "$rate" "$seconds"
        [[ "$status" == ok ]] || failed=1
    done
    echo "total: $((SECONDS - start)) s; logs and findings in $findings" >&2
    if [[ $failed == 1 ]]; then
        echo >&2
        for target in "${targets[@]}"; do
            local found
            found=$(find "$findings/$target" -type f 2>/dev/null)
            [[ -n "$found" ]] || continue
            echo "fuzz: $target found:" >&2
            echo "$found" | sed 's/^/  /' >&2
            grep -m1 -E "^(==[0-9]+==ERROR|.*Fatal error|nanos fuzz: property)" "$findings/$target.log" | sed 's/^/  /' >&2 || true
            echo "  reproduce: SWIFT_BACKTRACE=enable=no $bin/fuzz-$target $(echo "$found" | head -1)" >&2
        done
        echo "fuzz: FAILED (logs: $findings/<target>.log)" >&2
        exit 1
    fi
}

case "${1:-}" in
    build) build ;;
    smoke | full)
        mode="$1"
        shift
        run "$mode" "$@"
        ;;
    list) printf '%s\n' "${all_targets[@]}" ;;
    *) usage ;;
esac
