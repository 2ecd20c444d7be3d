"""tools/fleet/: the sharding and the merge without Slurm (the stand-in for `actbench --shard` on a stub
binary, then actbench-merge), and shellcheck of the Slurm scripts. The Slurm run itself is
tools/fleet/local-slurm.sh (a separate CI step: it needs root, slurm-wlm and munge)."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from actbench_tools import merge
from actbench_tools.cli_common import run
from actbench_tools.load import load_report

import make_fixtures

FLEET = Path(__file__).resolve().parents[2] / "tools" / "fleet"
spec = importlib.util.spec_from_file_location("shard_standin", FLEET / "shard_standin.py")
standin = importlib.util.module_from_spec(spec)
spec.loader.exec_module(standin)

# a stub `actbench`: lists the fixture report's cases, or writes the ones --benchmark_filter selects
STUB = """#!{python}
import json, re, sys
doc = json.load(open({report!r}))
args = sys.argv[1:]
if "--benchmark_list_tests=true" in args:
    print("actbench: %d cases" % len(doc["benchmarks"]), file=sys.stderr)
    for b in doc["benchmarks"]:
        print(b["name"] + "/iterations:1/manual_time")
    sys.exit(0)
flt = next((a.split("=", 1)[1] for a in args if a.startswith("--benchmark_filter=")), "")
doc["benchmarks"] = [b for b in doc["benchmarks"] if re.search(flt, b["name"] + "/iterations:1/manual_time")]
json.dump(doc, open(args[args.index("--out") + 1], "w"))
"""


def test_slices_cover_the_plan_once_balanced_and_in_order():
    plan = [b["name"] for b in make_fixtures.make_report("cpu")["benchmarks"]]
    for count in (1, 2, 3, 7):
        parts = standin.slices(plan, count)
        assert sorted(c for p in parts for c in p) == sorted(plan)  # every case exactly once
        for p in parts:
            assert p == [c for c in plan if c in set(p)]  # plan order within a slice
        loads = [sum(standin.cost(c) for c in p) for p in parts]
        assert max(loads) - min(loads) <= max(standin.cost(c) for c in plan)
        assert standin.slices(plan, count) == parts  # deterministic


def test_take():
    assert standin.take(["-a", "relu", "--shard", "2/3", "--out=x.json"], "--shard") == \
        ("2/3", ["-a", "relu", "--out=x.json"])
    assert standin.take(["--out=x.json"], "--out") == ("x.json", [])


def test_standin_shards_merge_into_the_plan(tmp_path, monkeypatch):
    full = make_fixtures.make_report("cpu", activations=("relu", "gelu"))
    report = tmp_path / "full.json"
    report.write_text(json.dumps(full))
    stub = tmp_path / "actbench"
    stub.write_text(STUB.format(python=sys.executable, report=str(report)))
    stub.chmod(stub.stat().st_mode | stat.S_IXUSR)
    env = {"ACTBENCH_REAL_BIN": str(stub)}
    paths = []
    for k in (1, 2, 3):
        out = tmp_path / f"shard-{k}.json"
        proc = subprocess.run([sys.executable, FLEET / "shard_standin.py", "--backend", "cpu",
                               "--shard", f"{k}/3", "--out", str(out)], capture_output=True, text=True,
                              env={**env, "PATH": "/usr/bin:/bin"})
        assert proc.returncode == 0, proc.stderr
        sh = json.loads(out.read_text())["context"]["shard"]
        assert (sh["index"], sh["count"], sh["plan_size"]) == (k, 3, len(full["benchmarks"]))
        assert re.fullmatch(r"[0-9a-f]{64}", sh["plan_sha256"])
        paths.append(out)
    merged = tmp_path / "merged.json"
    assert run("actbench-merge", merge.main, [*map(str, paths), "-o", str(merged)]) == 0
    doc = load_report(merged).raw
    assert sorted(b["name"] for b in doc["benchmarks"]) == sorted(b["name"] for b in full["benchmarks"])
    assert doc["not_run"] == full["not_run"]  # every shard reports the same skip: kept once
    bad = subprocess.run([sys.executable, FLEET / "shard_standin.py", "--shard", "4/3", "--out", "x.json"],
                         capture_output=True, text=True, env=env)
    assert bad.returncode == 2 and "expected K/N with 1 <= K <= N" in bad.stderr


@pytest.mark.parametrize("script", ["actbench-slurm.sh", "local-slurm.sh"])
def test_slurm_scripts_pass_shellcheck(script):
    exe = shutil.which("shellcheck")
    if not exe:
        pytest.skip("shellcheck is not installed: apt-get install shellcheck")
    proc = subprocess.run([exe, FLEET / script], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout


def test_slurm_script_without_slurm_says_so(tmp_path):
    proc = subprocess.run([shutil.which("bash"), FLEET / "actbench-slurm.sh", "submit"], capture_output=True,
                          text=True, env={"PATH": str(tmp_path)})
    assert proc.returncode == 2 and "sbatch not found" in proc.stderr
    proc = subprocess.run(["bash", FLEET / "actbench-slurm.sh"], capture_output=True, text=True)
    assert proc.returncode == 2 and "usage:" in proc.stderr
