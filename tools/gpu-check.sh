#!/usr/bin/env bash
# tools/gpu-check.sh - build, test and run actbench's CUDA backend on a GPU machine in one call.
#
#   bash tools/gpu-check.sh             on the GPU machine, $OUT set (logs and the report land there)
#   bash tools/gpu-check.sh --prepare   on a build machine without a GPU: builds a bundle of the two
#                                       binaries for one architecture (ACTBENCH_CUDA_ARCH, default 90)
#                                       and their non-system libraries, xz-compressed, in
#                                       build-gpu/bundle/ (about 20 MB), to carry to the GPU machine
#                                       (run tool: carry ["build-gpu/bundle"])
#
# Stages on the GPU machine, each timed.  A failing detect or build stops the script with a clear
# message; a failing later stage is recorded (RESULT: FAILED) and the next one still runs, so that one
# lease brings back every finding.  Everything written stays in $OUT:
#   1. detect    nvidia-smi: name, compute capability (e.g. 9.0 -> arch 90), driver, clocks
#   2. build     use build-gpu/bundle when it was prepared for this arch; otherwise configure a Release
#                build for that one arch in build-gpu and build actbench + actbench_gpu_tests with all
#                cores (needs the Debian -dev packages of CMakeLists.txt on the GPU machine)
#   3. tests     actbench_gpu_tests (gtest log + xml)
#   4. memcheck  compute-sanitizer --tool memcheck on a few gpu tests (skipped when not installed)
#   5. table     actbench --backend cuda --sizes 2^28 --out $OUT/<device>-<date>-n2p28.json: every case at
#                n = 2^28, the size at which docs/DESIGN.md states the speed targets
#   6. suite     actbench --backend cuda --out $OUT/<device>-<date>.json: the default suite, with what is
#                left of the budget (on timeout actbench writes the partial report: SIGINT)
# At most 8 files come back from $OUT, each cut to 15 MiB: gpu-check.log, build.log, gpu-tests.log,
# gpu-tests.xml, memcheck.log, suite.log (table + suite), the two report JSONs.
#
# Environment knobs: ACTBENCH_BUDGET (seconds for the whole script, default 390, so that a 15-minute
# device lease leaves room for one rerun), ACTBENCH_TABLE_ARGS (default "--backend cuda --sizes 2^28"),
# ACTBENCH_SUITE_ARGS (default "--backend cuda"), ACTBENCH_MEMCHECK_FILTER (gtest filter).
# shellcheck disable=SC2317  # functions below are called through stage()
set -u -o pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="$ROOT/build-gpu"
BUNDLE="$BUILD/bundle"
START=$(date +%s)

