#!/usr/bin/env bash
# The exhaustive f32 accuracy study: every f32 input of every activation's fwd and f' (precise variant; fast and
# textbook with --variants), default parameters and a few others, one JSON summary a case, written under DIR.
#   bash tools/exhaustive/study.sh [BUILD_DIR] [OUT_DIR] [--variants precise,fast,textbook]
# Each case: ~40 CPU s (precise), i.e. about 20 min on 2 cores for the precise table.  Stops at nothing: a case
# over its bound is written (exit 1 of the checker) and counted; the script's status is 1 when any was.
set -uo pipefail
BUILD=${1:-build}
OUT=${2:-results/accuracy/exhaustive-f32}
VARIANTS=precise
if [ "${3:-}" = --variants ]; then VARIANTS=${4:?--variants needs a list}; fi
BIN="$BUILD/actbench_exhaustive_f32"
[ -x "$BIN" ] || { echo "study.sh: $BIN not found: build first (bash tools/dev.sh build)" >&2; exit 2; }
mkdir -p "$OUT"
catalog=$("$BUILD/actbench" list --json)
acts_with() {  # the activations (prelu aside: it is per channel) that have variant $1 for f32
  python3 -c 'import json,sys; v=sys.argv[1]; print(" ".join(a["name"] for a in json.loads(sys.stdin.read())
              if a["name"] != "prelu" and v in a["variants_by_dtype"]["f32"]))' "$1" <<< "$catalog"
}
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
failed=0
run() {  # name, then the checker's arguments; its progress goes to a temporary log (last line shown on failure)
  local name=$1; shift
  if "$BIN" "$@" --binades --json "$OUT/$name.json" > "$OUT/$name.txt" 2> "$logs/$name.log"; then
    echo "ok    $name: $(grep -m1 'max ulp' "$OUT/$name.txt")"
  else
    failed=1; echo "FAIL  $name: $(grep -m1 'max ulp' "$OUT/$name.txt" || tail -n1 "$logs/$name.log")"
  fi
}
for v in ${VARIANTS//,/ }; do
  for a in $(acts_with "$v"); do
    for d in fwd deriv; do run "$a-$d-$v" -a "$a" -d "$d" --variant "$v"; done
  done
done
# parameters other than the defaults (precise): the zero of swish' moves with beta, celu divides by alpha
[[ ",$VARIANTS," == *,precise,* ]] || exit $failed
for d in fwd deriv; do
  run "swish-$d-precise-beta1.5" -a swish -d "$d" --param beta=1.5
  run "softplus-$d-precise-beta2" -a softplus -d "$d" --param beta=2
  run "celu-$d-precise-alpha0.5" -a celu -d "$d" --param alpha=0.5
done
exit $failed
