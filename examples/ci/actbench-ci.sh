#!/usr/bin/env bash
# One actbench CI job, the same on GitHub Actions, GitLab CI or a plain shell (see docs/CI.md):
#
#   bash examples/ci/actbench-ci.sh run NAME [actbench flags...]
#       runs build/actbench with the flags and writes into $ACTBENCH_CI_OUT (default actbench-out/):
#         report.json, report.log (actbench's output), html/ (report.html, figures/*.png, summary.md), ci/ (JUnit
#         XML and the github-action-benchmark lists), compare.md and compare.json (against the baseline);
#       appends the comparison to the job summary ($GITHUB_STEP_SUMMARY on GitHub, else
#       actbench-out/job-summary.md, and the job log); exits 1 on a regression of a kind named in
#       ACTBENCH_FAIL_ON, 2 when actbench or a tool could not run.
#   bash examples/ci/actbench-ci.sh github-main-run
#       prints the id of the newest successful run of this workflow on the default branch (GitHub
#       REST API; needs GH_TOKEN, curl and python3), or nothing when there is none.
#
# Environment:
#   ACTBENCH_BIN        the binary (default build/actbench)
#   ACTBENCH_TOOLS      folder of the actbench-* commands (default .venv/bin when present, else PATH)
#   ACTBENCH_BASELINE   the baseline report (default: baseline/report.json, the main branch's artifact,
#                       else results/ci-baseline-NAME.json, a committed report; none: no comparison)
#   ACTBENCH_THRESHOLD  regression threshold in percent for actbench-compare (default 10)
#   ACTBENCH_FAIL_ON    regression kinds that fail the job: "throughput accuracy" (default) or
#                       "accuracy" (for shared runners whose timings are not comparable)
set -euo pipefail

die() { echo "actbench-ci: $*" >&2; exit 2; }

github_main_run() {
  [ -n "${GH_TOKEN:-}" ] || die "GH_TOKEN is not set"
  local wf=${GITHUB_WORKFLOW_REF%@*}
  wf=${wf##*/}
  local branch=${ACTBENCH_BASELINE_BRANCH:-${GITHUB_BASE_REF:-main}}
  curl -fsSL -H "Authorization: Bearer $GH_TOKEN" -H "Accept: application/vnd.github+json" \
    "$GITHUB_API_URL/repos/$GITHUB_REPOSITORY/actions/workflows/$wf/runs?branch=$branch&status=success&per_page=1" \
    | python3 -c 'import json, sys; runs = json.load(sys.stdin)["workflow_runs"]; print(runs[0]["id"] if runs else "")'
}

tool() {
  local t=$1
  shift
  if [ -n "${ACTBENCH_TOOLS:-}" ]; then
    "$ACTBENCH_TOOLS/$t" "$@"
  elif [ -x .venv/bin/"$t" ]; then
    .venv/bin/"$t" "$@"
  else
    "$t" "$@"
  fi
}

summary() {  # stdin -> the job summary
  cat >> "${GITHUB_STEP_SUMMARY:-$OUT/job-summary.md}"
}

say() {  # a line for the log and the job summary
  echo "$1"
  echo "$1" | summary
}

run_job() {
  local name=$1
  shift
  OUT=${ACTBENCH_CI_OUT:-actbench-out}
  local bin=${ACTBENCH_BIN:-build/actbench}
  local threshold=${ACTBENCH_THRESHOLD:-10}
  local fail_on=${ACTBENCH_FAIL_ON:-throughput accuracy}
  [ -x "$bin" ] || die "no actbench binary at $bin (build it first, or set ACTBENCH_BIN)"
  rm -rf "$OUT"
  mkdir -p "$OUT"

  echo "==> $bin $* --out $OUT/report.json"
  local rc=0
  "$bin" "$@" --out "$OUT/report.json" > "$OUT/report.log" 2>&1 || rc=$?
  tail -3 "$OUT/report.log"
  # 0: all passed; 1: a precise case failed its accuracy bound (the report is complete); else: no report
  if [ "$rc" -gt 1 ] || [ ! -s "$OUT/report.json" ]; then
    tail -20 "$OUT/report.log" >&2
    die "actbench exited with status $rc"
  fi

  tool actbench-report "$OUT/report.json" -o "$OUT/html" --actbench "$bin" > /dev/null  # + html/figures/*.png
  tool actbench-export "$OUT/report.json" --format junit -o "$OUT/ci" > /dev/null
  tool actbench-export "$OUT/report.json" --format github-action-benchmark -o "$OUT/ci" > /dev/null

  local baseline=${ACTBENCH_BASELINE:-}
  if [ -z "$baseline" ]; then
    for b in baseline/report.json "results/ci-baseline-$name.json"; do
      if [ -f "$b" ]; then baseline=$b; break; fi
    done
  fi
  local regressed=0 counts
  counts=$(grep -m1 -E '^[0-9]+ cases' "$OUT/report.log" || true)
  printf "# actbench: %s\n\n\`%s %s\`: %s\n\n" "$name" "$bin" "$*" "$counts" | summary
  if [ -z "$baseline" ]; then
    say "no baseline report (no artifact of the main branch, no results/ci-baseline-$name.json): nothing to compare"
  else
    local crc=0 kinds
    tool actbench-compare "$baseline" "$OUT/report.json" --threshold "$threshold" --format md \
      --output "$OUT/compare.md" || crc=$?
    [ "$crc" -le 1 ] || die "actbench-compare could not compare $baseline with $OUT/report.json"
    tool actbench-compare "$baseline" "$OUT/report.json" --threshold "$threshold" --format json \
      --output "$OUT/compare.json" || true
    summary < "$OUT/compare.md"
    kinds=$(python3 -c 'import json, sys
kinds = {r["kind"] for c in json.load(open(sys.argv[1]))["comparisons"] for r in c["regressions"]}
print(" ".join(sorted(kinds)))' "$OUT/compare.json")
    echo "baseline: $baseline; regressions: ${kinds:-none}; the job fails on: $fail_on"
    for k in $kinds; do
      case " $fail_on " in *" $k "*) regressed=1 ;; esac
    done
    if [ "$regressed" = 0 ] && [ -n "$kinds" ]; then
      printf '\n_Regressions of kind %s are listed but do not fail this job (ACTBENCH_FAIL_ON=%s)._\n' \
        "$kinds" "$fail_on" | summary
    fi
  fi
  if [ "$rc" = 1 ]; then
    say "actbench: a precise case failed its accuracy bound (see $OUT/ci/actbench-junit.xml)"
    regressed=1
  fi
  return "$regressed"
}

cmd=${1:-}
shift || true
case "$cmd" in
  run)
    [ $# -ge 1 ] || die "usage: actbench-ci.sh run NAME [actbench flags...]"
    run_job "$@"
    ;;
  github-main-run) github_main_run ;;
  *) die "usage: actbench-ci.sh run NAME [actbench flags...] | github-main-run" ;;
esac
