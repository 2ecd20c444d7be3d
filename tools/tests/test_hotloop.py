"""actbench_tools.hotloop: the hot loop of a perf annotate listing (no perf needed: canned listings)."""

from __future__ import annotations

import pytest

from actbench_tools import hotloop
from actbench_tools.cli_common import UsageError

# A loop of 6 instructions (2a9c0..2a9d6) behind a prologue, then an epilogue; 90% of the samples in the loop.
LISTING = """\
 Percent |      Source code & Disassembly of actbench for cpu-clock:ppp
    0.00 :   2a9a0: vbroadcastss 0x10(%rip),%ymm3
    5.00 :   2a9a8: mov    %rdi,%rax
    0.00 :   2a9c0: vmovups (%rdi,%rax,1),%ymm0
   20.00 :   2a9c5: vfmadd231ps %ymm3,%ymm0,%ymm1
   30.00 :   2a9ca: vblendvps %ymm2,%ymm0,%ymm1,%ymm1
   25.00 :   2a9cf: vmovups %ymm1,(%rcx,%rax,1)
   10.00 :   2a9d3: add    $0x20,%rax
    5.00 :   2a9d6: jne    2a9c0 <run+0x40>
    5.00 :   2a9dc: ret
"""


def test_finds_the_loop_and_its_mix() -> None:
    loop = hotloop.hot_loop(hotloop.parse(LISTING))
    assert not loop.straight_line
    assert len(loop.instrs) == 6
    assert loop.share == pytest.approx(90.0)
    assert loop.width_bits == 256
    assert loop.mix["fma"] == 1 and loop.mix["cmp/blend/logic"] == 1 and loop.mix["load/store/move"] == 2
    assert loop.mix["scalar/control"] == 2
    text = hotloop.summary(loop, "x")
    assert text.startswith("x: loop of 6 instructions, 256-bit vectors, 90% of the function's samples")


def test_inner_loop_preferred_when_it_holds_the_samples() -> None:
    nested = """\
    1.00 :   100: vmovups (%rdi),%zmm0
    0.00 :   104: vmulps %zmm0,%zmm0,%zmm1
   45.00 :   108: vaddps %zmm1,%zmm0,%zmm0
   45.00 :   10c: jne    104 <f+0x4>
    9.00 :   110: jne    100 <f>
"""
    loop = hotloop.hot_loop(hotloop.parse(nested))
    assert [i.addr for i in loop.instrs] == [0x104, 0x108, 0x10C]
    assert loop.width_bits == 512


def test_a_hot_side_placed_after_the_loop_is_followed() -> None:
    # GCC put the common side of a branch (a store) after a cold block (three instructions standing for the rare
    # case's many): the latch at 0x140 jumps back to 0x100, so the range 0x100..0x140 holds the cold block too; one
    # iteration along the hot side is 0x100, 0x104, 0x108 (je to 0x138), 0x138, 0x13c, 0x140.
    split = """\
    0.00 :   f0: mov    %rdi,%rax
   20.00 :   100: vmovups (%rdi,%rax,1),%zmm0
   20.00 :   104: vfpclassps $0x20,%zmm0,%k0
   10.00 :   108: je     138 <f+0x48>
    0.00 :   10c: vpsrld $0x10,%zmm0,%zmm1
    0.00 :   110: vpaddd %zmm1,%zmm0,%zmm0
    0.00 :   114: vmovdqu %ymm0,(%rsi,%rax,2)
    0.00 :   118: jmp    13c <f+0x4c>
   30.00 :   138: vcvtneps2bf16 %zmm0,%ymm0
   10.00 :   13c: add    $0x10,%rax
   10.00 :   140: jne    100 <f+0x10>
    0.00 :   146: ret
"""
    loop = hotloop.hot_loop(hotloop.parse(split))
    assert [i.addr for i in loop.instrs] == [0x100, 0x104, 0x108, 0x138, 0x13C, 0x140]
    assert loop.share == pytest.approx(100.0)
    assert loop.mix["convert"] == 1 and loop.mix["integer"] == 0
    # the same listing with the cold side hot: the path takes the fall-through and the unconditional jump
    cold_hot = split.replace("   30.00 :   138", "    0.00 :   138").replace("    0.00 :   10c", "   30.00 :   10c")
    loop = hotloop.hot_loop(hotloop.parse(cold_hot))
    assert [i.addr for i in loop.instrs] == [0x100, 0x104, 0x108, 0x10C, 0x110, 0x114, 0x118, 0x13C, 0x140]


