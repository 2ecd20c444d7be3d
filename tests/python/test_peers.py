"""actbench-peers end to end with the real binary and a real framework: JAX on the cpu (tools/requirements-peers.txt,
which tools/dev.sh installs), PyTorch where it is installed (tools/requirements-peers-torch.txt). A framework that
is absent skips its tests with the reason; one that is asked for and absent is one line and exit 3."""
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest
from conftest import ROOT, run

sys.path.insert(0, str(ROOT / "tools"))  # a source tree without `pip install ./tools`
from actbench_tools.load import load_report
from actbench_tools.peers import timing


def peers(actbench, *args, env=None, timeout=900):
    cmd = [sys.executable, "-m", "actbench_tools.peers.cli", "--actbench", actbench, *args]
    full_env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "tools"),
                                                                         (env or {}).get("PYTHONPATH")]))}
    full_env.update({k: v for k, v in (env or {}).items() if k != "PYTHONPATH"})
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=full_env, check=False)


def test_the_stopping_rules_are_the_harness_rules():
    """peers/timing.py mirrors harness/plan.cpp default_options: the numbers must not drift apart."""
    text = (ROOT / "harness" / "plan.cpp").read_text()
    found = re.findall(r"StopRule\{([^}]*)\}", text)
    assert len(found) == 2, found
    cpu, cuda = ([float(v) for v in f.split(",")] for f in found)
    as_list = lambda r: [r.warmup, r.min_samples, r.max_samples, r.min_time_s, r.max_time_s, r.max_noise]
    assert as_list(timing.CPU_RULE) == cpu and as_list(timing.CUDA_RULE) == cuda


def test_a_missing_framework_asked_for_is_one_line_and_exit_3(actbench, tmp_path):
    shim = tmp_path / "shim"
    (shim / "torch").mkdir(parents=True)
    (shim / "torch" / "__init__.py").write_text("raise ImportError('simulated: no torch here')\n")
    proc = peers(actbench, "--impl", "torch-eager", "-o", str(tmp_path / "r.json"), env={"PYTHONPATH": str(shim)})
    assert proc.returncode == 3, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "PyTorch is not installed" in lines[0] and "requirements-peers-torch.txt" in lines[0]
    assert not (tmp_path / "r.json").exists()


@pytest.fixture(scope="module")
def jax_report(actbench, tmp_path_factory):
    pytest.importorskip("jax", reason="JAX is not installed (pip install -r tools/requirements-peers.txt)")
    out = tmp_path_factory.mktemp("jax") / "jax.json"
    shim = tmp_path_factory.mktemp("shim")
    (shim / "torch").mkdir()
    (shim / "torch" / "__init__.py").write_text("raise ImportError('simulated: no torch here')\n")
    proc = peers(actbench, "-a", "relu,sigmoid,prelu", "-t", "f32,bf16", "--direction", "fwd,bwd", "-n", "2^12",
                 "--max-time", "0.02", "--threads", "1", "-o", str(out), env={"PYTHONPATH": str(shim)})
    assert proc.returncode == 0, proc.stderr
    return out, proc


def test_jax_report_is_a_valid_actbench_report(jax_report):
    out, proc = jax_report
    assert "torch-eager skipped: PyTorch is not installed" in proc.stderr  # the default: what is installed
    rep = load_report(out)
    import jax

    assert rep.context["peers"] == [rep.context["peers"][0]] and rep.context["peers"][0]["impl"] == "jax-jit"
    assert rep.context["peers"][0]["version"] == jax.__version__
    assert rep.context["devices"][0]["details"]["threads"] == 1
    keys = {(k.activation, k.direction, k.dtype, k.impl, k.n) for k in rep.records}
    assert keys == {(a, d, t, "jax-jit", 4096) for a in ("relu", "sigmoid") for d in ("fwd", "bwd")
                    for t in ("f32", "bf16")}
    assert {(x.key.activation, x.status) for x in rep.not_run} == {("prelu", "skipped")}
    for rec in rep.records.values():
        assert rec.gbps > 0 and rec.pct_of_copy_bw > 0 and rec.accuracy is not None
        assert rec.accuracy.inputs_tested == (65536 if rec.key.dtype == "bf16" else rec.accuracy.inputs_tested)
        assert rec.accuracy.bound_why.startswith("held to actbench's precise bound")
    assert {r.impl for r in rep.roofline} == {"jax-jit"}
    for roof in rep.roofline:  # the roofline is the faster copy, as actbench's own, and every % divides by it
        assert roof.copy_gbps == max(roof.memcpy_gbps, roof.copy_kernel_gbps) > 0
        for rec in rep.records.values():
            if rec.key.dtype == roof.dtype:
                assert rec.pct_of_copy_bw == pytest.approx(100 * rec.gbps / roof.copy_gbps)