# ------------------------------------------------------------------------------------------------
# --prepare: build here (no GPU needed) and bundle.
# ------------------------------------------------------------------------------------------------
if [[ "${1:-}" == "--prepare" ]]; then
  ARCH="${ACTBENCH_CUDA_ARCH:-90}"
  echo "== prepare: Release build for sm_$ARCH in $BUILD"
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DACTBENCH_CUDA=ON -DACTBENCH_TESTS=ON \
    -DCMAKE_CUDA_ARCHITECTURES="$ARCH" || { echo "prepare: configure failed"; exit 1; }
  cmake --build "$BUILD" -j"$(nproc)" --target actbench actbench_gpu_tests || { echo "prepare: build failed"; exit 1; }
  rm -rf "$BUNDLE"
  mkdir -p "$BUNDLE/bin" "$BUNDLE/lib"
  cp "$BUILD/actbench" "$BUILD/tests/actbench_gpu_tests" "$BUNDLE/bin/"
  strip --strip-debug "$BUNDLE/bin/"* 2>/dev/null || true
  # Non-system shared libraries (fmt, benchmark, gtest, gomp ...).  Not bundled: the C/C++ runtime
  # (the GPU machine's is newer), the driver (libcuda, libnvidia-ml) and cuDNN (too large; the GPU
  # machine's Python has nvidia-cudnn-cu13, found at run time).
  for bin in "$BUNDLE/bin/"*; do
    ldd "$bin" | awk '/=> \//{print $3}'
  done | sort -u | while read -r lib; do
    case "$(basename "$lib")" in
      libc.so*|libm.so*|libstdc++.so*|libgcc_s.so*|libpthread.so*|libdl.so*|librt.so*|ld-linux*) ;;
      libcuda.so*|libnvidia-ml.so*|libcudnn*) ;;
      *) cp -L "$lib" "$BUNDLE/lib/" ;;
    esac
  done
  # Compressed (fatbins shrink ~4x with xz): the working tree and carried paths travel within 64 MiB.
  tar -C "$BUNDLE" -cJf "$BUILD/bundle.tar.xz" bin lib || { echo "prepare: tar failed"; exit 1; }
  rm -rf "${BUNDLE:?}/bin" "${BUNDLE:?}/lib"
  mv "$BUILD/bundle.tar.xz" "$BUNDLE/"
  echo "$ARCH" > "$BUNDLE/ARCH"
  { echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(hostname) from git $(git -C "$ROOT" rev-parse --short=12 HEAD 2>/dev/null)";
    git -C "$ROOT" status --short 2>/dev/null | head -50; } > "$BUNDLE/BUILT"
  du -sh "$BUNDLE" "$BUNDLE"/* 2>/dev/null
  echo "prepare: done in $(( $(date +%s) - START )) s; carry build-gpu/bundle (limit: 64 MiB with the tree)"
  exit 0
fi

# ------------------------------------------------------------------------------------------------
# On the GPU machine.
# ------------------------------------------------------------------------------------------------
if [[ -z "${OUT:-}" ]]; then
  OUT="$ROOT/build-gpu/out"
  echo "OUT is not set; writing to $OUT"
fi
mkdir -p "$OUT"
LOG="$OUT/gpu-check.log"
: > "$LOG"
SUMMARY=()
FAILED=""

say() { echo "$*" | tee -a "$LOG"; }

finish() {
  local rc=$?
  say ""
  say "== summary ($(( $(date +%s) - START )) s in all)"
  for line in "${SUMMARY[@]}"; do say "  $line"; done
  if [[ -n "$FAILED" ]]; then say "RESULT: FAILED at stage(s) $FAILED"; rc=1; else say "RESULT: all stages passed"; fi
  # Keep every returned file under the 16 MiB limit.
  for f in "$OUT"/*; do
    [[ -f "$f" ]] || continue
    if [[ $(stat -c %s "$f") -gt $((15 * 1024 * 1024)) ]]; then
      tail -c $((15 * 1024 * 1024)) "$f" > "$f.cut" && mv "$f.cut" "$f"
    fi
  done
  exit "$rc"
}
trap finish EXIT

# stage NAME LOGFILE COMMAND...: runs it, output to the terminal and LOGFILE, times it, stops on failure.
stage() {
  local name="$1" logfile="$2"
  shift 2
  local t0 rc
  t0=$(date +%s)
  say ""
  say "== stage $name: $*"
  "$@" 2>&1 | tee -a "$logfile"
  rc=${PIPESTATUS[0]}
  local dt=$(( $(date +%s) - t0 ))
  if [[ $rc -ne 0 ]]; then
    SUMMARY+=("$name: FAILED (exit $rc) after ${dt} s; log $(basename "$logfile")")
    FAILED="${FAILED:+$FAILED, }$name"
    say "!! stage $name failed with exit code $rc after ${dt} s (log: $(basename "$logfile"))"
    [[ "$name" == detect || "$name" == build ]] && exit "$rc"
    return 0
  fi
  SUMMARY+=("$name: ok in ${dt} s")
  say "== stage $name: ok in ${dt} s"
}

BUDGET="${ACTBENCH_BUDGET:-390}"
if ! [[ "$BUDGET" =~ ^[0-9]+$ ]]; then
  say "!! ACTBENCH_BUDGET must be a whole number of seconds, got '$BUDGET'"
  FAILED="setup (bad ACTBENCH_BUDGET)"
  exit 2
fi

# 1. detect ---------------------------------------------------------------------------------------
detect() {
  command -v nvidia-smi >/dev/null || { echo "nvidia-smi not found: not a GPU machine?"; return 1; }
  nvidia-smi --query-gpu=name,compute_cap,driver_version,memory.total,clocks.sm,clocks.mem,clocks.max.sm,temperature.gpu,power.draw \
    --format=csv || return 1
  local cc
  cc=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader | head -1 | tr -d ' .')
  [[ "$cc" =~ ^[0-9]+$ ]] || { echo "could not read the compute capability (got '$cc')"; return 1; }
  echo "$cc" > "$OUT/.arch"
  nvidia-smi --query-gpu=name --format=csv,noheader | head -1 | tr -c 'A-Za-z0-9._\n-' '-' | tr -d '\n' > "$OUT/.device"
  echo "arch: $cc; device: $(cat "$OUT/.device")"
  command -v nvcc >/dev/null && nvcc --version | tail -2
  return 0
}
stage detect "$LOG" detect
ARCH=$(cat "$OUT/.arch")
DEVICE=$(cat "$OUT/.device")
rm -f "$OUT/.arch" "$OUT/.device"

# 2. build (or use the prepared bundle) -------------------------------------------------------------
UNPACKED="${TMPDIR:-/tmp}/actbench-bundle"
bundle_ok() { [[ -f "$BUNDLE/ARCH" && "$(cat "$BUNDLE/ARCH")" == "$ARCH" && -f "$BUNDLE/bundle.tar.xz" ]]; }
build() {
  if bundle_ok; then
    echo "using the prepared bundle for sm_$ARCH: $(head -1 "$BUNDLE/BUILT" 2>/dev/null)"
    rm -rf "$UNPACKED" && mkdir -p "$UNPACKED" || return 1
    if command -v xz >/dev/null; then
      tar -C "$UNPACKED" -xJf "$BUNDLE/bundle.tar.xz" || return 1
    else
      python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' \
        "$BUNDLE/bundle.tar.xz" "$UNPACKED" || return 1
    fi
    ls -la "$UNPACKED"/bin "$UNPACKED"/lib
    return 0
  fi
  [[ -d "$BUNDLE" ]] && echo "bundle present but for sm_$(cat "$BUNDLE/ARCH" 2>/dev/null) (card is sm_$ARCH): building here"
  local gen=()
  command -v ninja >/dev/null && gen=(-G Ninja)
  if ! cmake -S "$ROOT" -B "$BUILD" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release -DACTBENCH_CUDA=ON -DACTBENCH_TESTS=ON \
      -DCMAKE_CUDA_ARCHITECTURES="$ARCH"; then
    echo "configure failed: this machine lacks a build dependency (fmt, nlohmann_json, CLI11, benchmark, GTest?)."
    echo "Prepare a bundle on the build machine instead: ACTBENCH_CUDA_ARCH=$ARCH bash tools/gpu-check.sh --prepare,"
    echo "then run this script with carry [\"build-gpu/bundle\"]."
    return 1
  fi
  cmake --build "$BUILD" -j"$(nproc)" --target actbench actbench_gpu_tests
}
stage build "$OUT/build.log" build
if bundle_ok && [[ -x "$UNPACKED/bin/actbench_gpu_tests" ]]; then
  export LD_LIBRARY_PATH="$UNPACKED/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  GPU_TESTS="$UNPACKED/bin/actbench_gpu_tests"
  ACTBENCH="$UNPACKED/bin/actbench"
else
  GPU_TESTS="$BUILD/tests/actbench_gpu_tests"
  ACTBENCH="$BUILD/actbench"
fi
# cuDNN from the machine's Python (nvidia-cudnn-cu13) when the system has none.
if ! ldconfig -p 2>/dev/null | grep -q 'libcudnn.so.9'; then
  for py in python3 /opt/torch/.venv/bin/python3; do
    d=$("$py" -c 'import nvidia.cudnn, os; print(os.path.join(list(nvidia.cudnn.__path__)[0], "lib"))' 2>/dev/null) || continue
    [[ -d "$d" ]] && export LD_LIBRARY_PATH="$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" && break
  done
fi
missing=$(ldd "$GPU_TESTS" 2>/dev/null | grep 'not found' || true)
if [[ -n "$missing" ]]; then
  say "!! shared libraries not found for $GPU_TESTS:"
  say "$missing"
  FAILED="build (missing shared libraries)"
  exit 1
fi

# 3. GPU tests ------------------------------------------------------------------------------------
stage tests "$OUT/gpu-tests.log" "$GPU_TESTS" --gtest_output=xml:"$OUT/gpu-tests.xml" --gtest_color=no

# 4. memcheck ---------------------------------------------------------------------------------------
SANITIZER=$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null || true)
if [[ -n "$SANITIZER" ]]; then
  FILTER="${ACTBENCH_MEMCHECK_FILTER:-ElementwiseTest.MatchesHostFunctor/prelu_f16:ElementwiseTest.MatchesHostFunctor/gelu_bf16:ElementwiseTest.MatchesHostFunctor/sigmoid_f64:CudaPrelu.*:CudaCopy.*:CudaTiming.*}"
  stage memcheck "$OUT/memcheck.log" timeout 240 "$SANITIZER" --tool memcheck --error-exitcode 97 --print-limit 20 \
    "$GPU_TESTS" --gtest_filter="$FILTER" --gtest_color=no
else
  SUMMARY+=("memcheck: skipped (compute-sanitizer not found)")
  say "== stage memcheck: skipped (compute-sanitizer not found)"
fi

# 5. n = 2^28 table, 6. the default suite -------------------------------------------------------------
left() { local l=$(( BUDGET - ($(date +%s) - START) - 10 )); echo $(( l > 30 ? l : 30 )); }
# actbench exits 1 when a precise case fails its accuracy bound: a finding, not a broken stage.
# SIGINT on timeout: actbench writes the partial report and exits 130.
run_actbench() {
  local rc=0
  timeout -s INT -k 30 "$1" "$ACTBENCH" "${@:2}" || rc=$?
  case $rc in
    0) return 0 ;;
    1) echo "actbench: exit 1 (some precise case failed its accuracy bound: see the report)"; return 0 ;;
    124|130) echo "actbench: stopped at the time budget; the report holds what was measured"; return 0 ;;
    *) return "$rc" ;;
  esac
}
if [[ -x "$ACTBENCH" ]]; then
  STAMP="$(date -u +%Y%m%d-%H%M%S)"
  # shellcheck disable=SC2086
  stage table "$OUT/suite.log" run_actbench "$(( $(left) * 2 / 5 ))" ${ACTBENCH_TABLE_ARGS:---backend cuda --sizes 2^28} \
    --out "$OUT/${DEVICE}-${STAMP}-n2p28.json"
  # shellcheck disable=SC2086
  stage suite "$OUT/suite.log" run_actbench "$(left)" ${ACTBENCH_SUITE_ARGS:---backend cuda} --out "$OUT/${DEVICE}-${STAMP}.json"
else
  SUMMARY+=("table, suite: skipped (no actbench binary)")
  say "== stages table, suite: skipped (no actbench binary at $ACTBENCH)"
fi
exit 0
