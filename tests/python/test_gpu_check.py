"""tools/gpu-check.sh without a GPU: fake nvidia-smi, actbench and GPU-test binaries show that each stage
reads its outcome as designed (exit codes of docs/REPORT.md, the memcheck filter check, the per-dtype table
with its own budget, every report written).  No build needed."""
import gzip
import json
import lzma
import os
import pathlib
import stat
import subprocess
import textwrap

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tools" / "gpu-check.sh"

FAKE_SMI = """#!/bin/sh
case "$*" in
  *noheader*compute_cap*|*compute_cap*noheader*) echo "9.0" ;;
  *noheader*name*|*name*noheader*) echo "NVIDIA H200" ;;
  *) echo "name, compute_cap, driver_version"; echo "NVIDIA H200, 9.0, 580.159.04" ;;
esac
"""

# actbench: writes a small report to --out, then exits with $FAKE_RC_<dtype> (or $FAKE_RC_SUITE without --dtype).
FAKE_ACTBENCH = """#!/usr/bin/env python3
import json, os, sys
args = sys.argv[1:]
out = args[args.index("--out") + 1]
dtype = args[args.index("--dtype") + 1] if "--dtype" in args else "SUITE"
doc = {"format": "actbench-report", "args": args}
if os.environ.get("FAKE_BIG") and dtype == "f32":
    doc["padding"] = "x" * (16 * 1024 * 1024)
with open(out, "w") as f:
    json.dump(doc, f)
with open(os.environ["FAKE_LOG"], "a") as f:
    f.write(" ".join(args) + "\\n")
sys.exit(int(os.environ.get("FAKE_RC_" + dtype, "0")))
"""

# The GPU test binary: --gtest_list_tests with a filter (gtest's glob syntax, positive part), else a run.
FAKE_TESTS = """#!/usr/bin/env python3
import fnmatch, os, sys
names = ["AllActivations/ElementwiseTest.MatchesHostFunctor/%s_%s" % (a, t)
         for a in ("relu", "prelu", "gelu", "sigmoid") for t in ("f32", "f16", "bf16", "f64")]
names += ["CudaPrelu.DalphaMatchesHostSum", "CudaCopy.KernelAndMemcpyCopyExactly",
          "CudaTiming.OnceAndBatchedArePositiveForEveryImpl", "CudaCudnn.MatchesHostReference"]
flt = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--gtest_filter=")), "*")
pats = flt.split("-", 1)[0].split(":")
sel = [n for n in names if any(fnmatch.fnmatchcase(n, p) for p in pats if p)]
if "--gtest_list_tests" in sys.argv:
    suites = {}
    for n in sel:
        s, t = n.split(".", 1)
        suites.setdefault(s, []).append(t)
    for s, ts in suites.items():
        print(s + ".")
        for t in ts:
            print("  " + t)
    sys.exit(0)
print("[==========] %d tests ran" % len(sel))
if os.environ.get("FAKE_NO_DEVICE"):
    print("no CUDA device: cudaGetDeviceCount failed: no CUDA-capable device is detected")
sys.exit(int(os.environ.get("FAKE_RC_TESTS", "0")))
"""


# compute-sanitizer: skips its own options (each with a value) and runs the program; $FAKE_MEMCHECK_ERROR plants
# a memcheck error report and the error exit code.
FAKE_SANITIZER = """#!/bin/sh
while [ "${1#--}" != "$1" ]; do shift 2; done
if [ -n "$FAKE_MEMCHECK_ERROR" ]; then echo "========= Invalid __global__ write of size 4 bytes"; exit 97; fi
exec "$@"
"""


def _exe(path, text):
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