def test_jax_scores_are_what_actbench_score_says(actbench, jax_report, tmp_path):
    """The runner's file exchange: scoring JAX's outputs here by hand gives the report's record."""
    import jax

    out, _ = jax_report
    rep = load_report(out)
    run(actbench, "inputs", "-t", "bf16", "--x", str(tmp_path / "x.npy"), check=0)
    import ml_dtypes

    x = np.load(tmp_path / "x.npy").view(ml_dtypes.bfloat16)
    y = np.asarray(jax.jit(jax.nn.sigmoid)(x))
    np.save(tmp_path / "y.npy", y.view(np.uint16))
    proc = run(actbench, "score", "-a", "sigmoid", "-t", "bf16", "--x", str(tmp_path / "x.npy"), "--y",
               str(tmp_path / "y.npy"), "--json", check=0)
    mine = json.loads(proc.stdout)
    theirs = next(r for k, r in rep.records.items() if (k.activation, k.direction, k.dtype) == ("sigmoid", "fwd", "bf16"))
    assert theirs.accuracy.max_ulp == mine["max_ulp"] and theirs.accuracy.passed == mine["pass"]
    assert theirs.accuracy.nonfinite_mismatches == mine["nonfinite_mismatches"]


def test_torch_eager_end_to_end(actbench, tmp_path):
    pytest.importorskip("torch", reason="PyTorch is not installed (pip install -r tools/requirements-peers-torch.txt)")
    out = tmp_path / "torch.json"
    proc = peers(actbench, "--impl", "torch-eager", "-a", "gelu,softsign", "-t", "f32", "--direction", "deriv,bwd",
                 "-n", "2^12", "--max-time", "0.02", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    rep = load_report(out)
    hows = {k.activation + "/" + k.direction: r for k, r in rep.records.items()}
    assert set(hows) == {"gelu/deriv", "gelu/bwd", "softsign/deriv", "softsign/bwd"}
    doc = json.loads(out.read_text())
    how = {(b["activation"], b["direction"]): b["how"] for b in doc["benchmarks"]}
    assert how[("gelu", "bwd")].startswith("ATen backward op") and how[("softsign", "bwd")].startswith("autograd")
    import torch

    assert rep.context["peers"][0]["version"] == torch.__version__


@pytest.mark.skipif(not os.environ.get("ACTBENCH_TEST_TORCH_COMPILE"),
                    reason="torch.compile builds C++ per op (minutes on a 2-core machine): "
                           "set ACTBENCH_TEST_TORCH_COMPILE=1 to run it")
def test_torch_compile_end_to_end(actbench, tmp_path):
    pytest.importorskip("torch", reason="PyTorch is not installed (pip install -r tools/requirements-peers-torch.txt)")
    out = tmp_path / "compile.json"
    proc = peers(actbench, "--impl", "torch-compile", "-a", "sigmoid", "-t", "f32", "-n", "2^12", "--max-time",
                 "0.02", "-o", str(out), timeout=1800)
    assert proc.returncode == 0, proc.stderr
    assert {k.impl for k in load_report(out).records} == {"torch-compile"}


def test_with_actbench_puts_both_in_one_report(actbench, tmp_path):
    """--with-actbench: actbench's own kernels run on the same cases, n, threads and seed, and their records
    land in the peers' report, so one file holds the whole comparison (tools/peers/cpu-comparison.sh); with
    --rounds 2 every record keeps both rounds' figures and the first round's accuracy."""
    pytest.importorskip("jax", reason="JAX is not installed (pip install -r tools/requirements-peers.txt)")
    out = tmp_path / "both.json"
    proc = peers(actbench, "--with-actbench", "--impl", "jax-jit", "-a", "sigmoid", "-t", "f32", "--direction", "fwd",
                 "-n", "2^12", "--max-time", "0.02", "--threads", "1", "--rounds", "2", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    rep = load_report(out)
    assert not rep.partial and rep.context["rounds"]["done"] == 2
    assert all([x["round"] for x in b["rounds"]] == [0, 1] for b in rep.raw["benchmarks"])
    assert all(len(r["rounds"]) == 2 for r in rep.raw["roofline"])
    assert {k.impl for k in rep.records} == {"actbench", "jax-jit"}
    assert {(k.activation, k.dtype, k.n) for k in rep.records} == {("sigmoid", "f32", 4096)}
    assert {r.impl for r in rep.roofline} == {"actbench", "jax-jit"}
    assert "--seed" in rep.context["actbench_run"]["argv"]
    ours = next(r for k, r in rep.records.items() if k.impl == "actbench")
    assert ours.accuracy is not None and ours.accuracy.passed
