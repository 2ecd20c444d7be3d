"""tools/sass/sass_model.py: SASS parsing, the hot path of the full-tile loop, and (where nvcc and
cuobjdump are installed) the counts of real kernels."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from actbench_tools import model
from actbench_tools.cli_common import UsageError

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools" / "sass"))

import sass_model  # noqa: E402


def sass(name: str, lines: list[str]) -> str:
    """cuobjdump -sass text of one function: one instruction per 16 bytes, with encodings."""
    out = [f"\t\tFunction : {name}", '\t.headerflags\t@"EF_CUDA_SM90 EF_CUDA_VIRTUAL_SM(EF_CUDA_SM90)"']
    for k, text in enumerate(lines):
        out.append(f"        /*{16 * k:04x}*/                   {text} ;   /* 0x000fe20000000800 */")
        out.append("                                                    /* 0x000fe20000000800 */")
    return "\n".join(out) + "\n"


# A full-tile loop with kUnroll = 2 (two vector loads per tile, one store per inner iteration), an op
# with a branch to an out-of-line slow path (a call block) and its callee after EXIT.
TILE = [
    "LDC R1, c[0x0][0x28]",  # 000
    "S2R R0, SR_TID.X",  # 010
    "LDG.E.128.CONSTANT R4, desc[UR4][R2.64]",  # 020  outer loop
    "LDG.E.128.CONSTANT R8, desc[UR4][R2.64+0x10]",  # 030
    "IMAD.MOV.U32 R12, RZ, RZ, RZ",  # 040
    "FFMA R4, R4, 2, R4",  # 050  inner loop
    "FSETP.GT.AND P1, PT, |R4|, 20, PT",  # 060
    "@P1 BRA 0xb0",  # 070  to the cold call
    "MUFU.EX2 R5, R4",  # 080
    "FADD R6, R5, 1",  # 090
    "BRA 0xd0",  # 0a0
    "MOV R20, 0xd0",  # 0b0  the call block
    "CALL.REL.NOINC 0x150",  # 0c0
    "STG.E.128 desc[UR4][R2.64], R4",  # 0d0
    "VIADD R12, R12, 0x1",  # 0e0
    "ISETP.NE.AND P0, PT, R12, 0x2, PT",  # 0f0
    "@P0 BRA 0x50",  # 100  inner back edge
    "IADD3 R2, P3, R2, 0x20, RZ",  # 110
    "@!P2 BRA 0x20",  # 120  outer back edge
    "EXIT",  # 130
    "BRA 0x140",  # 140  padding
    "FFMA R4, R4, R4, R4",  # 150  the callee
    "FFMA R4, R4, R4, R4",  # 160
    "RET.REL.NODEC R20 0x0",  # 170
    "NOP",  # 180
]


def test_parse_drops_padding_and_reads_guards():
    [f] = sass_model.parse_sass(sass("k", TILE))
    assert f.name == "k" and len(f.code) == len(TILE) - 2
    bra = f.code[7]
    assert (bra.pred, bra.op, bra.target, bra.conditional) == ("@P1", "BRA", 0xB0, True)
    assert not f.code[10].conditional and f.code[10].target == 0xD0
    assert sass_model.callee_starts(f.code) == [0x150]
    assert sass_model.classify(f.code[2]) == "load_store" and sass_model.classify(f.code[1]) == "other"
    assert sass_model.classify(sass_model.Instr(0, "", "ULDC.64", "UR4, c[0x0][0x208]")) == "uniform"


def test_hot_path_of_the_tile_loop():
    [f] = sass_model.parse_sass(sass("k", TILE))
    c = sass_model.count_per_element(f.code, 2, 4, 1)  # 8 elements per tile
    # outer only (x1): 2 LDG, IMAD, IADD3, BRA; inner (x2): 10 hot of 12 (the call block is cold)
    assert sum(c.hot.values()) == pytest.approx((5 + 2 * 10) / 8)
    assert dict(c.hot) == pytest.approx({"load_store": 4 / 8, "imad": 1 / 8, "fp32": 4 / 8, "fp32_alu": 2 / 8,
                                         "control": 7 / 8, "mufu": 2 / 8, "int": 5 / 8})
    # full: every instruction of the loop, and the callee's three per call
    assert c.full_total == pytest.approx((5 + 2 * 12 + 2 * 3) / 8)
    assert c.branches == pytest.approx(2 / 8) and c.loops_in_op == 0


# Two versions of the loop body chosen by a kernel parameter (a uniform predicate), as nvcc writes a
# loop unswitched on a parameter; no inner loop (kUnroll = 2 stores in the tile loop).
UNSWITCHED = [
    "LDC R1, c[0x0][0x28]",  # 000
    "S2R R0, SR_TID.X",  # 010
    "LDG.E.128.CONSTANT R4, desc[UR4][R2.64]",  # 020  tile loop
    "LDG.E.128.CONSTANT R8, desc[UR4][R2.64+0x10]",  # 030
    "PLOP3.LUT P3, PT, PT, PT, UP0, 0x80, 0x0",  # 040  P3 from a uniform predicate
    "@!P3 BRA 0x90",  # 050
    "FFMA R4, R4, 2, R4",  # 060  version A
    "FFMA R5, R5, 2, R5",  # 070
    "BRA 0xa0",  # 080
    "FADD R4, R4, 1",  # 090  version B
    "STG.E.128 desc[UR4][R2.64], R4",  # 0a0
    "STG.E.128 desc[UR4][R2.64+0x10], R8",  # 0b0
    "@!P2 BRA 0x20",  # 0c0
    "EXIT",  # 0d0
]


def test_a_uniform_branch_counts_one_side():
    [f] = sass_model.parse_sass(sass("k", UNSWITCHED))
    assert sass_model.predicate_is_uniform(f.code, 5, "P3")
    c = sass_model.count_per_element(f.code, 2, 4, 1)
    assert sum(c.hot.values()) == pytest.approx((4 + 1 + 3) / 8)  # the cheaper version
    assert sum(c.hot_max.values()) == pytest.approx((4 + 3 + 3) / 8) and c.uniform_branches == 1
    assert c.versions == pytest.approx([8 / 8, 10 / 8])
    assert c.branches == pytest.approx(1 / 8)
    # the same branch on a per-thread value: lanes may disagree, both versions count
    divergent = [ln if not ln.startswith("PLOP3") else "FSETP.GT.AND P3, PT, R4, RZ, PT" for ln in UNSWITCHED]
    [f] = sass_model.parse_sass(sass("k", divergent))
    assert not sass_model.predicate_is_uniform(f.code, 5, "P3")
    c = sass_model.count_per_element(f.code, 2, 4, 1)
    assert sum(c.hot.values()) == pytest.approx((4 + 3 + 1 + 3) / 8) and c.uniform_branches == 0
    assert c.full_total == pytest.approx(11 / 8)


def test_uniform_predicates():
    def code(*lines):
        [f] = sass_model.parse_sass(sass("k", list(lines) + ["@!P0 BRA 0x0"]))
        return f.code

    def uniform(*lines):
        c = code(*lines)
        return sass_model.predicate_is_uniform(c, len(c) - 1, "P0")

    assert uniform("ISETP.NE.AND P0, PT, RZ, UR4, PT")  # a kernel parameter
    assert uniform("ISETP.GT.U32.AND P0, PT, RZ, c[0x0][0x238], PT")
    assert not uniform("ISETP.GE.AND P0, PT, R25, R2, PT")  # per thread
    assert not uniform("FSETP.GT.AND P0, PT, |R4|, 20, PT")
    assert not uniform("LOP3.LUT P0, RZ, R3, 0x7fffffff, RZ, 0xc0, !PT")
    # a chained compare reads its predicate's earlier definition
    assert not uniform("ISETP.GE.U32.AND P0, PT, R4, UR6, PT", "ISETP.GE.AND.EX P0, PT, RZ, UR7, PT, P0")
    assert uniform("UISETP.GE.U32.AND UP0, UPT, UR4, UR6, UPT", "PLOP3.LUT P0, PT, PT, PT, UP0, 0x80, 0x0")
    assert not uniform("MOV R0, R1")  # no definition found: not known to be uniform
    # a per-thread register holding a kernel parameter (float(beta) of a double member) is uniform
    assert uniform("F2F.F32.F64 R2, UR4", "FSETP.NEU.AND P0, PT, R2, 1, PT")
    assert uniform("MOV R2, c[0x0][0x210]", "FADD R3, R2, 1", "FSETP.NEU.AND P0, PT, R3, 1, PT")
    assert not uniform("S2R R2, SR_TID.X", "FSETP.NEU.AND P0, PT, R2, 1, PT")
    assert not uniform("LDG.E R2, desc[UR4][R4.64]", "FSETP.NEU.AND P0, PT, R2, 1, PT")
    assert not uniform("@P1 MOV R2, UR4", "FSETP.NEU.AND P0, PT, R2, 1, PT")  # only some threads define it
    assert not uniform("FSETP.NEU.AND P0, PT, R2, 1, PT")  # R2 defined nowhere before
    # a 64-bit result writes a register pair: R3 is DADD's high half, not the parameter moved there before
    assert not uniform("MOV R3, UR4", "DADD R2, R4, R6", "ISETP.GE.U32.AND P0, PT, R3, 0x7ff00000, PT")
    assert not uniform("MOV R3, UR4", "F2F.F64.F32 R2, R5", "ISETP.GE.U32.AND P0, PT, R3, 0x7ff00000, PT")
    assert uniform("DADD R2, R4, R6", "MOV R3, UR4", "ISETP.GE.U32.AND P0, PT, R3, 0x7ff00000, PT")


# A loop body that tests float(beta) == 1 once and branches on it for each of two elements (as nvcc writes
# swish's `beta == 1 ? silu : swish_beta` per element), the second branch more than 64 instructions after
# the compare; version A costs 2 (FFMA, BRA) an element, version B 3.
FILL = 70
PER_ELEMENT = [
    "F2F.F32.F64 R2, UR4",  # 000  float(beta), a per-thread copy of a kernel parameter
    "LDG.E.128.CONSTANT R4, desc[UR4][R12.64]",  # 010  tile loop
    "LDG.E.128.CONSTANT R8, desc[UR4][R12.64+0x10]",  # 020
    "FSETP.NEU.AND P1, PT, R2, 1, PT",  # 030
    "@!P1 BRA 0x70",  # 040  element 0
    "FFMA R4, R4, 2, R4",  # 050  A
    "BRA 0xa0",  # 060
    "FADD R4, R4, 1",  # 070  B
    "FADD R4, R4, 1",  # 080
    "FADD R4, R4, 1",  # 090
] + ["FMUL R6, R6, R6"] * FILL + [  # 0a0...
    "@!P1 BRA 0x{:x}",  # element 1
    "FFMA R5, R5, 2, R5",  # A
    "BRA 0x{:x}",
    "FADD R5, R5, 1",  # B
    "FADD R5, R5, 1",
    "FADD R5, R5, 1",
    "STG.E.128 desc[UR4][R14.64], R4",  # join
    "STG.E.128 desc[UR4][R14.64+0x10], R8",
    "@!P2 BRA 0x10",
    "EXIT",
]


def per_element(*, redefine: str | None = None) -> list[str]:
    lines = list(PER_ELEMENT)
    k = 10 + FILL  # the second branch
    lines[k] = lines[k].format(16 * (k + 3))
    lines[k + 2] = lines[k + 2].format(16 * (k + 6))
    if redefine:  # a per-thread redefinition of P1 on one side of element 0
        lines[7] = redefine
    return lines


def test_branches_on_one_parameter_go_one_way():
    [f] = sass_model.parse_sass(sass("k", per_element()))
    body = sass_model.main_body(f.code)
    second = 10 + FILL
    assert sass_model.predicate_is_uniform(body, second, "P1")  # its definition is 71 instructions back
    assert sass_model.reaching_definitions(body, second, "P1") == ([3], False)
    c = sass_model.count_per_element(f.code, 2, 4, 1)
    common = 2 + 1 + 2 * 1 + FILL + 2 + 1  # loads, compare, the branches, filler, stores, back edge
    assert c.uniform_branches == 2
    assert c.versions == pytest.approx([(common + 2 * 2) / 8, (common + 2 * 3) / 8])  # A A or B B, never A B
    assert sum(c.hot.values()) == pytest.approx((common + 4) / 8)
    # P1 redefined from a per-thread value on one way to element 1: not uniform there, both sides count
    [f] = sass_model.parse_sass(sass("k", per_element(redefine="FSETP.GT.AND P1, PT, R4, RZ, PT")))
    body = sass_model.main_body(f.code)
    assert sass_model.predicate_is_uniform(body, 4, "P1") and not sass_model.predicate_is_uniform(body, second, "P1")
    c = sass_model.count_per_element(f.code, 2, 4, 1)
    assert c.uniform_branches == 1 and c.versions == pytest.approx([(common + 2 + 2 + 3) / 8,
                                                                     (common + 3 + 2 + 3) / 8])


def test_a_call_defines_what_its_callee_writes():
    def lines(callee_writes: str) -> list[str]:
        return ["F2F.F32.F64 R2, UR4",  # 000
                "MOV R20, 0x30",  # 010
                "CALL.REL.NOINC 0x60",  # 020
                "FSETP.NEU.AND P0, PT, R2, 1, PT",  # 030
                "@!P0 BRA 0x0",  # 040
                "EXIT",  # 050
                f"MOV {callee_writes}, R7",  # 060  the callee
                "RET.REL.NODEC R20 0x0"]  # 070

    for reg, uniform in (("R3", True), ("R2", False)):
        [f] = sass_model.parse_sass(sass("k", lines(reg)))
        body = sass_model.main_body(f.code)
        assert sass_model.predicate_is_uniform(body, 4, "P0") is False  # callees unknown: a call writes everything
        sass_model._cfg_of(body, f.code)
        assert sass_model.predicate_is_uniform(body, 4, "P0") is uniform
    assert sass_model.callee_writes(f.code, 0x60) == {"R2"}


def test_unexpected_shapes_fail_with_a_reason():
    no_store = [ln if not ln.startswith("STG") else "MOV R0, R0" for ln in TILE]
    [f] = sass_model.parse_sass(sass("k", no_store))
    with pytest.raises(sass_model.KernelShapeError, match="vector stores"):
        sass_model.count_per_element(f.code, 2, 4, 1)
    [f] = sass_model.parse_sass(sass("k", TILE))
    with pytest.raises(sass_model.KernelShapeError, match="vector loads per tile, expected 4"):
        sass_model.count_per_element(f.code, 2, 4, 2)  # a bwd kernel loads twice as many
    moved = TILE[:19] + ["@P4 BRA 0x60"] + TILE[20:]  # after the loop, a jump back into it
    [f] = sass_model.parse_sass(sass("k", moved))
    with pytest.raises(sass_model.KernelShapeError, match="outside the full-tile loop, jumps into it"):
        sass_model.count_per_element(f.code, 2, 4, 1)
    [f] = sass_model.parse_sass(sass("k", [ln.replace(".128", "") for ln in TILE]))
    with pytest.raises(sass_model.KernelShapeError, match="no loop with 16-byte loads"):
        sass_model.count_per_element(f.code, 2, 4, 1)


def test_kernel_shape_error_is_one_line(monkeypatch, capsys):
    def broken(*_a, **_k):
        raise sass_model.KernelShapeError("3 vector stores per tile, expected 4")

    monkeypatch.setattr(sass_model, "build_rows", broken)
    monkeypatch.setattr(sass_model, "find_nvcc", lambda _: "nvcc")
    monkeypatch.setattr(sass_model, "find_cuobjdump", lambda _: "cuobjdump")
    assert sass_model.cli(["--quiet"]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unexpected kernel shape" in err


def test_bad_arguments(capsys):
    assert sass_model.cli(["--dtypes", "f8"]) == 2
    assert "--dtypes" in capsys.readouterr().err
    assert sass_model.cli(["--activations", "relu,silu"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--activations: silu" in err
    assert sass_model.cli(["--arch", "sm_90"]) == 2
    with pytest.raises(UsageError, match="no device of the table"):
        model.select_devices(None, [], "75")


# ---------------------------------------------------------------------------------------------
# Real kernels (nvcc + cuobjdump)

def _tools():
    try:
        return sass_model.find_nvcc(None), sass_model.find_cuobjdump(None)
    except UsageError as e:
        pytest.skip(f"needs the CUDA toolkit: {e}")


OPS_CU = r"""
#include "kernels/elementwise.cuh"
using namespace actbench;
__device__ __noinline__ float slow(float x) { return x / (x * x + 3.0f) + expf(x) * 0.5f; }
__device__ __forceinline__ float hot(float x) { return fmaf(x, fmaf(x, 0.25f, 0.5f), 1.0f); }
template <int K> struct Op {
  using storage_t = float;
  static constexpr Direction direction = Direction::fwd;
  static constexpr bool per_channel = false;
  __device__ float at(std::int64_t, float x) const {
    if constexpr (K == 0) return hot(x);                              // straight line
    else if constexpr (K == 1) return fabsf(x) > 20.0f ? slow(x) : hot(x);  // a cold path out of line
    else return hot(x) / (x * x + 1.0f);                              // IEEE division
  }
};
template <class O> void go() { kernels::elementwise_kernel<<<1, 256>>>(O{}, nullptr, nullptr, nullptr, 0, 0, true); }
void all() { go<Op<0>>(); go<Op<1>>(); go<Op<2>>(); go<kernels::CopyOp<float>>(); }
"""


def test_real_kernels_hot_and_cold(tmp_path):
    nvcc, cuobjdump = _tools()
    import subprocess

    src, cubin = tmp_path / "ops.cu", tmp_path / "ops.cubin"
    src.write_text(OPS_CU)
    subprocess.run([nvcc, "-std=c++17", "-O3", "--expt-relaxed-constexpr", "-arch=sm_90", "-cubin", "-I", str(ROOT),
                    "-o", str(cubin), str(src)], check=True)
    text = subprocess.run([cuobjdump, "-sass", str(cubin)], check=True, capture_output=True, text=True,
                          env=sass_model.cuobjdump_env()).stdout
    counts = {}
    for f in sass_model.parse_sass(text):
        key = "copy" if "CopyOp" in f.name else f.name.split("2OpILi")[1][0]
        counts[key] = sass_model.count_per_element(f.code, sass_model.k_unroll(ROOT), 4, 1)

    def hot(k):
        return sum(counts[k].hot.values())

    assert counts.keys() == {"copy", "0", "1", "2"}
    assert 1 <= hot("0") - hot("copy") <= 6  # two FFMA and a few moves per element
    assert hot("1") - hot("0") <= 8  # the test, the branch around the call, reconvergence
    assert counts["1"].full_total - hot("1") >= 40  # the slow path (a division and an exp) is not hot
    assert counts["1"].branches >= 1 and counts["0"].branches == 0
    assert counts["2"].hot["mufu"] == 1  # the division's reciprocal; its slow path is cold
    assert counts["2"].full_total - hot("2") >= 40


def test_the_tool_on_one_unit(tmp_path, capsys):
    _tools()
    out = tmp_path / "m.json"
    assert sass_model.cli(["--dtypes", "f16", "--variants", "precise", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "H100 %" in printed and "H200 %" in printed
    rows = json.loads(out.read_text())
    assert len(rows) == 17 * 3
    by = {model.row_key(r): r for r in rows}
    relu = by[("relu", "fwd", "f16", "precise")]
    assert relu["hot_instructions"] < 4 and relu["predicted_pct_of_copy"] == {"H100": 100.0, "H200": 100.0}
    gelu = by[("gelu", "deriv", "f16", "precise")]
    assert gelu["mufu"] > 0 and gelu["fp64"] == 0 and gelu["hot_instructions"] > relu["hot_instructions"]
    assert all(r["arch"] == "sm_90" and r["copy_overhead"] > 0 for r in rows)
    # the check against itself passes; against a baseline with a higher bound it fails
    assert model.compare(model.load_rows(out), rows).failed is False
    higher = [dict(r, predicted_pct_of_copy={k: v + 5 for k, v in r["predicted_pct_of_copy"].items()})
              for r in rows]
    assert model.compare(rows, higher).failed


def test_a_subset_of_activations_against_the_full_baseline(tmp_path, capsys):
    _tools()
    full = tmp_path / "full.json"
    assert sass_model.cli(["--dtypes", "f16", "--variants", "precise", "--out", str(full), "--quiet"]) == 0
    rows = json.loads(full.read_text())
    sub = tmp_path / "sub.json"
    capsys.readouterr()
    # only relu and gelu are compiled; the baseline's other rows are not missing, for they were not asked for
    assert sass_model.cli(["--dtypes", "f16", "--variants", "precise", "--activations", "gelu,relu", "--out", str(sub),
                           "--check", str(full), "--quiet"]) == 0
    assert "REGRESSION" not in capsys.readouterr().out
    picked = json.loads(sub.read_text())
    assert sorted({r["activation"] for r in picked}) == ["gelu", "relu"] and len(picked) == 6
    by = {model.row_key(r): r for r in rows}
    for r in picked:  # the same kernels, the same counts
        assert r["hot_instructions"] == by[model.row_key(r)]["hot_instructions"]
