#!/usr/bin/env bash
# Where the time goes in one row of the cpu comparison (tools/peers/cpu-comparison.sh): actbench's kernel and each
# framework peer, the same n and threads, each run under `perf record` (actbench's timed run of the row, with 400
# samples at least; the peer's op alone in a loop, python -m actbench_tools.peers.loop, on data uniform in [-8, 8]);
# then per implementation its GB/s, the functions holding >= 2% of the samples with their role (kernel, roofline
# copy, OpenMP runtime, OS, interpreter), and for each kernel function perf can annotate its hottest loop (python -m
# actbench_tools.hotloop: instructions per iteration, vector width, the mix by class). A profile, not a timing: the
# GB/s are those of the profiled runs. In actbench's runs the roofline's copies take their share of the samples too
# (most of them for a kernel as fast as the copy, the relu family). Markdown to OUT.md.
#
#   bash tools/peers/cpu-profile.sh OUT.md -a ACT -t DTYPE --direction DIR [-n 2^22] [--impl LIST] [--build DIR]
#   bash tools/peers/cpu-profile.sh --behind REPORT.json OUTDIR [-n 2^22] [--build DIR]
#
# The second form profiles every cpu row of a comparison report short of the target at n (python -m
# actbench_tools.peers_table --behind: slower than the best peer, or a relu-like row under 90% of the in-run copy):
# actbench and that peer, one OUTDIR/ACT-DIR-DTYPE.md each.
#
# Needs perf (linux-perf) and symbols; JIT code (JAX/XLA, oneDNN) has no symbols: its samples are summed and
# counted as the kernel's, but its loop is not annotated.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
die() { echo "cpu-profile.sh: $*" >&2; exit 2; }
if [[ ${1:-} == --behind ]]; then
  REPORT=${2:?--behind needs REPORT.json OUTDIR} OUTDIR=${3:?--behind needs REPORT.json OUTDIR}
  shift 3
  N=2^22 ARGS=()
  while (($#)); do
    case $1 in
      -n) N=${2:?-n needs a size}; shift 2 ;;
      --build) ARGS+=(--build "${2:?--build needs a folder}"); shift 2 ;;
      *) die "unknown argument '$1'" ;;
    esac
  done
  [[ $N =~ ^[0-9]+(\^[0-9]+)?$ ]] || die "-n $N: give N or 2^K"
  PY=${ACTBENCH_VENV:-$ROOT/.venv}/bin/python
  err=$(mktemp)
  rows=$("$PY" -m actbench_tools.peers_table "$REPORT" --n $(( ${N//^/**} )) --behind 2> "$err") || {
    grep -v ': warning: ' "$err" >&2; rm -f "$err"; exit 2; }  # its one error line
  rm -f "$err"
  mkdir -p "$OUTDIR"
  while IFS=$'\t' read -r backend act dir dt _ peer ratio pct; do
    [[ $backend == cpu && -n $act ]] || continue
    echo "cpu-profile.sh: $act $dir $dt ($ratio x $peer, $pct% of copy)" >&2
    bash "$0" "$OUTDIR/$act-$dir-$dt.md" -a "$act" -t "$dt" --direction "$dir" -n "$N" --impl "actbench,$peer" "${ARGS[@]}"
  done <<< "$rows"
  exit 0
fi
OUT=${1:-}
[[ -n $OUT && $OUT != -* ]] || die "usage: cpu-profile.sh OUT.md -a ACT -t DTYPE --direction DIR [-n N] [--impl LIST] [--build DIR]"
shift
ACT= DT= DIR= N=2^22 IMPLS=actbench,torch-eager,jax-jit
BUILD=${ACTBENCH_BUILD_DIR:-$ROOT/build}
while (($#)); do
  case $1 in
    -a) ACT=${2:?-a needs an activation}; shift 2 ;;
    -t) DT=${2:?-t needs a dtype}; shift 2 ;;
    --direction) DIR=${2:?--direction needs fwd, deriv or bwd}; shift 2 ;;
    -n) N=${2:?-n needs a size}; shift 2 ;;
    --impl) IMPLS=${2:?--impl needs a list}; shift 2 ;;
    --build) BUILD=${2:?--build needs a folder}; shift 2 ;;
    *) die "unknown argument '$1'" ;;
  esac
done
[[ -n $ACT && -n $DT && -n $DIR ]] || die "-a, -t and --direction are required (one row)"
command -v perf > /dev/null || die "perf not found (apt-get install linux-perf)"
VENV=${ACTBENCH_VENV:-$ROOT/.venv}
PY=$VENV/bin/python
[ -x "$BUILD/actbench" ] || die "$BUILD/actbench not found: bash tools/dev.sh build"
[ -x "$PY" ] || die "$PY not found: bash tools/dev.sh setup"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# gbps and % of copy of the row in a report (tools read JSON only)
row_speed() {
  "$PY" - "$1" "$2" <<'PY'
import json, sys
rep = json.load(open(sys.argv[1]))
for b in rep.get("benchmarks", []):
    if b.get("impl") == sys.argv[2] and b.get("gbps") is not None:
        print(f"{b['gbps']:.3g} GB/s ({b.get('pct_of_copy_bw', float('nan')):.0f}% of its in-run copy)")
        break
else:
    print("no timed record")
PY
}

{
  printf '# Profile: %s %s %s, n = %s, %s threads (%s)\n\n' "$ACT" "$DIR" "$DT" "$N" "$(nproc)" "$(date -u +%F)"
  printf 'Made by `bash tools/peers/cpu-profile.sh OUT.md -a %s -t %s --direction %s -n %s --impl %s` (actbench: %s).\n' \
    "$ACT" "$DT" "$DIR" "$N" "$IMPLS" "$(git -C "$ROOT" rev-parse --short HEAD 2> /dev/null || echo unknown)"
  IFS=, read -r -a impls <<< "$IMPLS"
  for impl in "${impls[@]}"; do
    data=$TMP/$impl.data json=$TMP/$impl.json
    if [[ $impl == actbench ]]; then
      cmd=("$BUILD/actbench" --backend cpu -a "$ACT" -t "$DT" --direction "$DIR" --variant precise --impl actbench
           -n "$N" --accuracy off --no-cold --noise 0 --min-samples 400 --max-time 3 -o "$json" --force)
    else  # the peer's op alone in a loop (its timed run spends most samples importing, scoring and copying)
      cmd=("$PY" -m actbench_tools.peers.loop --impl "$impl" -a "$ACT" -t "$DT" --direction "$DIR" -n "$N"
           --seconds 4)
    fi
    printf '\n## %s\n\n' "$impl"
    if ! perf record -q -o "$data" -- "${cmd[@]}" > "$TMP/run.log" 2>&1; then
      printf 'did not run: %s\n' "$(tail -1 "$TMP/run.log")"
      continue
    fi
    if [[ $impl == actbench ]]; then
      printf '%s\n\n' "$(row_speed "$json" "$impl")"
    else
      printf '%s\n\n' "$(grep -m1 'actbench-peers-loop:' "$TMP/run.log" | sed 's/^actbench-peers-loop: //')"
    fi
    "$PY" -m actbench_tools.hotloop --perf-data "$data" --percent-limit 2
  done
} > "$OUT"
echo "cpu-profile.sh: wrote $OUT" >&2
