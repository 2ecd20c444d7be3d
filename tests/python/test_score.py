"""`actbench inputs` and `actbench score` through the command line: files NumPy reads and writes, known answers,
and one clear line with exit 2 for every kind of bad file."""
import json

import numpy as np
import pytest
from conftest import run
from test_binary import one_error_line


@pytest.fixture(scope="module")
def f16_inputs(actbench, tmp_path_factory):
    d = tmp_path_factory.mktemp("f16")
    run(actbench, "inputs", "-a", "relu", "-t", "f16", "--x", str(d / "x.npy"), check=0)
    return d, np.load(d / "x.npy")


def score(actbench, *args, check=0):
    proc = run(actbench, "score", *args, timeout=120, check=check)
    return json.loads(proc.stdout) if check == 0 and "--json" in args else proc


def test_inputs_are_every_f16_pattern_in_numpy(f16_inputs):
    _, x = f16_inputs
    assert x.dtype == np.float16 and x.shape == (65536,)
    assert (x.view(np.uint16) == np.arange(65536, dtype=np.uint16)).all()


def test_exact_outputs_are_zero_ulp_and_every_pattern(actbench, f16_inputs):
    d, x = f16_inputs
    y = np.maximum(x, np.float16(0))
    y[x.view(np.uint16) == 0x8000] = 0  # relu(-0) = +0 (numpy's maximum keeps -0)
    np.save(d / "y.npy", y)
    rec = score(actbench, "-a", "relu", "-t", "f16", "--x", str(d / "x.npy"), "--y", str(d / "y.npy"), "--json")
    assert rec["max_ulp"] == 0 and rec["pass"] and rec["exhaustive"] and rec["inputs_tested"] == 65536


def test_outputs_moved_by_k_ulp_are_k_ulp(actbench, tmp_path):
    x = (1 + np.arange(100, dtype=np.float32) / 256).astype(np.float32)  # [1, 1.39): one binade
    np.save(tmp_path / "x.npy", x)
    for k in (1, 7):
        np.save(tmp_path / "y.npy", (x.view(np.uint32) + k).view(np.float32))
        rec = score(actbench, "-a", "relu", "--x", str(tmp_path / "x.npy"), "--y", str(tmp_path / "y.npy"),
                    "--json")
        assert rec["max_ulp"] == k and rec["mean_ulp"] == k
        assert rec["pass"] == (k <= rec["bound_ulp"])


def test_nan_and_a_wrong_zero_are_counted(actbench, tmp_path):
    x = np.array([1.0, 2.0, -1.0], dtype=np.float32)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", np.array([np.nan, 2.0, -0.0], dtype=np.float32))  # relu(1) NaN; relu(-1) = +0
    rec = score(actbench, "-a", "relu", "--x", str(tmp_path / "x.npy"), "--y", str(tmp_path / "y.npy"), "--json")
    assert rec["nonfinite_mismatches"] == 1 and rec["signed_zero_mismatches"] == 1 and not rec["pass"]
    assert set(rec["fail_reasons"]) == {"nonfinite_mismatch", "signed_zero_mismatch"}


def test_bwd_reads_dy_and_writes_a_fragment(actbench, tmp_path):
    d = tmp_path
    run(actbench, "inputs", "-t", "bf16", "--direction", "bwd", "--x", str(d / "x.npy"), "--dy", str(d / "dy.npy"),
        check=0)
    x, dy = np.load(d / "x.npy"), np.load(d / "dy.npy")
    assert x.dtype == np.uint16 and dy.dtype == np.uint16  # bf16 as its bit patterns
    np.save(d / "y.npy", dy)  # dx = dy: right only where leaky_relu' = 1
    proc = score(actbench, "-a", "leaky_relu", "--direction", "bwd", "-t", "bf16", "--x", str(d / "x.npy"),
                 "--dy", str(d / "dy.npy"), "--y", str(d / "y.npy"), "--impl", "mine", "--fragment",
                 str(d / "frag.json"))
    assert "leaky_relu bwd bf16 scored as mine" in proc.stdout and "FAIL" in proc.stdout
    frag = json.loads((d / "frag.json").read_text())
    assert (frag["format"], frag["impl"], frag["direction"], frag["params"]) == \
        ("actbench-score", "mine", "bwd", {"alpha": 0.01})
    assert frag["accuracy"]["out_of_bound"] > 0 and frag["accuracy"]["worst"]["dy_bits"] is not None


