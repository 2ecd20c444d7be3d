#!/usr/bin/env bash
#SBATCH --job-name=actbench
# actbench over a Slurm cluster: one shard per array task, one GPU per task, then the merge as a job
# that starts only when every shard succeeded (docs/FLEET.md).
#
#   tools/fleet/actbench-slurm.sh submit
#       submits the job array (tasks 1..FLEET_SHARDS, each `actbench ... --shard K/N`) and the merge
#       (--dependency=afterok on the array); prints "ARRAY_JOB_ID MERGE_JOB_ID".
#   The same file is the batch script of both jobs ("shard" and "merge"; not for direct use).
#
# Environment, read by `submit` (the jobs inherit it):
#   ACTBENCH_BIN       the actbench binary, where every node sees it (default: build/actbench)
#   ACTBENCH_ARGS      actbench flags for every shard (default: --backend cuda)
#   ACTBENCH_MERGE     the actbench-merge command (default: actbench-merge on PATH, else .venv/bin/)
#   FLEET_SHARDS       N: shards, one array task each (default 4)
#   FLEET_DIR          shared folder for the shard reports, logs/ and merged.json (default fleet-<time>)
#   FLEET_PARTITION    partition of the shards and the merge (default: the cluster's default)
#   FLEET_GRES         generic resources of a shard task (default gpu:1; empty: none, for the cpu backend)
#   FLEET_CONSTRAINT   node features, to keep one run on one GPU type (e.g. h100)
#   FLEET_CPUS         cpus per shard task (default 4)
#   FLEET_TIME         time limit per shard task (default 02:00:00)
#   FLEET_MERGE_ARGS   actbench-merge flags (default --allow-mixed-hosts: several nodes, one type)
#   FLEET_SBATCH_ARGS  more sbatch flags for both jobs (e.g. --account=proj --qos=normal)
set -euo pipefail

die() { echo "actbench-slurm: $*" >&2; exit 2; }

submit() {
  command -v sbatch > /dev/null || die "sbatch not found: is this a Slurm login node?"
  local root
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  local self="$root/tools/fleet/actbench-slurm.sh"
  export ACTBENCH_BIN=${ACTBENCH_BIN:-$root/build/actbench}
  ACTBENCH_BIN=$(realpath "$ACTBENCH_BIN")
  [ -x "$ACTBENCH_BIN" ] || die "ACTBENCH_BIN=$ACTBENCH_BIN is not an executable"
  [ -n "${ACTBENCH_ARGS+set}" ] || ACTBENCH_ARGS="--backend cuda"
  export ACTBENCH_ARGS
  if [ -z "${ACTBENCH_MERGE:-}" ]; then
    ACTBENCH_MERGE=$(command -v actbench-merge || echo "$root/.venv/bin/actbench-merge")
  fi
  export ACTBENCH_MERGE
  [ -x "$ACTBENCH_MERGE" ] || die "actbench-merge not found (pip install ./tools, or set ACTBENCH_MERGE)"
  export FLEET_SHARDS=${FLEET_SHARDS:-4}
  [[ "$FLEET_SHARDS" =~ ^[1-9][0-9]*$ ]] || die "FLEET_SHARDS=$FLEET_SHARDS is not a positive integer"
  export FLEET_DIR=${FLEET_DIR:-$PWD/fleet-$(date +%Y%m%d-%H%M%S)}
  mkdir -p "$FLEET_DIR/logs"
  FLEET_DIR=$(realpath "$FLEET_DIR")
  [ -n "${FLEET_MERGE_ARGS+set}" ] || FLEET_MERGE_ARGS="--allow-mixed-hosts"
  export FLEET_MERGE_ARGS
  local gres=gpu:1
  [ -z "${FLEET_GRES+set}" ] || gres=$FLEET_GRES
  local common=(--parsable --export=ALL --chdir="$FLEET_DIR")
  [ -z "${FLEET_PARTITION:-}" ] || common+=(--partition="$FLEET_PARTITION")
  # shellcheck disable=SC2206  # FLEET_SBATCH_ARGS is a list of flags
  [ -z "${FLEET_SBATCH_ARGS:-}" ] || common+=($FLEET_SBATCH_ARGS)
  local shard=(--array="1-$FLEET_SHARDS" --job-name=actbench-shard --ntasks=1
               --cpus-per-task="${FLEET_CPUS:-4}" --time="${FLEET_TIME:-02:00:00}"
               --output="$FLEET_DIR/logs/shard-%a.out")
  [ -z "$gres" ] || shard+=(--gres="$gres")
  [ -z "${FLEET_CONSTRAINT:-}" ] || shard+=(--constraint="$FLEET_CONSTRAINT")
  local array_id merge_id
  array_id=$(sbatch "${common[@]}" "${shard[@]}" "$self" shard)
  array_id=${array_id%%;*}
  merge_id=$(sbatch "${common[@]}" --job-name=actbench-merge --ntasks=1 --cpus-per-task=1 --time=00:15:00 \
    --dependency="afterok:$array_id" --kill-on-invalid-dep=yes --output="$FLEET_DIR/logs/merge.out" \
    "$self" merge)
  merge_id=${merge_id%%;*}
  echo "$array_id $merge_id"
}

run_shard() {
  local k=${SLURM_ARRAY_TASK_ID:?not an array task} n=${FLEET_SHARDS:?}
  local out="$FLEET_DIR/shard-$k-of-$n.json"
  rm -f "$out"  # this task's own file, e.g. from a requeued attempt
  echo "shard $k/$n on $(hostname) (job ${SLURM_JOB_ID:-?}): $ACTBENCH_BIN $ACTBENCH_ARGS --shard $k/$n"
  local rc=0
  # shellcheck disable=SC2086  # ACTBENCH_ARGS is a list of flags
  "$ACTBENCH_BIN" $ACTBENCH_ARGS --shard "$k/$n" --out "$out" || rc=$?
  case "$rc" in
    0) ;;
    1) echo "shard $k/$n: a precise case failed its accuracy bound; the report is complete" ;;
    *) echo "shard $k/$n: actbench exited with status $rc" >&2; exit "$rc" ;;
  esac
}

run_merge() {
  local n=${FLEET_SHARDS:?} shards=()
  for k in $(seq 1 "$n"); do
    [ -f "$FLEET_DIR/shard-$k-of-$n.json" ] && shards+=("$FLEET_DIR/shard-$k-of-$n.json")
  done
  # actbench-merge names a missing shard itself; an empty list is a usage error, so give it one name
  [ "${#shards[@]}" -gt 0 ] || shards=("$FLEET_DIR/shard-1-of-$n.json")
  # shellcheck disable=SC2086  # FLEET_MERGE_ARGS is a list of flags
  "$ACTBENCH_MERGE" $FLEET_MERGE_ARGS --force "${shards[@]}" -o "$FLEET_DIR/merged.json"
}

case "${1:-}" in
  submit) submit ;;
  shard) run_shard ;;
  merge) run_merge ;;
  *) die "usage: tools/fleet/actbench-slurm.sh submit   (see the comments at the top of this file)" ;;
esac