def test_the_sides_are_weighed_up_to_where_they_join() -> None:
    # the taken side (0x138) runs into the shared tail (0x13c, 0x140): weighed alone it holds 10 samples against the
    # fall-through's 15, and the fall-through is the hot side
    layout = """\
   10.00 :   100: vmovups (%rdi,%rax,1),%zmm0
   10.00 :   104: vfpclassps $0x20,%zmm0,%k0
   10.00 :   108: je     138 <f+0x48>
   15.00 :   10c: vpsrld $0x10,%zmm0,%zmm1
    0.00 :   118: jmp    13c <f+0x4c>
   10.00 :   138: vcvtneps2bf16 %zmm0,%ymm0
   20.00 :   13c: add    $0x10,%rax
   25.00 :   140: jne    100 <f+0x10>
"""
    loop = hotloop.hot_loop(hotloop.parse(layout))
    assert [i.addr for i in loop.instrs] == [0x100, 0x104, 0x108, 0x10C, 0x118, 0x13C, 0x140]


def test_a_jump_back_to_the_head_closes_the_iteration() -> None:
    # the hot side lies past the latch and returns to the head by an unconditional jump (with a "bnd" prefix)
    layout = """\
   20.00 :   100: vmovups (%rdi,%rax,1),%zmm0
   10.00 :   104: je     120 <f+0x20>
    1.00 :   108: vpaddd %zmm0,%zmm0,%zmm0
    1.00 :   10c: add    $0x10,%rax
    1.00 :   110: jne    100 <f>
    0.00 :   114: ret
   40.00 :   120: vcvtneps2bf16 %zmm0,%ymm0
   27.00 :   124: bnd jmp 100 <f>
"""
    instrs = hotloop.parse(layout)
    assert instrs[-1].op == "jmp" and instrs[-1].args.startswith("100")
    loop = hotloop.hot_loop(instrs)
    # the range 0x100..0x110 is the loop found by its latch; the hot iteration leaves it and comes back
    assert [i.addr for i in loop.instrs] == [0x100, 0x104, 0x120, 0x124]
    assert loop.share == pytest.approx(100.0)


@pytest.mark.parametrize("exit_line", ["    0.00 :   118: ret", "    0.00 :   118: jmp    900 <g>"])
def test_a_path_that_leaves_the_function_keeps_the_range(exit_line: str) -> None:
    # the hotter side of 0x104 (0x114: 40 samples against 30 for 0x108 and 0x10c) leaves by a ret or a jump out of
    # the listing: the path does not close, and the loop is its range
    leaves = f"""\
   10.00 :   100: vmovups (%rdi),%zmm0
   10.00 :   104: je     114 <f+0x14>
   20.00 :   108: vaddps %zmm0,%zmm0,%zmm0
   10.00 :   10c: jne    100 <f>
    0.00 :   110: nop
   40.00 :   114: vmulps %zmm0,%zmm0,%zmm0
{exit_line}
"""
    loop = hotloop.hot_loop(hotloop.parse(leaves))
    assert [i.addr for i in loop.instrs] == [0x100, 0x104, 0x108, 0x10C]


def test_a_function_without_a_loop_is_counted_whole() -> None:
    straight = """\
   50.00 :   10: vfmadd213ps %ymm1,%ymm2,%ymm0
   40.00 :   15: vdivps %ymm1,%ymm0,%ymm0
   10.00 :   19: ret
"""
    loop = hotloop.hot_loop(hotloop.parse(straight))
    assert loop.straight_line and len(loop.instrs) == 3
    assert loop.mix["div/sqrt"] == 1
    assert "straight-line of 3 instructions" in hotloop.summary(loop)


def test_no_instructions_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        hotloop.hot_loop(hotloop.parse("nothing here\n"))


