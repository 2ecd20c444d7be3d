#!/usr/bin/env bash
# The Slurm path tried for real on one machine: starts a one-node Slurm cluster here (controller and
# node on the loopback address, cpu only, no gres), submits tools/fleet/actbench-slurm.sh's job array
# on the cpu backend with its dependent merge, waits, checks that the merged report holds exactly the
# cases of an unsharded run with the same flags, prints the jobs, the shards, the merge and the times,
# and stops its daemons on the way out (trap; on failure too).
#
#   bash tools/fleet/local-slurm.sh
#
# Needs root, Debian's slurm-wlm and munge (apt-get install -y slurm-wlm munge), a built actbench and
# the Python tools (bash tools/dev.sh build). Nothing outside a temporary folder is written or read:
# its own munge key and socket, slurm.conf, state and spool; ports FLEET_CTLD_PORT (default 16817)
# and FLEET_SLURMD_PORT (default 16818) on 127.0.0.1.
# Environment: ACTBENCH_BIN (default build/actbench), ACTBENCH_ARGS (default --backend cpu --quick),
#   FLEET_SHARDS (default 3), FLEET_TIMEOUT (seconds to wait for the jobs, default 1800),
#   FLEET_KEEP=1 keeps the temporary folder (the reports and logs), FLEET_REQUIRE_SHARD=1 fails
#   instead of using the stand-in when the binary has no --shard.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
say() { printf '==> %s\n' "$*"; }
die() { echo "local-slurm: $*" >&2; exit 1; }
t_start=$(date +%s.%N)
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$(date +%s.%N)"; }

[ "$(id -u)" = 0 ] || die "run as root (slurmd starts the jobs as their user)"
for exe in munged slurmctld slurmd sbatch scontrol sinfo; do
  command -v "$exe" > /dev/null || die "$exe not found: apt-get install -y slurm-wlm munge"
done
ACTBENCH_BIN=$(realpath "${ACTBENCH_BIN:-$ROOT/build/actbench}")
[ -x "$ACTBENCH_BIN" ] || die "no actbench binary at $ACTBENCH_BIN (bash tools/dev.sh build, or set ACTBENCH_BIN)"
MERGE=$(command -v actbench-merge || echo "$ROOT/.venv/bin/actbench-merge")
[ -x "$MERGE" ] || die "actbench-merge not found (bash tools/dev.sh setup)"
PY=$(dirname "$MERGE")/python
[ -x "$PY" ] || PY=python3
ACTBENCH_ARGS=${ACTBENCH_ARGS:-"--backend cpu --quick"}
SHARDS=${FLEET_SHARDS:-3}
TIMEOUT=${FLEET_TIMEOUT:-1800}