@pytest.fixture
def fakes(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    _exe(bin_dir / "nvidia-smi", FAKE_SMI)
    _exe(bin_dir / "actbench", FAKE_ACTBENCH)
    _exe(bin_dir / "actbench_gpu_tests", FAKE_TESTS)
    _exe(bin_dir / "compute-sanitizer", FAKE_SANITIZER)
    return tmp_path


def run_check(fakes, **env_extra):
    out = fakes / "out"
    env = dict(os.environ)
    env.update({
        "PATH": f"{fakes / 'bin'}:{env['PATH']}",
        "OUT": str(out),
        "ACTBENCH_BIN": str(fakes / "bin" / "actbench"),
        "ACTBENCH_GPU_TESTS_BIN": str(fakes / "bin" / "actbench_gpu_tests"),
        "ACTBENCH_SANITIZER": str(fakes / "bin" / "compute-sanitizer"),
        "FAKE_LOG": str(fakes / "actbench-calls.log"),
    })
    env.update(env_extra)
    proc = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, env=env, timeout=120)
    return proc, out


def summary(proc):
    return proc.stdout[proc.stdout.index("== summary"):]


def test_all_stages_pass_and_every_dtype_gets_its_table(fakes):
    proc, out = run_check(fakes)
    s = summary(proc)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "RESULT: all stages passed" in s
    for t in ("f32", "f16", "bf16", "f64"):
        assert f"table-{t}: ok" in s
        assert list(out.glob(f"NVIDIA-H200-*-n2p28-{t}.json")), t
    assert "tests: ok" in s and "memcheck: ok" in s and "suite: ok" in s
    # the table comes first, one run per dtype, each with --dtype; the suite last
    calls = (fakes / "actbench-calls.log").read_text().splitlines()
    assert [c.split("--dtype ")[1].split()[0] for c in calls[:4]] == ["f32", "f16", "bf16", "f64"]
    assert "--sizes 2^28" in calls[0] and "--dtype" not in calls[4]
    assert sorted(p.name for p in out.iterdir() if p.is_file()) == sorted(
        ["gpu-check.log"] + [p.name for p in out.glob("*.json")])
    assert len(list(out.iterdir())) <= 8  # what the device tool brings back


def test_exit_codes_read_as_documented(fakes):
    # 1: a finding, the stage ran; 4: errors / device lost: FAILED; 130: partial; 3: no device: FAILED
    proc, _ = run_check(fakes, FAKE_RC_f32="1", FAKE_RC_f16="4", FAKE_RC_bf16="130", FAKE_RC_f64="3")
    s = summary(proc)
    assert proc.returncode == 1
    assert "table-f32: ran" in s and "with a finding" in s
    assert "table-f16: FAILED (exit 4)" in s
    assert "table-bf16: stopped at its budget" in s
    assert "table-f64: FAILED (exit 3)" in s
    assert "RESULT: FAILED at stage(s) table-f16, table-f64" in s
    assert "cases failed with an error or the device was lost" in proc.stdout


def test_a_finding_alone_is_not_a_failure(fakes):
    proc, _ = run_check(fakes, FAKE_RC_SUITE="1")
    assert proc.returncode == 0
    assert "RESULT: every stage ran; findings (see the reports) in: suite" in summary(proc)


def test_memcheck_filter_that_selects_nothing_fails(fakes):
    # the old default lacked the AllActivations/ prefix of the parameterized names
    proc, _ = run_check(fakes, ACTBENCH_MEMCHECK_FILTER="ElementwiseTest.MatchesHostFunctor/prelu_f16:CudaPrelu.*")
    s = summary(proc)
    assert "memcheck: FAILED" in s
    assert "filter pattern 'ElementwiseTest.MatchesHostFunctor/prelu_f16': 0 test(s)" in proc.stdout
    assert "filter pattern 'CudaPrelu.*': 1 test(s)" in proc.stdout


def test_default_memcheck_filter_selects_the_elementwise_tests(fakes):
    proc, _ = run_check(fakes)
    assert "filter pattern 'AllActivations/ElementwiseTest.MatchesHostFunctor/prelu_f16': 1 test(s)" in proc.stdout
    assert "filter selects 6 test(s)" in proc.stdout


