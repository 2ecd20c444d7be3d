"""Property-based fuzzing of `actbench score`'s file reader (.npy and raw).

    actbench score -a ACT --direction D -t DTYPE --x X.npy --y Y.npy [--dy DY.npy]

Valid x/y(/dy) files are written with numpy; Hypothesis then damages one of them: truncation, bit flips
(in the header or anywhere), a rewritten header (other dtypes, byte orders, shapes that are empty,
negative, huge or not numbers, Fortran order, other format versions, a wrong header length), NaN and
Infinity as values.  Every run ends with exit 0 (the file is still readable: its values are scored,
NaN included, as non-finite mismatches) or exit 2 and one line `actbench: error: ...`; never another
status, a signal, or a traceback-like abort.  Skipped while the binary has no `score` subcommand.
"""
from __future__ import annotations

import json
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import one_error_line, run, scaled

N = 4096
DTYPES = {"f16": np.float16, "f32": np.float32, "f64": np.float64}


@pytest.fixture(scope="module")
def score(actbench):
    # Without the subcommand, CLI11 answers `actbench score --help` with the top-level help (exit 0).
    proc = run([actbench, "score", "--help"], timeout=30)
    if proc.returncode != 0 or "Usage: actbench score" not in proc.stdout:
        pytest.skip("this actbench has no `score` subcommand yet (issue 11 adds it); these tests run once it lands")
    return actbench


def npy(descr: str, shape, payload: bytes, *, fortran=False, version=(1, 0), header_len_delta=0,
        magic=b"\x93NUMPY") -> bytes:
    """A .npy file built by hand, so that any field can be wrong."""
    header = f"{{'descr': {descr!r}, 'fortran_order': {fortran!r}, 'shape': {shape!r}, }}".encode(
        "utf-8", "surrogatepass")
    size_bytes = 2 if version[0] == 1 else 4
    unpadded = len(magic) + 2 + size_bytes + len(header) + 1
    header += b" " * ((64 - unpadded % 64) % 64) + b"\n"
    declared = max(0, len(header) + header_len_delta) % (1 << 8 * size_bytes)
    length = struct.pack("<H" if size_bytes == 2 else "<I", declared)
    return magic + bytes(version) + length + header + payload


