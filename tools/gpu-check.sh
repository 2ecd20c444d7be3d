#!/usr/bin/env bash
# tools/gpu-check.sh - build, test and run actbench's CUDA backend on a GPU machine in one call.
#
#   bash tools/gpu-check.sh             on the GPU machine, $OUT set (the log and the reports land there)
#   bash tools/gpu-check.sh --prepare   on a build machine without a GPU: builds the two binaries for one
#                                       architecture (ACTBENCH_CUDA_ARCH, default 90) in build-gpu/ and bundles
#                                       them with their non-system libraries, xz-compressed, in
#                                       build-gpu/bundle/ (about 20 MB), to carry to the GPU machine
#                                       (run tool: carry ["build-gpu/bundle"])
#
# Stages on the GPU machine, each timed, all within ACTBENCH_BUDGET seconds (default 390: a 15-minute device
# lease keeps room for a machine start and one rerun).  Most important first, so that what a short lease
# brings back is the table:
#   1. detect    nvidia-smi: name, compute capability (9.0 -> arch 90), driver, clocks
#   2. build     the prepared bundle when it is for this arch; otherwise a Release build for that arch in
#                build-gpu (needs the Debian -dev packages of CMakeLists.txt there, and minutes)
#   3. table     actbench --backend cuda --sizes 2^28, one run per dtype (f32, f16, bf16, f64), each with its
#                share of the table's budget (ACTBENCH_TABLE_SHARE percent of the whole, default 45; a dtype
#                that finishes early leaves its time to the next), each its own report
#                $OUT/<device>-<stamp>-n2p28-<dtype>.json, written even when stopped at its budget (SIGINT:
#                actbench writes the partial report)
#   4. tests     actbench_gpu_tests (gtest xml in $OUT)
#   5. memcheck  compute-sanitizer --tool memcheck on a few GPU tests (ACTBENCH_MEMCHECK_FILTER); every
#                pattern of the filter must select a test (--gtest_list_tests), or the stage fails
#   6. suite     actbench --backend cuda (ACTBENCH_SUITE_ARGS) with what is left: $OUT/<device>-<stamp>.json
# A failing detect or build stops the script; a later stage that fails is recorded and the next one runs.
# actbench's exit status (docs/REPORT.md) is read as: 0 ok; 1 a finding (a precise case of our own kernels
# outside its bound, or a timed output that does not match the host: the stage ran, see the report); 4
# cases failed with an error or the device was lost: the stage FAILED; 3 no usable device: FAILED; 130
# (SIGINT at the budget) partial: the report holds what was measured; anything else FAILED.
# Everything goes to $OUT/gpu-check.log (and the terminal); $OUT gets at most 8 files, each under 15 MiB.
#
# Environment: ACTBENCH_BUDGET (whole seconds, default 390), ACTBENCH_TABLE_SHARE (percent, default 45),
# ACTBENCH_TABLE_ARGS (default "--backend cuda --sizes 2^28"), ACTBENCH_TABLE_DTYPES (default
# "f32 f16 bf16 f64"), ACTBENCH_SUITE_ARGS (default "--backend cuda --sizes 2^12:2^24:4"),
# ACTBENCH_MEMCHECK_FILTER (a gtest filter), ACTBENCH_BIN / ACTBENCH_GPU_TESTS_BIN (use these binaries),
# ACTBENCH_SANITIZER (compute-sanitizer's path; empty: none).
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
  [[ "$ARCH" =~ ^[0-9]+$ ]] || { echo "prepare: ACTBENCH_CUDA_ARCH must be a number such as 90, got '$ARCH'"; exit 2; }
  echo "== prepare: Release build for sm_$ARCH in $BUILD"
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DACTBENCH_CUDA=ON -DACTBENCH_TESTS=ON \
    -DCMAKE_CUDA_ARCHITECTURES="$ARCH" || { echo "prepare: configure failed"; exit 1; }
  cmake --build "$BUILD" -j"$(nproc)" --target actbench actbench_gpu_tests || { echo "prepare: build failed"; exit 1; }
  rm -rf "$BUNDLE"
  mkdir -p "$BUNDLE/bin" "$BUNDLE/lib"
  cp "$BUILD/actbench" "$BUILD/tests/actbench_gpu_tests" "$BUNDLE/bin/"
  strip --strip-debug "$BUNDLE/bin/"* 2>/dev/null || true
  # Non-system shared libraries (fmt, benchmark, gtest, gomp ...).  Not bundled: the C/C++ runtime (the GPU
  # machine's is newer) and the driver (libcuda, libnvidia-ml).  cuDNN is not linked (opened at run time:
  # the GPU machine's Python has nvidia-cudnn-cu13, found below).
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
    git -C "$ROOT" status --short 2>/dev/null | sed -n 1,50p; } > "$BUNDLE/BUILT"
  du -sh "$BUNDLE" "$BUNDLE"/* 2>/dev/null
  size=$(du -sm "$BUNDLE" | cut -f1)
  if (( size > 48 )); then echo "prepare: the bundle is ${size} MiB: with the tree it may exceed the 64 MiB a call carries"; exit 1; fi
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
FINDINGS=""

say() { echo "$*" | tee -a "$LOG"; }

finish() {
  local rc=$?
  say ""
  say "== summary ($(( $(date +%s) - START )) s in all, budget $BUDGET s)"
  for line in "${SUMMARY[@]}"; do say "  $line"; done
  if [[ -n "$FAILED" ]]; then
    say "RESULT: FAILED at stage(s) $FAILED"
    (( rc != 0 )) || rc=1
  elif [[ -n "$FINDINGS" ]]; then
    say "RESULT: every stage ran; findings (see the reports) in: $FINDINGS"
  else
    say "RESULT: all stages passed"
  fi
  # Keep every returned file under the 16 MiB limit: a report too large is compressed (a cut one would not
  # parse), a log keeps its end.
  local limit=$((15 * 1024 * 1024))
  for f in "$OUT"/*; do
    [[ -f "$f" ]] || continue
    (( $(stat -c %s "$f") > limit )) || continue
    if [[ "$f" == *.json ]]; then
      if command -v xz >/dev/null; then xz -6 -f "$f" && f="$f.xz"; else gzip -9 -f "$f" && f="$f.gz"; fi
      say "compressed $(basename "$f") (over 15 MiB): $(stat -c %s "$f") bytes"
      (( $(stat -c %s "$f") <= limit )) || say "!! $(basename "$f") is still over 15 MiB: it will not come back (run fewer cases)"
    else
      tail -c "$limit" "$f" > "$f.cut" && mv "$f.cut" "$f"
    fi
  done
  exit "$rc"
}
BUDGET="${ACTBENCH_BUDGET:-390}"
trap finish EXIT

# Exit statuses a stage's command returns beyond 0: a finding; stopped at its budget with a partial result;
# nothing to run it with (a tool missing: said in the log).
readonly RC_FINDING=10 RC_PARTIAL=11 RC_NOT_RUN=12

# stage NAME COMMAND...: runs it, its output to the terminal and the log, times it, records the outcome.
stage() {
  local name="$1"
  shift
  local t0 rc dt
  t0=$(date +%s)
  say ""
  say "== stage $name: $*"
  "$@" 2>&1 | tee -a "$LOG"
  rc=${PIPESTATUS[0]}
  dt=$(( $(date +%s) - t0 ))
  case $rc in
    0) SUMMARY+=("$name: ok in ${dt} s") ;;
    "$RC_FINDING") SUMMARY+=("$name: ran in ${dt} s, with a finding (see its report)")
                   FINDINGS="${FINDINGS:+$FINDINGS, }$name" ;;
    "$RC_PARTIAL") SUMMARY+=("$name: stopped at its budget after ${dt} s (partial: what ran is kept)") ;;
    "$RC_NOT_RUN") SUMMARY+=("$name: not run (a tool is missing: see the log)") ;;
    *) SUMMARY+=("$name: FAILED (exit $rc) after ${dt} s")
       FAILED="${FAILED:+$FAILED, }$name"
       say "!! stage $name failed with exit code $rc after ${dt} s"
       [[ "$name" == detect || "$name" == build ]] && exit "$rc" ;;
  esac
  say "== stage $name: done in ${dt} s (exit $rc)"
}

# skip NAME WHY
skip() {
  SUMMARY+=("$1: skipped ($2)")
  say ""
  say "== stage $1: skipped ($2)"
}

if ! [[ "$BUDGET" =~ ^[0-9]+$ ]]; then
  say "!! ACTBENCH_BUDGET must be a whole number of seconds, got '$BUDGET'"
  BUDGET=0
  FAILED="setup (bad ACTBENCH_BUDGET)"
  exit 2
fi
TABLE_SHARE="${ACTBENCH_TABLE_SHARE:-45}"
if ! [[ "$TABLE_SHARE" =~ ^[0-9]+$ ]] || (( TABLE_SHARE > 100 )); then
  say "!! ACTBENCH_TABLE_SHARE must be a whole percentage (0..100), got '$TABLE_SHARE'"
  FAILED="setup (bad ACTBENCH_TABLE_SHARE)"
  exit 2
fi
# Seconds left of the budget, less a margin for the summary and a process that overruns its stop signal.
left() { echo $(( BUDGET - ($(date +%s) - START) - 15 )); }
min() { echo $(( $1 < $2 ? $1 : $2 )); }

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
stage detect detect
ARCH=$(cat "$OUT/.arch")
DEVICE=$(cat "$OUT/.device")
rm -f "$OUT/.arch" "$OUT/.device"

# 2. build (or use the prepared bundle) -------------------------------------------------------------
UNPACKED="${TMPDIR:-/tmp}/actbench-bundle"
bundle_ok() { [[ -f "$BUNDLE/ARCH" && "$(cat "$BUNDLE/ARCH")" == "$ARCH" && -f "$BUNDLE/bundle.tar.xz" ]]; }
build() {
  if [[ -n "${ACTBENCH_BIN:-}" && -n "${ACTBENCH_GPU_TESTS_BIN:-}" ]]; then
    echo "using ACTBENCH_BIN=$ACTBENCH_BIN and ACTBENCH_GPU_TESTS_BIN=$ACTBENCH_GPU_TESTS_BIN"
    return 0
  fi
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
stage build build
if [[ -n "${ACTBENCH_BIN:-}" && -n "${ACTBENCH_GPU_TESTS_BIN:-}" ]]; then
  GPU_TESTS="$ACTBENCH_GPU_TESTS_BIN"
  ACTBENCH="$ACTBENCH_BIN"
elif bundle_ok && [[ -x "$UNPACKED/bin/actbench_gpu_tests" ]]; then
  export LD_LIBRARY_PATH="$UNPACKED/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  GPU_TESTS="$UNPACKED/bin/actbench_gpu_tests"
  ACTBENCH="$UNPACKED/bin/actbench"
else
  GPU_TESTS="$BUILD/tests/actbench_gpu_tests"
  ACTBENCH="$BUILD/actbench"
fi
# cuDNN (opened at run time) from the machine's Python (nvidia-cudnn-cu13) when the system has none.
if ! ldconfig -p 2>/dev/null | grep -q 'libcudnn.so.9'; then
  for py in python3 /opt/torch/.venv/bin/python3; do
    d=$("$py" -c 'import nvidia.cudnn, os; print(os.path.join(list(nvidia.cudnn.__path__)[0], "lib"))' 2>/dev/null) || continue
    [[ -d "$d" ]] && export LD_LIBRARY_PATH="$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" && say "cuDNN from $d" && break
  done
fi
for bin in "$GPU_TESTS" "$ACTBENCH"; do
  missing=$(ldd "$bin" 2>/dev/null | grep 'not found' || true)
  if [[ -n "$missing" ]]; then
    say "!! shared libraries not found for $bin:"
    say "$missing"
    FAILED="build (missing shared libraries)"
    exit 1
  fi
done
STAMP="$(date -u +%Y%m%d-%H%M%S)"

# run_actbench SECONDS ARGS...: actbench stopped by SIGINT at SECONDS (it then writes the partial report),
# killed 20 s later if it has not stopped; its exit status read as docs/REPORT.md states it.
run_actbench() {
  local seconds="$1" rc=0
  shift
  echo "time limit ${seconds} s"
  timeout -s INT -k 20 "$seconds" "$ACTBENCH" "$@" || rc=$?
  case $rc in
    0) return 0 ;;
    1) echo "actbench: exit 1 - a precise case of our own kernels is outside its bound, or a timed output does not match the host: a finding (see the report)"
       return "$RC_FINDING" ;;
    124|130) echo "actbench: stopped at the time limit (exit $rc); the report holds what was measured, marked partial"
       return "$RC_PARTIAL" ;;
    2) echo "actbench: exit 2 - bad arguments (see above)"; return 2 ;;
    3) echo "actbench: exit 3 - no usable CUDA device"; return 3 ;;
    4) echo "actbench: exit 4 - cases failed with an error or the device was lost (the report's not_run and partial_reason say which)"
       return 4 ;;
    137) echo "actbench: killed (exit 137): it did not stop within 20 s of SIGINT; the last checkpoint is kept"
       return 137 ;;
    *) echo "actbench: exit $rc"; return "$rc" ;;
  esac
}

# 3. the n = 2^28 table, one run per dtype ---------------------------------------------------------
if [[ -x "$ACTBENCH" ]]; then
  read -r -a DTYPES <<< "${ACTBENCH_TABLE_DTYPES:-f32 f16 bf16 f64}"
  table_end=$(( $(date +%s) + BUDGET * TABLE_SHARE / 100 ))
  remaining=${#DTYPES[@]}
  for t in "${DTYPES[@]}"; do
    share=$(( (table_end - $(date +%s)) / remaining ))
    remaining=$(( remaining - 1 ))
    # An earlier dtype that overran its share (a case finishes after SIGINT) leaves less: every dtype still
    # gets 20 s, taken from the later stages, as long as the whole budget has it.
    share=$(min "$(( share > 20 ? share : 20 ))" "$(left)")
    if (( share < 10 )); then skip "table-$t" "$(left) s left of the budget"; continue; fi
    # shellcheck disable=SC2086
    stage "table-$t" run_actbench "$share" ${ACTBENCH_TABLE_ARGS:---backend cuda --sizes 2^28} --dtype "$t" \
      --out "$OUT/${DEVICE}-${STAMP}-n2p28-$t.json"
  done
else
  skip "table" "no actbench binary at $ACTBENCH"
fi

# 4. GPU tests ------------------------------------------------------------------------------------
run_gpu_tests() {
  local seconds="$1" rc=0
  echo "time limit ${seconds} s"
  timeout -k 10 "$seconds" "$GPU_TESTS" --gtest_output=xml:"$OUT/gpu-tests.xml" --gtest_color=no > "$OUT/.tests" 2>&1 || rc=$?
  cat "$OUT/.tests"
  # The tests skip (and pass) without a device; here, after detect found one, that is a failure.
  if grep -q 'no CUDA device' "$OUT/.tests"; then
    echo "GPU tests: skipped for want of a CUDA device although nvidia-smi sees one: $(grep -m1 'no CUDA device' "$OUT/.tests")"
    (( rc != 0 )) || rc=1
  fi
  rm -f "$OUT/.tests"
  (( rc == 124 )) && { echo "GPU tests: stopped at the time limit (the log has the tests that finished)"; return "$RC_PARTIAL"; }
  return "$rc"
}
if (( $(left) >= 30 )); then
  stage tests run_gpu_tests "$(min 150 $(( $(left) * 45 / 100 )))"
else
  skip tests "$(left) s left"
fi

# 5. memcheck --------------------------------------------------------------------------------------
# count_tests FILTER: how many tests of the GPU test binary FILTER selects (gtest prints "Suite." lines and
# indented test names).
count_tests() { "$GPU_TESTS" --gtest_list_tests --gtest_filter="$1" 2>/dev/null | grep -c '^  '; }
# require_filter FILTER: fails unless the filter, and each of its patterns, selects at least one test.
require_filter() {
  local filter="$1" pattern n bad=0
  IFS=':' read -r -a patterns <<< "${filter%%-*}"
  for pattern in "${patterns[@]}"; do
    [[ -n "$pattern" ]] || continue
    n=$(count_tests "$pattern")
    echo "filter pattern '$pattern': $n test(s)"
    (( n > 0 )) || bad=1
  done
  n=$(count_tests "$filter")
  echo "filter selects $n test(s)"
  (( n > 0 && bad == 0 )) || { echo "a filter pattern selects no test (gtest names: --gtest_list_tests)"; return 1; }
}
run_memcheck() {
  local seconds="$1" rc=0
  require_filter "$FILTER" || return 1
  [[ -n "$SANITIZER" ]] || { echo "compute-sanitizer not found: the filter is valid, memcheck not run"; return "$RC_NOT_RUN"; }
  echo "time limit ${seconds} s"
  timeout -k 10 "$seconds" "$SANITIZER" --tool memcheck --error-exitcode 97 --print-limit 20 \
    "$GPU_TESTS" --gtest_filter="$FILTER" --gtest_color=no > "$OUT/.memcheck" 2>&1 || rc=$?
  cat "$OUT/.memcheck"
  if (( rc == 124 )); then
    # stopped: what it saw so far still counts
    if grep -q '^========= \(Invalid\|Error\|Program hit\)' "$OUT/.memcheck"; then rc=97; else rc=$RC_PARTIAL; fi
  fi
  rm -f "$OUT/.memcheck"
  return "$rc"
}
SANITIZER="${ACTBENCH_SANITIZER-$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null || true)}"
FILTER="${ACTBENCH_MEMCHECK_FILTER:-AllActivations/ElementwiseTest.MatchesHostFunctor/prelu_f16:AllActivations/ElementwiseTest.MatchesHostFunctor/gelu_bf16:AllActivations/ElementwiseTest.MatchesHostFunctor/sigmoid_f64:CudaPrelu.*:CudaCopy.*:CudaTiming.*}"
if (( $(left) >= 40 )); then
  stage memcheck run_memcheck "$(min 90 $(( $(left) * 40 / 100 )))"
else
  skip memcheck "$(left) s left"
fi

# 6. the default suite with what is left -------------------------------------------------------------
if [[ -x "$ACTBENCH" ]] && (( $(left) >= 30 )); then
  # shellcheck disable=SC2086
  stage suite run_actbench "$(left)" ${ACTBENCH_SUITE_ARGS:---backend cuda --sizes 2^12:2^24:4} \
    --out "$OUT/${DEVICE}-${STAMP}.json"
else
  skip suite "$( [[ -x "$ACTBENCH" ]] && echo "$(left) s left" || echo "no actbench binary")"
fi
exit 0