WORK=$(mktemp -d /tmp/actbench-slurm.XXXXXX)
PIDS=()
ARRAY_ID="" MERGE_ID=""
cleanup() {
  local rc=$?
  set +e
  if [ -n "$ARRAY_ID" ] && [ -n "${SLURM_CONF:-}" ]; then
    scancel "$ARRAY_ID" "$MERGE_ID" 2> /dev/null
  fi
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do  # slurmd, slurmctld, munged: the reverse of their start
    kill "${PIDS[i]}" 2> /dev/null
    for _ in $(seq 50); do kill -0 "${PIDS[i]}" 2> /dev/null || break; sleep 0.1; done
    kill -9 "${PIDS[i]}" 2> /dev/null
    wait "${PIDS[i]}" 2> /dev/null
  done
  if [ "$rc" != 0 ]; then
    echo "local-slurm: FAILED (status $rc); logs in $WORK:" >&2
    tail -n 5 "$WORK"/log/*.log "$WORK"/run/logs/*.out >&2 2> /dev/null
  elif [ "${FLEET_KEEP:-0}" = 1 ]; then
    echo "kept $WORK"
  else
    rm -rf "$WORK"
  fi
  echo "daemons stopped"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$WORK"/{munge,log,state,spool,run}
chmod 700 "$WORK/munge"

say "munge (own key and socket)"
head -c 1024 /dev/urandom > "$WORK/munge/munge.key"
chmod 400 "$WORK/munge/munge.key"
munged -F --force --key-file="$WORK/munge/munge.key" --socket="$WORK/munge/munge.sock" \
  --pid-file="$WORK/munge/munged.pid" --seed-file="$WORK/munge/seed" --log-file="$WORK/log/munged.log" \
  > "$WORK/log/munged.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do [ -S "$WORK/munge/munge.sock" ] && break; sleep 0.1; done
[ -S "$WORK/munge/munge.sock" ] || die "munged did not start"

say "slurmctld and slurmd on 127.0.0.1"
node=$(hostname -s)
cat > "$WORK/slurm.conf" <<EOF
ClusterName=actbench-local
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=${FLEET_CTLD_PORT:-16817}
SlurmdPort=${FLEET_SLURMD_PORT:-16818}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$WORK/munge/munge.sock
StateSaveLocation=$WORK/state
SlurmdSpoolDir=$WORK/spool/slurmd-%n
SlurmctldPidFile=$WORK/state/slurmctld.pid
SlurmdPidFile=$WORK/spool/slurmd.pid
SlurmctldLogFile=$WORK/log/slurmctld.log
SlurmdLogFile=$WORK/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
MinJobAge=600
NodeName=$node NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=1024 State=UNKNOWN
PartitionName=local Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$WORK/slurm.conf"
slurmctld -D -i -f "$SLURM_CONF" > "$WORK/log/slurmctld.out" 2>&1 &
PIDS+=($!)
slurmd -D -f "$SLURM_CONF" > "$WORK/log/slurmd.out" 2>&1 &
PIDS+=($!)
state=""
for _ in $(seq 120); do
  state=$(sinfo -h -N -o %t 2> /dev/null | head -1 || true)
  [ "$state" = idle ] && break
  sleep 0.5
done
[ "$state" = idle ] || die "the node did not come up (state '${state:-none}')"
sinfo
t_up=$(elapsed "$t_start")

SHARD_BIN=$ACTBENCH_BIN
if "$ACTBENCH_BIN" --help 2>&1 | grep -q -- '--shard'; then
  say "$ACTBENCH_BIN has --shard: the shards run the binary itself"
else
  [ "${FLEET_REQUIRE_SHARD:-0}" != 1 ] || die "$ACTBENCH_BIN has no --shard"
  say "$ACTBENCH_BIN has no --shard yet: the shards run tools/fleet/shard_standin.py, which slices the" \
      "binary's own case list and runs it with --benchmark_filter (real measurements, same report format)"
  SHARD_BIN="$ROOT/tools/fleet/shard_standin.py"
  export ACTBENCH_REAL_BIN=$ACTBENCH_BIN
fi

say "submit: $SHARDS shards of '$ACTBENCH_ARGS', then the merge"
t_submit=$(date +%s.%N)
read -r ARRAY_ID MERGE_ID < <(ACTBENCH_BIN=$SHARD_BIN ACTBENCH_ARGS=$ACTBENCH_ARGS ACTBENCH_MERGE=$MERGE \
  FLEET_SHARDS=$SHARDS FLEET_DIR="$WORK/run" FLEET_GRES="" FLEET_CPUS="$(nproc)" FLEET_TIME=01:00:00 \
  FLEET_SBATCH_ARGS="" bash "$ROOT/tools/fleet/actbench-slurm.sh" submit)
echo "array job $ARRAY_ID (tasks 1-$SHARDS), merge job $MERGE_ID (afterok:$ARRAY_ID)"

job_state() { scontrol show job "$1" -o 2> /dev/null | grep -o 'JobState=[A-Z_]*' | head -1 | cut -d= -f2; }
merge_state=""
deadline=$(($(date +%s) + TIMEOUT))
while [ "$(date +%s)" -lt "$deadline" ]; do
  merge_state=$(job_state "$MERGE_ID")
  case "$merge_state" in
    COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | PREEMPTED | DEADLINE) break ;;
  esac
  sleep 1
done
t_jobs=$(elapsed "$t_submit")

say "jobs"
field() { { grep -o "$1=[^ ]*" || true; } | head -1 | cut -d= -f2; }  # a KEY=value of `scontrol show job -o`
printf '%-16s %-10s %-9s %s\n' JOB STATE ELAPSED NODE
{ scontrol show job "$ARRAY_ID" -o; scontrol show job "$MERGE_ID" -o; } | while read -r line; do
  task=$(field ' ArrayTaskId' <<< "$line")
  printf '%-16s %-10s %-9s %s\n' "$(field '^JobId' <<< "$line")${task:+ (${ARRAY_ID}_$task)}" \
    "$(field ' JobState' <<< "$line")" "$(field ' RunTime' <<< "$line")" \
    "$(field ' JobName' <<< "$line") on $(field ' NodeList' <<< "$line")"
done
[ "$merge_state" = COMPLETED ] || die "the merge job ended $merge_state (array: $(job_state "$ARRAY_ID"))"
sed 's/^/merge job: /' "$WORK/run/logs/merge.out"

say "unsharded run for the check: $ACTBENCH_BIN $ACTBENCH_ARGS"
t_u=$(date +%s.%N)
rc=0
# shellcheck disable=SC2086  # ACTBENCH_ARGS is a list of flags
"$ACTBENCH_BIN" $ACTBENCH_ARGS --out "$WORK/run/unsharded.json" > "$WORK/log/unsharded.log" 2>&1 || rc=$?
[ "$rc" -le 1 ] || die "the unsharded run exited with status $rc"
t_unsharded=$(elapsed "$t_u")

say "check: merged case list == unsharded case list"
PYTHONPATH="$ROOT/tools${PYTHONPATH:+:$PYTHONPATH}" "$PY" - "$WORK/run" "$SHARDS" <<'EOF'
import json, sys
from pathlib import Path
from actbench_tools.load import load_report
from actbench_tools.merge import case_names

run, n = Path(sys.argv[1]), int(sys.argv[2])
for k in range(1, n + 1):
    doc = json.loads((run / f"shard-{k}-of-{n}.json").read_text())
    sh = doc["context"]["shard"]
    print(f"shard {k}/{n}: {len(sh['cases'])} cases of {sh['plan_size']} (plan {sh['plan_sha256'][:12]}), "
          f"{len(doc['benchmarks'])} timed, {len(doc['not_run'])} not run, {doc['context']['wall_time_s']:.1f} s, "
          f"on {doc['context']['host_name']}")
merged, unsharded = load_report(run / "merged.json"), load_report(run / "unsharded.json")
a, b = sorted(case_names(merged.raw)), sorted(case_names(unsharded.raw))
same_status = sum(1 for k, r in merged.records.items() if k in unsharded.records and unsharded.records[k].status == r.status)
print(f"merged: {len(a)} cases from {len(merged.raw['context']['merged_from'])} shards; unsharded: {len(b)} cases; "
      f"accuracy status equal in {same_status} of {len(merged.records)} timed cases")
if a != b:
    print(f"MISMATCH: only merged {sorted(set(a) - set(b))[:5]}, only unsharded {sorted(set(b) - set(a))[:5]}")
    sys.exit(1)
print("OK: the merged report holds exactly the unsharded run's cases")
EOF

say "times: cluster up ${t_up} s; array + merge ${t_jobs} s; unsharded run ${t_unsharded} s; total $(elapsed "$t_start") s"