def values(dtype: str, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(N) * 4).astype(DTYPES[dtype])


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Valid x, y and dy for each dtype."""
    folder = tmp_path_factory.mktemp("score")
    out = {}
    for t in DTYPES:
        x = values(t, 1)
        for name, arr in (("x", x), ("y", np.maximum(x, 0).astype(DTYPES[t])), ("dy", values(t, 2))):
            path = folder / f"{name}-{t}.npy"
            np.save(path, arr)
            out[(name, t)] = path
    return out


DESCRS = ["<f2", "<f4", "<f8", ">f4", ">f2", "<i4", "<u2", "|V2", "|b1", "O", "<c8", "<U4", "garbage", ""]
SHAPES = st.one_of(st.sampled_from([(N,), (N - 1,), (N + 1,), (0,), (), (N, 1), (1, N), (-1,), (2 ** 62,), (10 ** 30,),
                                    ("a",), (N, 0), (2 ** 31, 2 ** 31)]),
                   st.tuples(st.integers(-5, 2 ** 64)))


@st.composite
def damage(draw, good: bytes, dtype: str):
    """(what, the damaged file's bytes)."""
    kind = draw(st.sampled_from(["truncate", "flip-header", "flip-any", "header", "nonfinite"]))
    if kind == "truncate":
        cut = draw(st.integers(0, len(good) - 1))
        return f"truncated at {cut}", good[:cut]
    if kind.startswith("flip"):
        data = bytearray(good)
        top = 127 if kind == "flip-header" else len(data) - 1
        flips = draw(st.lists(st.tuples(st.integers(0, top), st.integers(0, 7)), min_size=1, max_size=3))
        for pos, bit in flips:
            data[pos] ^= 1 << bit
        return f"bits flipped at {flips}", bytes(data)
    payload = good[128:]
    if kind == "nonfinite":
        arr = np.frombuffer(payload, dtype=DTYPES[dtype]).copy()
        idx = draw(st.lists(st.integers(0, N - 1), min_size=1, max_size=8))
        arr[idx] = draw(st.sampled_from([np.nan, np.inf, -np.inf]))
        return f"non-finite at {idx}", good[:128] + arr.tobytes()
    descr = draw(st.one_of(st.sampled_from(DESCRS), st.text(max_size=6)))
    shape = draw(SHAPES)
    fortran = draw(st.sampled_from([False, True, "x", None]))
    version = draw(st.sampled_from([(1, 0), (2, 0), (3, 0), (9, 9), (0, 0)]))
    delta = draw(st.sampled_from([0, 0, 0, -1, 1, 64, -200, 10 ** 6]))
    magic = draw(st.sampled_from([b"\x93NUMPY", b"\x93NUMPY", b"\x93NUMPX", b"", b"PK\x03\x04"]))
    cut = draw(st.sampled_from([len(payload), len(payload) - 1, 0, len(payload) // 2]))
    what = f"header descr={descr!r} shape={shape!r} fortran={fortran!r} version={version} delta={delta} magic={magic!r}"
    return what, npy(descr, shape, payload[:cut], fortran=fortran, version=version, header_len_delta=delta, magic=magic)


def check_score(actbench, args, tally, section) -> str | None:
    proc = run([actbench, "score", *args], timeout=120)
    ok = proc.returncode == 0 or (proc.returncode == 2 and one_error_line(proc.stderr) is not None)
    tally.input(section, "scored" if proc.returncode == 0 else "one line, exit 2" if ok else "BAD")
    return None if ok else f"exit {proc.returncode}, stderr {proc.stderr[-300:]!r}"


@pytest.mark.parametrize("dtype,direction,target", [("f32", "fwd", "y"), ("f16", "fwd", "x"), ("f64", "bwd", "dy"),
                                                    ("f32", "deriv", "y")])
def test_score_reads_or_refuses_with_one_line(score, files, dtype, direction, target, tmp_path_factory, tally):
    tmp = tmp_path_factory.mktemp(f"{dtype}-{direction}-{target}")
    good = files[(target, dtype)].read_bytes()
    assert good[:6] == b"\x93NUMPY" and len(good) == 128 + N * np.dtype(DTYPES[dtype]).itemsize

    # the undamaged files score (exit 0): the battery's base is valid
    base = {"x": files[("x", dtype)], "y": files[("y", dtype)], "dy": files[("dy", dtype)]}

    def args(paths):
        a = ["-a", "relu", "--direction", direction, "-t", dtype, "--x", str(paths["x"]), "--y", str(paths["y"]),
             "--json"]
        return a + (["--dy", str(paths["dy"])] if direction == "bwd" else [])

    proc = run([score, "score", *args(base)], timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["inputs_tested"] == N

    @settings(max_examples=scaled(40))
    @given(d=damage(good, dtype))
    def check(d):
        what, data = d
        path = tmp / f"{target}.npy"
        path.write_bytes(data)
        problem = check_score(score, args({**base, target: path}), tally, "score_files")
        assert problem is None, f"{what}: {problem}"

    check()


def test_score_refuses_files_that_do_not_belong_together(score, files, tmp_path, tally):
    """Lengths that differ, a dtype that is not the -t one, dy missing for bwd: one line, exit 2."""
    short = tmp_path / "short.npy"
    np.save(short, values("f32")[:-1])
    cases = [
        ["-a", "gelu", "-t", "f32", "--x", str(files[("x", "f32")]), "--y", str(short)],
        ["-a", "gelu", "-t", "f32", "--x", str(files[("x", "f32")]), "--y", str(files[("y", "f64")])],
        ["-a", "gelu", "-t", "f16", "--x", str(files[("x", "f32")]), "--y", str(files[("y", "f32")])],
        ["-a", "gelu", "--direction", "bwd", "-t", "f32", "--x", str(files[("x", "f32")]), "--y",
         str(files[("y", "f32")])],
        ["-a", "gelu", "-t", "f32", "--x", str(files[("x", "f32")]), "--y", str(tmp_path)],
    ]
    for args in cases:
        proc = run([score, "score", *args], timeout=120)
        tally.input("score_files", "one line, exit 2" if proc.returncode == 2 else "BAD")
        assert proc.returncode == 2 and one_error_line(proc.stderr), (args, proc.returncode, proc.stderr)


def test_raw_files_of_the_wrong_length(score, files, tmp_path, tally):
    """Raw little-endian values whose byte count is no multiple of the element size."""
    raw = tmp_path / "y.raw"
    raw.write_bytes(values("f32").tobytes()[:-3])
    proc = run([score, "score", "-a", "relu", "-t", "f32", "--x", str(files[("x", "f32")]), "--y", str(raw)],
               timeout=120)
    tally.input("score_files", "one line, exit 2" if proc.returncode == 2 else "BAD")
    assert proc.returncode == 2 and one_error_line(proc.stderr), proc.stderr



def test_a_newline_in_the_header_still_gives_one_line(score, files, tmp_path, tally):
    good = files[("y", "f32")].read_bytes()
    bad = tmp_path / "y.npy"
    bad.write_bytes(good.replace(b"'<f4'", b"'<\n4'", 1))
    proc = run([score, "score", "-a", "relu", "-t", "f32", "--x", str(files[("x", "f32")]), "--y", str(bad)],
               timeout=120)
    tally.input("score_files", "one line, exit 2" if one_error_line(proc.stderr) else "TWO LINES")
    assert proc.returncode == 2 and one_error_line(proc.stderr), proc.stderr
