#!/usr/bin/env bash
# The cpu comparison (a benchmark, not a test): actbench's cpu kernels and every framework peer installed
# (PyTorch eager, torch.compile, JAX jit: tools/dev.sh setup; ACTBENCH_PEERS_TORCH=1 for PyTorch) on the same
# n, threads and data (the default seed), precise variant, every direction, in ONE report; then the table
# actbench / best peer per activation × dtype × direction beside it, one table per size (REPORT with .md for
# .json), each followed by its summary: actbench / the fastest of PyTorch eager and JAX jit (issue 12's target),
# a row per activation, a column per dtype × direction, '!' where that peer fails actbench's precise bound.
#
#   bash tools/peers/cpu-comparison.sh REPORT.json [-n 2^22,2^24] [-t f32,f16,bf16] [-r 3] [--build DIR] [-- peers flags]
#
# Run it on an otherwise idle machine: every implementation is timed against its own in-run copy. -r R (default 3)
# measures everything R times, the two sides taking turns per dtype and n (which goes first alternating), and
# keeps each implementation's fastest round (actbench-peers --rounds): a shared VM's speed drifts by tens of
# percent between minutes. Each round takes about 2.5 minutes on a 2-core VM at the default sizes.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=${1:?usage: cpu-comparison.sh REPORT.json [-n SIZES] [-t DTYPES] [-r ROUNDS] [--build DIR] [-- actbench-peers flags]}
shift
SIZES=2^22,2^24
DTYPES=f32,f16,bf16
ROUNDS=3
BUILD=${ACTBENCH_BUILD_DIR:-$ROOT/build}
while (($#)); do
  case $1 in
    -n) SIZES=${2:?-n needs sizes}; shift 2 ;;
    -t) DTYPES=${2:?-t needs dtypes}; shift 2 ;;
    -r) ROUNDS=${2:?-r needs a count}; shift 2 ;;
    --build) BUILD=${2:?--build needs a folder}; shift 2 ;;
    --) shift; break ;;
    *) echo "cpu-comparison.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
VENV=${ACTBENCH_VENV:-$ROOT/.venv}
[ -x "$BUILD/actbench" ] || { echo "cpu-comparison.sh: $BUILD/actbench not found: bash tools/dev.sh build" >&2; exit 2; }
[ -x "$VENV/bin/actbench-peers" ] || { echo "cpu-comparison.sh: $VENV/bin/actbench-peers not found: bash tools/dev.sh setup" >&2; exit 2; }
"$VENV/bin/actbench-peers" --with-actbench --backend cpu -n "$SIZES" -t "$DTYPES" --threads "$(nproc)" \
  --rounds "$ROUNDS" --actbench "$BUILD/actbench" -o "$OUT" --force "$@"
# The table once per size (sizes as N or 2^K), one after the other in REPORT.md.
MD=${OUT%.json}.md
IFS=, read -r -a sizes <<< "$SIZES"
{
printf "Each figure is its implementation's fastest of %s round(s): the report's context.rounds; every\n" "$ROUNDS"
printf "round's figures are in each record's \`rounds\`.\n\n"
for s in "${sizes[@]}"; do
  printf '## n = %s\n\n' "$s"
  "$VENV/bin/python" -m actbench_tools.peers_table "$OUT" --n $(( ${s//^/**} )) --format md
  printf '\n### Summary: actbench / the fastest of PyTorch eager and JAX jit, n = %s\n\n' "$s"
  "$VENV/bin/python" -m actbench_tools.peers_table "$OUT" --n $(( ${s//^/**} )) --format md --grid \
    --peers torch-eager,jax-jit
  printf '\n'
done
} > "$MD"
echo "cpu-comparison.sh: wrote $OUT and $MD" >&2
