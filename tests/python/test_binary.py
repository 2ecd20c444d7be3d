"""The actbench command line: bad input, list, eval, the main job's report."""
import json
import os
import pathlib
import signal
import subprocess
import sys
import time

import jsonschema
import pytest

from conftest import ROOT, SCHEMA, run, strict_load

ACTIVATIONS = ["relu", "relu6", "leaky_relu", "prelu", "elu", "selu", "celu", "softplus", "sigmoid",
               "hardsigmoid", "tanh", "softsign", "swish", "hardswish", "gelu", "gelu_tanh", "mish"]


def one_error_line(proc):
    lines = [l for l in proc.stderr.splitlines() if l.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("actbench: error:"), lines[0]
    assert "Traceback" not in proc.stderr and "terminate called" not in proc.stderr
    return lines[0]


@pytest.mark.parametrize("args,needle", [
    (["--activation", "gelu,swoosh"], "unknown activation 'swoosh'"),
    (["--dtype", "f8"], "unknown dtype 'f8'"),
    (["--direction", "sideways"], "unknown direction"),
    (["--variant", "sloppy"], "unknown variant"),
    (["--impl", "torch"], "unknown impl"),
    (["--accuracy", "some"], "unknown accuracy mode"),
    (["--sizes", "2^10:2^5"], "--sizes"),
    (["--sizes", "lots"], "--sizes"),
    (["--frobnicate"], "frobnicate"),
    (["--param", "beta=-1", "--activation", "softplus"], "> 0"),
    (["--param", "gamma=3"], "gamma"),
    (["--backend", "tpu"], "unknown backend"),
    (["--backend", "cpu", "--device", "3"], "device"),
    (["--backend", "cpu", "--impl", "cudnn"], "no case matches"),
    (["--benchmark_frobnicate=1", "--backend", "cpu"], "--benchmark_frobnicate"),
    (["eval", "--activation", "nope", "1"], "unknown activation"),
    (["eval", "--activation", "gelu", "--dtype", "f8", "1"], "unknown dtype"),
    (["eval", "--activation", "gelu", "--dtype", "f16", "0x12345"], "not a 16-bit pattern"),
    (["eval", "--activation", "gelu", "one"], "bad input"),
    (["eval", "--activation", "swish", "--param", "beta=0", "1"], "> 0"),
    (["eval", "--activation", "gelu"], "at least one input"),
])
def test_bad_input_is_one_line_and_exit_2(actbench, args, needle):
    proc = run(actbench, *args, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert needle in one_error_line(proc)


def test_no_gpu_is_one_line_and_nonzero(actbench):
    proc = run(actbench, "--backend", "cuda", "--quick", timeout=60)
    if proc.returncode == 0:
        pytest.skip("a CUDA device is present here")
    assert proc.returncode == 3
    assert "no CUDA device" in one_error_line(proc)


def test_list_names_every_activation(actbench):
    proc = run(actbench, "list", check=0)
    for a in ACTIVATIONS:
        assert f"\n{a}\n" in "\n" + proc.stdout
    catalog = json.loads(run(actbench, "list", "--json", check=0).stdout)
    assert [c["name"] for c in catalog] == ACTIVATIONS
    softplus = next(c for c in catalog if c["name"] == "softplus")
    assert softplus["parameters"]["beta"]["default"] == 1.0
    swish = next(c for c in catalog if c["name"] == "swish")
    assert swish["aliases"] == ["silu"] and swish["deriv_zeros"] and swish["variants_by_dtype"]["f32"] == [
        "precise", "fast", "textbook"]
    softsign = next(c for c in catalog if c["name"] == "softsign")
    assert softsign["textbook"] is None and "textbook" not in softsign["variants"]


def test_eval_json_for_every_config(actbench):
    """Every (activation, direction, dtype, variant) that the catalog lists evaluates on the cpu; the
    others are refused with one line (exit 2)."""
    catalog = json.loads(run(actbench, "list", "--json", check=0).stdout)
    xs = ["-100", "-5.5", "-1", "-0", "0", "0.5", "3", "20", "inf", "nan"]
    count = refused = 0
    for entry in catalog:
        a = entry["name"]
        for d in entry["directions"]:
            for t in entry["dtypes"]:
                for v in ["precise", "fast", "textbook"]:
                    proc = run(actbench, "eval", "--backend", "cpu", "--activation", a, "--direction", d,
                               "--dtype", t, "--variant", v, "--json", *xs, timeout=60)
                    if v not in entry["variants_by_dtype"].get(t, []):
                        assert proc.returncode == 2 and "does not exist" in one_error_line(proc), (a, d, t, v)
                        refused += 1
                        continue
                    assert proc.returncode == 0, (a, d, t, v, proc.stderr)
                    rows = json.loads(proc.stdout)
                    assert len(rows) == len(xs)
                    for r in rows:
                        for key in ("x_bits", "y_bits", "x", "y", "ref", "ulp"):
                            assert key in r, (a, d, t, v, r)
                        assert r["x_bits"].startswith("0x") and r["y_bits"].startswith("0x")
                    if v == "precise" and d != "bwd":
                        finite = [r for r in rows if r["ulp"] is not None]
                        assert finite, (a, d, t)
                    count += 1
    # precise everywhere; fast for f32 where the row has one; textbook where it exists
    with_fast = sum(1 for e in catalog if "fast" in e["variants"])
    with_textbook = sum(1 for e in catalog if e["textbook"] is not None)
    assert count == 3 * (4 * len(catalog) + with_fast + 4 * with_textbook)
    assert refused == len(catalog) * 3 * 4 * 3 - count


def test_eval_shows_the_textbook_failure(actbench):
    rows = json.loads(run(actbench, "eval", "--backend", "cpu", "-a", "sigmoid", "-t", "f32", "--variant",
                          "textbook", "--json", "-89", check=0).stdout)
    assert rows[0]["y"] == "0" and rows[0]["ulp"] > 1e5
    rows = json.loads(run(actbench, "eval", "--backend", "cpu", "-a", "sigmoid", "-t", "f32", "--json",
                          "-89", "0xc2b20000", check=0).stdout)
    assert rows[0]["ulp"] <= 2 and rows[1]["x"] == "-89"


def test_quick_run_writes_a_valid_report(quick_report):
    path, proc = quick_report
    doc = strict_load(path)
    schema = json.loads(SCHEMA.read_text())
    jsonschema.validate(doc, schema)
    assert doc["partial"] is False
    assert f"report: {path}" in proc.stdout
    assert doc["benchmarks"], "no case ran"
    for r in doc["benchmarks"]:
        assert r["accuracy"] is not None, r["name"]
        if r["variant"] == "precise":
            assert r["status"] == "pass", (r["name"], r["accuracy"])
        assert r["pct_of_copy_bw"] > 0
    assert {r["dtype"] for r in doc["benchmarks"]} == {"f32", "f16", "bf16", "f64"}
    assert doc["roofline"] and doc["context"]["backend"] == "cpu"
    assert "no CUDA device" in proc.stderr or "cpu" in proc.stderr


def test_google_benchmark_compare_reads_two_reports(quick_report, tmp_path):
    compare = pathlib.Path("/usr/share/benchmark/compare.py")
    if not compare.exists():
        pytest.fail("Google Benchmark's compare.py is missing: apt-get install libbenchmark-tools")
    path, _ = quick_report
    proc = subprocess.run([sys.executable, str(compare), "benchmarks", str(path), str(path)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "Comparing" in proc.stdout and "gelu/fwd/f32/precise/actbench/cpu:0" in proc.stdout


def test_filters_and_google_benchmark_filter(actbench, tmp_path):
    out = tmp_path / "f.json"
    run(actbench, "--backend", "cpu", "-a", "gelu,silu", "-t", "f16", "--direction", "bwd", "--variant", "precise",
        "--impl", "actbench", "--sizes", "2^10,2^12", "--out", str(out), "--benchmark_filter=gelu", check=0)
    doc = strict_load(out)
    names = [r["name"] for r in doc["benchmarks"]]
    assert names == ["gelu/bwd/f16/precise/actbench/cpu:0/1024", "gelu/bwd/f16/precise/actbench/cpu:0/4096"]


def test_interrupt_leaves_a_valid_partial_report(actbench, tmp_path):
    out = tmp_path / "partial.json"
    proc = subprocess.Popen([actbench, "--backend", "cpu", "--out", str(out)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Wait until some cases have run, then Ctrl-C.
    deadline = time.time() + 120
    seen = 0
    while time.time() < deadline and seen < 5:
        line = proc.stderr.readline()
        if line.startswith("["):
            seen += 1
    proc.send_signal(signal.SIGINT)
    stdout, _ = proc.communicate(timeout=120)
    assert proc.returncode == 130, stdout
    doc = strict_load(out)
    jsonschema.validate(doc, json.loads(SCHEMA.read_text()))
    assert doc["partial"] is True and "interrupt" in doc["partial_reason"]
    assert len(doc["benchmarks"]) >= 5


# ---- nothing measured is lost (issue: default name, empty selection, unusable --out) ----

def test_default_report_names_are_unique(actbench, tmp_path):
    """Two runs on the same day without --out write two files; neither replaces the other."""
    args = ["--backend", "cpu", "-a", "relu", "-t", "f32", "--direction", "fwd", "--sizes", "1024", "--no-cold"]
    first = subprocess.run([actbench, *args], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    second = subprocess.run([actbench, *args], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert first.returncode == 0 and second.returncode == 0, (first.stderr, second.stderr)
    reports = sorted((tmp_path / "results").glob("*.json"))
    assert len(reports) == 2, reports
    for r in reports:
        assert strict_load(r)["benchmarks"]


def test_empty_selection_writes_nothing_and_exits_2(actbench, tmp_path):
    for flt in ["[", "no-such-case"]:
        proc = subprocess.run([actbench, "--backend", "cpu", f"--benchmark_filter={flt}"], capture_output=True,
                              text=True, cwd=tmp_path, timeout=60)
        assert proc.returncode == 2, proc.stderr
        assert "no case matches" in one_error_line(proc)
    assert not (tmp_path / "results").exists()


def test_unusable_out_is_found_before_the_first_case(actbench):
    proc = run(actbench, "--backend", "cpu", "--out", "/proc/actbench/x.json", timeout=60)
    assert proc.returncode == 2
    assert "/proc/actbench" in one_error_line(proc)  # one line: no case ran


def test_existing_out_needs_force(actbench, tmp_path):
    out = tmp_path / "r.json"
    out.write_text('{"keep": true}')
    args = ["--backend", "cpu", "-a", "relu", "-t", "f32", "--direction", "fwd", "--sizes", "1024", "--no-cold",
            "--out", str(out)]
    proc = run(actbench, *args, timeout=60)
    assert proc.returncode == 2 and "--force" in one_error_line(proc)
    assert json.loads(out.read_text()) == {"keep": True}
    proc = run(actbench, *args, "--force", timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert strict_load(out)["benchmarks"]


def test_shards_partition_the_plan(actbench, tmp_path):
    args = ["--backend", "cpu", "-a", "relu,gelu,sigmoid", "-t", "f32,f16", "--sizes", "1024", "--no-cold",
            "--max-time", "0.01"]
    names, hashes = [], set()
    for k in (1, 2, 3):
        out = tmp_path / f"s{k}.json"
        run(actbench, *args, "--shard", f"{k}/3", "--out", str(out), check=0, timeout=300)
        doc = strict_load(out)
        shard = doc["context"]["shard"]
        assert (shard["index"], shard["count"]) == (k, 3)
        assert [r["name"] for r in doc["benchmarks"]] == shard["cases"]
        names += shard["cases"]
        hashes.add(shard["plan_sha256"])
    assert len(hashes) == 1
    whole = tmp_path / "whole.json"
    run(actbench, *args, "--out", str(whole), check=0, timeout=300)
    assert sorted(names) == sorted(r["name"] for r in strict_load(whole)["benchmarks"])
    proc = run(actbench, *args, "--shard", "4/3", timeout=60)
    assert proc.returncode == 2 and "--shard" in one_error_line(proc)


def test_accuracy_only_run(actbench, tmp_path):
    """--no-timing: accuracy records only, no roofline, every record says it was not timed."""
    out = tmp_path / "acc.json"
    run(actbench, "--backend", "cpu", "-a", "gelu,relu", "-t", "bf16", "--sizes", "4096", "--no-timing",
        "--out", str(out), check=0, timeout=300)
    doc = strict_load(out)
    jsonschema.validate(doc, json.loads(SCHEMA.read_text()))
    assert doc["roofline"] == []
    assert doc["benchmarks"]
    for r in doc["benchmarks"]:
        assert r["timing"]["hot"] is None and r["gbps"] == 0
        assert r["suspect"] == ["not timed (--no-timing)"]
        assert r["accuracy"]["exhaustive"] is True and r["accuracy"]["inputs_tested"] == 65536