@pytest.mark.parametrize("op, cls", [
    ("vfnmadd132ps", "fma"), ("vmulps", "mul"), ("vsubps", "add/sub"), ("vdivps", "div/sqrt"),
    ("vcmpltps", "cmp/blend/logic"), ("vpblendvb", "cmp/blend/logic"), ("vpand", "cmp/blend/logic"),
    ("vmaxps", "min/max"), ("vcvtph2ps", "convert"), ("vpsubd", "integer"), ("vpslld", "integer"),
    ("vmovaps", "load/store/move"), ("vbroadcastss", "load/store/move"), ("jne", "scalar/control"),
    # the integer unit's loop counting is not vector logic; a vector op of no listed class is "other vector"
    ("cmp", "scalar/control"), ("and", "scalar/control"), ("xor", "scalar/control"), ("test", "scalar/control"),
    ("cmpltps", "cmp/blend/logic"), ("andnps", "cmp/blend/logic"), ("vroundps", "other vector"),
    ("vmaskmovps", "load/store/move"),
])
def test_classify(op: str, cls: str) -> None:
    assert hotloop.classify(op) == cls


@pytest.mark.parametrize("dso, sym, want", [
    ("actbench", "actbench::cpu::detail::run_split<actbench::f32::Parts<...>>", "kernel"),
    ("actbench", "actbench::cpu::detail::for_blocks<unsigned, actbench::cpu::copy_kernel<float>>", "roofline copy"),
    ("actbench", "actbench::benchmark_values", "harness"),
    ("libc.so.6", "__memmove_avx_unaligned_erms", "memory copy/set (roofline, inputs)"),
    ("libtorch_cpu.so", "Sleef_finz_expf8_u10avx2", "kernel"),
    ("libgomp.so.1", "0x000000000001e02a", "OpenMP runtime"),
    ("[kernel.kallsyms]", "clear_page_erms", "OS"),
    ("libpython3.11.so.1.0", "gc_collect_main", "interpreter"),
    # GCC's clone suffixes are not copies; a framework's copy kernel is, the op's own or a roofline's
    ("libtorch_cpu.so", "at::native::AVX2::sigmoid_kernel(at::TensorIteratorBase&) [clone .constprop.0]", "kernel"),
    ("libtorch_cpu.so", "at::native::AVX2::direct_copy_kernel(at::TensorIteratorBase&)", "copy"),
    ("cabc.main.so", "kernel._omp_fn.0", "kernel"),
    ("[unknown]", "0x00007f0cb78c0190", "kernel"),
])
def test_role(dso: str, sym: str, want: str) -> None:
    assert hotloop.role(dso, sym) == want


def test_report_line_pattern() -> None:
    m = hotloop._REPORT_LINE.match("    37.87%  libtorch_cpu.so       [.] Sleef_finz_expf8_u10avx2")
    assert m and m.group(1) == "37.87" and m.group(2) == "libtorch_cpu.so" and m.group(4) == "Sleef_finz_expf8_u10avx2"


def test_report_rows_sum_jit_addresses_and_apply_the_limit() -> None:
    text = """\
# Samples: 4K of event 'cpu-clock:ppp'
    37.87%  libtorch_cpu.so       [.] Sleef_finz_expf8_u10avx2
     6.90%  [JIT] tid 26302       [.] 0x00007f0cb78c0190
     3.50%  [JIT] tid 26302       [.] 0x00007f0cb78c0148
     1.50%  libc.so.6             [.] __memmove_avx_unaligned_erms
     1.20%  [unknown]             [.] 0x00007f0cb78c0001
     1.10%  [unknown]             [.] 0x00007f0cb78c0002
"""
    rows = hotloop.report_rows(text, 2.0)
    assert rows[0] == (37.87, "libtorch_cpu.so", "Sleef_finz_expf8_u10avx2")
    assert rows[1][1] == "[JIT] tid 26302" and rows[1][0] == pytest.approx(10.4)
    assert rows[2][1] == "[unknown]" and rows[2][0] == pytest.approx(2.3)
    assert len(rows) == 3  # memmove under the limit


def test_a_bad_percent_limit_is_one_error_line(capsys) -> None:
    from actbench_tools.cli_common import run

    assert run(hotloop.PROG, hotloop.main, ["--perf-data", "perf.data", "--percent-limit", "200"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--percent-limit 200" in err[0]