def test_benchmark_data_of_size_n(actbench, tmp_path):
    run(actbench, "inputs", "-t", "f32", "--n", "1000", "--seed", "3", "--x", str(tmp_path / "x.bin"), "--raw",
        check=0)
    x = np.fromfile(tmp_path / "x.bin", dtype="<f4")
    assert x.shape == (1000,) and x.min() >= -8 and x.max() <= 8


@pytest.mark.parametrize("make,args,needle", [
    (lambda d: np.save(d / "y.npy", np.zeros(3, np.float64)), [], "holds '<f8' (float64) values, expected '<f4'"),
    (lambda d: np.save(d / "y.npy", np.zeros((3, 1), np.float32)), [], "shape (3, 1)"),
    (lambda d: np.save(d / "y.npy", np.zeros(4, np.float32)), [], "lengths differ"),
    (lambda d: np.save(d / "y.npy", np.zeros(3, ">f4")), [], "little-endian"),
    (lambda d: (d / "y.npy").write_bytes((d / "x.npy").read_bytes()[:-2]), [], "truncated"),
    (lambda d: (d / "y.npy").write_bytes(b"\x93NUMPY\x01\x00\x10\x00{'descr': '<f4',"), [], "malformed .npy header"),
    (lambda d: (d / "y.npy").write_text("hello"), [], "does not start with the .npy magic"),
    (lambda d: np.save(d / "y.npy", np.zeros(3, np.float32)), ["--direction", "bwd"], "needs --dy"),
    (lambda d: np.save(d / "dy.npy", np.array([1, np.nan, 1], np.float32)),
     ["--direction", "bwd", "--dy", "DY"], "dy[1] is nan"),
    (lambda d: np.save(d / "y.npy", np.zeros(3, np.float32)), ["--activation", "swoosh"], "unknown activation"),
    (lambda d: np.save(d / "y.npy", np.zeros(3, np.float32)), ["--param", "beta=-1", "-a", "softplus"], "> 0"),
])
def test_bad_files_are_one_line_and_exit_2(actbench, tmp_path, make, args, needle):
    np.save(tmp_path / "x.npy", np.array([1, 2, 3], np.float32))
    np.save(tmp_path / "y.npy", np.zeros(3, np.float32))
    make(tmp_path)
    args = [str(tmp_path / "dy.npy") if a == "DY" else a for a in args]
    if "--dy" in args:
        np.save(tmp_path / "y.npy", np.zeros(3, np.float32))
    named = "-a" in args or "--activation" in args
    base = ([] if named else ["-a", "relu"]) + ["--x", str(tmp_path / "x.npy"), "--y", str(tmp_path / "y.npy")]
    proc = run(actbench, "score", *base, *args, timeout=60)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert needle in one_error_line(proc)


@pytest.mark.parametrize("args,needle", [
    (["-t", "f32", "--accuracy", "exhaustive"], "--range"),
    (["-t", "f32", "--range", "0:10"], "is a sample"),
    (["-t", "f16", "--range", "0:0x10001"], "bad --range"),
    (["--direction", "bwd"], "needs --dy"),
    (["--n", "0"], "--n: Value 0 not in range 1"),
    (["-t", "f8"], "unknown dtype"),
])
def test_bad_inputs_requests_are_one_line_and_exit_2(actbench, tmp_path, args, needle):
    proc = run(actbench, "inputs", "--x", str(tmp_path / "x.npy"), *args, timeout=60)
    assert proc.returncode == 2
    assert needle in one_error_line(proc)