def test_memcheck_error_fails_the_stage(fakes):
    proc, _ = run_check(fakes, FAKE_MEMCHECK_ERROR="1")
    assert "memcheck: FAILED (exit 97)" in summary(proc)
    assert proc.returncode == 1


def test_memcheck_without_the_sanitizer_is_not_run_after_checking_the_filter(fakes):
    proc, _ = run_check(fakes, ACTBENCH_SANITIZER="")
    assert "filter selects 6 test(s)" in proc.stdout
    assert "memcheck: not run" in summary(proc)


def test_gpu_tests_skipped_for_want_of_a_device_fail(fakes):
    # nvidia-smi sees a GPU, CUDA does not: the tests skip and pass, which here is a failure
    proc, _ = run_check(fakes, FAKE_NO_DEVICE="1")
    assert "tests: FAILED (exit 1)" in summary(proc)
    assert "skipped for want of a CUDA device although nvidia-smi sees one" in proc.stdout


def test_small_budget_still_gives_every_dtype_its_table(fakes):
    proc, _ = run_check(fakes, ACTBENCH_BUDGET="100")
    s = summary(proc)
    # 45 s of table for 4 dtypes is 11 s each: each still gets 20 s, taken from the later stages
    for t in ("f32", "f16", "bf16", "f64"):
        assert f"table-{t}: ok" in s
    assert "run_actbench 20 --backend cuda --sizes 2^28 --dtype f32" in proc.stdout  # not 11 s
    assert proc.returncode == 0


def test_no_budget_left_skips_stages_rather_than_overrun(fakes):
    proc, _ = run_check(fakes, ACTBENCH_BUDGET="20")
    s = summary(proc)
    for stage in ("table-f32", "table-f64", "tests", "memcheck", "suite"):
        assert f"{stage}: skipped" in s, stage
    assert proc.returncode == 0


def test_a_report_over_15_mib_comes_back_compressed_not_cut(fakes):
    proc, out = run_check(fakes, FAKE_BIG="1")
    big = list(out.glob("*-n2p28-f32.json*"))
    assert len(big) == 1 and big[0].suffix in (".xz", ".gz"), big
    assert big[0].stat().st_size < 15 * 1024 * 1024
    opener = lzma.open if big[0].suffix == ".xz" else gzip.open
    with opener(big[0], "rt") as f:
        doc = json.load(f)
    assert len(doc["padding"]) == 16 * 1024 * 1024
    assert "compressed" in proc.stdout


def test_bad_budget_is_one_clear_error(fakes):
    proc, _ = run_check(fakes, ACTBENCH_BUDGET="5m")
    assert proc.returncode == 2
    assert "ACTBENCH_BUDGET must be a whole number of seconds, got '5m'" in proc.stdout


@pytest.mark.parametrize("share", ["x", "120"])
def test_bad_table_share_is_one_clear_error(fakes, share):
    proc, _ = run_check(fakes, ACTBENCH_TABLE_SHARE=share)
    assert proc.returncode == 2
    assert "ACTBENCH_TABLE_SHARE must be a whole percentage" in proc.stdout


def test_no_gpu_machine_stops_at_detect(fakes):
    (fakes / "bin" / "nvidia-smi").unlink()
    env_path = f"{fakes / 'bin'}:/usr/bin:/bin"
    proc, _ = run_check(fakes, PATH=env_path)
    assert proc.returncode != 0
    assert "nvidia-smi not found" in proc.stdout
    assert "RESULT: FAILED at stage(s) detect" in proc.stdout


def test_script_passes_shellcheck():
    shellcheck = subprocess.run(["which", "shellcheck"], capture_output=True, text=True).stdout.strip()
    if not shellcheck:
        pytest.skip("shellcheck not installed")
    proc = subprocess.run([shellcheck, str(SCRIPT)], capture_output=True, text=True)
    assert proc.returncode == 0, textwrap.shorten(proc.stdout, 2000)
