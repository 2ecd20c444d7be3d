"""Where a cpu kernel's time goes: the hottest loop of a function in `perf annotate --stdio` output.

    perf annotate -i perf.data --stdio -s SYMBOL | python -m actbench_tools.hotloop [--label NAME]

prints one line: the loop's share of the function's samples, its instructions per iteration (along the hotter side
of each branch inside it, wherever the compiler placed that side), the vector width
(the widest register it uses: xmm 128, ymm 256, zmm 512 bits) and the instruction mix by class (fma, mul,
add/sub, div/sqrt, cmp/blend/logic, min/max, convert, integer, load/store/move, scalar/control). A function
without a loop (a call such as SLEEF's expf8) is counted whole, "straight-line". tools/peers/cpu-profile.sh
runs it on actbench's kernel and on each framework peer's hot functions for one row of the cpu comparison:

    python -m actbench_tools.hotloop --perf-data perf.data [--percent-limit 2]

prints a markdown table of the functions holding at least that share of a `perf record`'s samples, each with its
role (the implementation's kernel, the roofline's copy, the OpenMP runtime, the OS, the interpreter) and, for a
kernel function perf can annotate, its hot loop; then the kernels' share of all samples.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

from .cli_common import OneLineParser, UsageError, run

PROG = "actbench-hotloop"

# "   12.34 :   2a99c5: vaddps %ymm3,%ymm0,%ymm10" (percent, address, instruction)
_LINE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*:\s+([0-9a-f]+):\s+(\S+)\s*(.*)$")
_JUMP_TARGET = re.compile(r"^([0-9a-f]+)\b")

CLASSES = ("fma", "mul", "add/sub", "div/sqrt", "cmp/blend/logic", "min/max", "convert", "integer",
           "load/store/move", "other vector", "scalar/control")


@dataclass
class Instr:
    pct: float
    addr: int
    op: str
    args: str


@dataclass
class Loop:
    """The hot loop (or the whole function, straight-line) of one annotate listing."""

    instrs: list[Instr]
    share: float  # % of the function's samples inside it
    straight_line: bool
    mix: dict[str, int] = field(default_factory=dict)

    @property
    def width_bits(self) -> int:
        text = " ".join(i.args for i in self.instrs)
        return 512 if "%zmm" in text else 256 if "%ymm" in text else 128 if "%xmm" in text else 64


# (pattern at the start of a lower-case mnemonic, class): the first that matches wins. The vector classes take
# VEX/EVEX forms (v...) or SSE's packed and scalar FP forms (...ps/pd/ss/sd), never the integer unit's cmp, and,
# or, xor, test (the loop's own counting: scalar/control); a vector instruction that matches none is "other vector".
_CLASS_PATTERNS = [(re.compile(p), c) for p, c in (
    (r"v?fn?m(add|sub)", "fma"),
    (r"v?(div|sqrt|rcp|rsqrt)[sp][sd]", "div/sqrt"),
    (r"v?mul[sp][sd]", "mul"),
    (r"v?(add|sub|hadd|hsub)[sp][sd]", "add/sub"),
    (r"v?(min|max)[sp][sd]", "min/max"),
    (r"v?cvt", "convert"),
    (r"v(cmp|p?blend|p?andn?|p?x?or|ptest|pternlog)|(cmp[a-z]*|andn?|x?or|blendv?)p[sd]", "cmp/blend/logic"),
    (r"vp(add|sub|mul|sll|srl|sra|cmp|min|max|abs|madd|shuf|unpck|pack|alignr|sign)", "integer"),
    (r"v?(mov[a-z]*p[sd]|movdq|movs[sd]\b|broadcast|perm|insert|extract|gather|lddqu|shuf|unpck|pbroadcast|pmov)"
     r"|vmov|vmaskmov", "load/store/move"),
    (r"v", "other vector"),
)]
def classify(op: str) -> str:
    """The class of one x86 mnemonic (AT&T syntax, as perf prints it)."""
    o = op.lower()
    return next((c for p, c in _CLASS_PATTERNS if p.match(o)), "scalar/control")


# prefixes objdump prints before a mnemonic ("bnd jmp", "notrack jmp", "repz ret"): the instruction is the next word
_PREFIXES = {"bnd", "notrack", "repz", "rep", "repnz", "lock", "data16", "cs", "ds"}


def parse(text: str) -> list[Instr]:
    out = []
    for line in text.splitlines():
        m = _LINE.match(line)
        if m:
            op, args = m.group(3), m.group(4)
            while op in _PREFIXES and args:
                op, _, args = args.partition(" ")
                args = args.strip()
            out.append(Instr(float(m.group(1)), int(m.group(2), 16), op, args))
    return out


def _is_jump(ins: Instr) -> bool:
    return ins.op.startswith("j")


def _is_unconditional(ins: Instr) -> bool:
    return ins.op.startswith("jmp")  # jmp, jmpq


def _jump_target(index: dict[int, int], ins: Instr) -> int | None:
    """The position of a direct jump's target in the listing, or None (indirect, or outside the function)."""
    m = _JUMP_TARGET.match(ins.args)
    return index.get(int(m.group(1), 16)) if m else None


def _side_samples(instrs: Sequence[Instr], pos: int | None, joins: set[int]) -> float:
    """How hot one side of a conditional jump is: the samples from pos up to its first jump or ret (inclusive) or to the
    first instruction another jump lands on (exclusive: where the two sides may join again). -1 outside the listing."""
    if pos is None:
        return -1.0
    total = 0.0
    for k in range(pos, len(instrs)):
        if k != pos and k in joins:
            break
        total += instrs[k].pct
        if _is_jump(instrs[k]) or instrs[k].op.startswith("ret"):
            break
    return total


def _hot_path(instrs: Sequence[Instr], index: dict[int, int], start: int, latch: int) -> list[Instr] | None:
    """One iteration of the loop from start to its latch along the hotter side of every conditional jump (ties: the
    fall-through): what the loop executes per iteration where the compiler put a branch's hot side out of the address
    range (a rare case inline, the common one after the loop: leaky_relu bwd bf16's rounding), which the range from
    the target to the latch would count whole. A jump back to start closes the iteration too. None where the path
    leaves the function (ret, a jump out of the listing) or comes back into itself without closing. index: each
    instruction's position by its address."""
    joins = {t for t in (_jump_target(index, i) for i in instrs if _is_jump(i)) if t is not None}
    path: list[Instr] = []
    seen: set[int] = set()
    pos: int | None = start
    while pos is not None and pos not in seen:
        ins = instrs[pos]
        path.append(ins)
        seen.add(pos)
        if pos == latch:
            return path
        if ins.op.startswith("ret"):
            return None
        if not _is_jump(ins):
            pos = pos + 1 if pos + 1 < len(instrs) else None
            continue
        target = _jump_target(index, ins)
        fall = pos + 1 if pos + 1 < len(instrs) else None
        if target == start and (_is_unconditional(ins) or _side_samples(instrs, fall, joins) <= 0):
            return path  # a back edge to the head closes the iteration (a conditional one: if nothing hot follows)
        if _is_unconditional(ins):
            pos = target
            continue
        if target == start:  # a conditional back edge with work after it: the iteration goes on
            pos = fall
            continue
        pos = target if _side_samples(instrs, target, joins) > _side_samples(instrs, fall, joins) else fall
    return None


def hot_loop(instrs: Sequence[Instr]) -> Loop:
    """The loop (a backward jump and the instructions from its target to it) with the most samples; of two
    nested loops the inner one where it holds at least 80% of the outer's samples. No loop: the function. The
    loop's instructions are one iteration along its hot path (_hot_path) where that closes, else the whole range; its
    share counts the range and any block of that path outside it."""
    if not instrs:
        raise UsageError("no annotated instructions in the input (perf annotate --stdio -s SYMBOL)")
    total = sum(i.pct for i in instrs) or 1.0
    loops: list[tuple[float, int, list[Instr]]] = []
    for k, ins in enumerate(instrs):
        if not _is_jump(ins):
            continue
        m = _JUMP_TARGET.match(ins.args)
        if not m:
            continue
        target = int(m.group(1), 16)
        if target > ins.addr:
            continue
        body = [i for i in instrs[: k + 1] if i.addr >= target]
        if body:
            loops.append((sum(i.pct for i in body), len(body), body))
    if not loops:
        chosen, straight = list(instrs), True
    else:
        loops.sort(key=lambda t: (-t[0], t[1]))
        best = loops[0]
        for cand in loops[1:]:  # an inner loop (smaller, inside best) carrying most of best's samples
            inside = cand[2][0].addr >= best[2][0].addr and cand[2][-1].addr <= best[2][-1].addr
            if inside and cand[1] < best[1] and cand[0] >= 0.8 * best[0]:
                best = cand
        chosen, straight = best[2], False
        index = {ins.addr: k for k, ins in enumerate(instrs)}
        path = _hot_path(instrs, index, index[chosen[0].addr], index[chosen[-1].addr])
        region = {i.addr: i for i in chosen}  # the loop's samples: its range and any hot block placed outside it
        if path:
            region.update((i.addr, i) for i in path)
            chosen = path
        share = 100.0 * sum(i.pct for i in region.values()) / total
    if straight:
        share = 100.0 * sum(i.pct for i in chosen) / total
    mix = {c: 0 for c in CLASSES}
    for i in chosen:
        mix[classify(i.op)] += 1
    return Loop(chosen, share, straight, mix)


def summary(loop: Loop, label: str = "") -> str:
    kind = "straight-line" if loop.straight_line else "loop"
    mix = ", ".join(f"{c} {n}" for c, n in loop.mix.items() if n)
    head = f"{label}: " if label else ""
    return (f"{head}{kind} of {len(loop.instrs)} instructions, {loop.width_bits}-bit vectors, "
            f"{loop.share:.0f}% of the function's samples; {mix}")


def role(dso: str, sym: str) -> str:
    """What a function of a profiled run is there for. actbench's timed run also measures its roofline (the copy
    kernel, libc's memcpy); a framework peer's loop (actbench_tools.peers.loop) runs its op alone."""
    s = re.sub(r"\s*\[clone [^]]*\]", "", sym).lower()  # GCC's [clone .constprop.0] / [clone ._omp_fn.0]
    if dso.startswith("[kernel"):
        return "OS"
    if dso.startswith("libgomp") or dso.startswith("libiomp"):
        return "OpenMP runtime"
    if dso.startswith("libpython") or dso.startswith("python"):
        return "interpreter"
    if dso.startswith("libc.") and re.search(r"mem(move|cpy|set)", s):
        return "memory copy/set (roofline, inputs)"
    if dso == "actbench":
        if "copy_kernel" in s:
            return "roofline copy"
        return "kernel" if ("run_split" in s or "run_blocks" in s or "elementop" in s) else "harness"
    if re.search(r"copy_kernel|\bcopy_\b|native::clone\b", s):
        return "copy"
    if (dso.startswith("libtorch") or dso.startswith("libsleef") or dso.startswith("[jit]") or dso == "[unknown]"
            or "jit" in dso.lower() or dso.endswith(".main.so")):
        return "kernel"
    return "other"


_REPORT_LINE = re.compile(r"^\s*(\d+(?:\.\d+)?)%\s+(\S+(?: \S+)*?)\s+\[(.)\]\s+(.*\S)\s*$")


def perf_rows(data: str, limit: float) -> list[tuple[float, str, str]]:
    """(percent, dso, symbol) of the functions at >= limit % of a perf.data's samples, JIT code (no symbols: perf
    lists each address apart) summed into one row per JIT map."""
    out = subprocess.run(["perf", "report", "-i", data, "--stdio", "--no-children", "--sort", "dso,sym",
                          "--percent-limit", "0"], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise UsageError(f"perf report -i {data} failed: {out.stderr.strip().splitlines()[-1:] or out.returncode}")
    return report_rows(out.stdout, limit)


def report_rows(text: str, limit: float) -> list[tuple[float, str, str]]:
    """perf_rows from the text of `perf report --stdio --sort dso,sym`."""
    rows: list[tuple[float, str, str]] = []
    jit: dict[str, float] = {}
    for line in text.splitlines():
        m = _REPORT_LINE.match(line)
        if not m:
            continue
        pct, dso, sym = float(m.group(1)), m.group(2), m.group(4)
        if dso.startswith("[JIT]") or dso == "[unknown]":
            jit[dso] = jit.get(dso, 0.0) + pct
        else:
            rows.append((pct, dso, sym))
    rows += [(pct, dso, "JIT code, every address") for dso, pct in jit.items()]
    return sorted((r for r in rows if r[0] >= limit), key=lambda r: -r[0])


def profile_table(data: str, limit: float) -> str:
    lines = ["| samples | role | library | function | hot loop |", "|---|---|---|---|---|"]
    kernel = 0.0
    for pct, dso, sym in perf_rows(data, limit):
        r = role(dso, sym)
        loop = ""
        if r == "kernel" and (dso.startswith("[JIT]") or dso == "[unknown]"):
            kernel += pct
            loop = "(JIT code: no symbols to annotate)"
        elif r == "kernel":
            kernel += pct
            ann = subprocess.run(["perf", "annotate", "-i", data, "--stdio", "-s", sym], capture_output=True,
                                 text=True, check=False)
            instrs = parse(ann.stdout)
            loop = summary(hot_loop(instrs)) if instrs else "(no annotation: JIT code or no symbols)"
        short = sym if len(sym) <= 110 else sym[:107] + "..."
        short = short.replace("|", "\\|")
        lines.append(f"| {pct:.1f}% | {r} | {dso} | `{short}` | {loop} |")
    lines.append("")
    lines.append(f"The kernel's functions hold {kernel:.1f}% of the samples (functions under {limit:g}% not listed).")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    p = OneLineParser(prog=PROG, description=__doc__.split("\n\n")[0])
    p.add_argument("input", nargs="?", default="-", help="perf annotate --stdio output (default: standard input)")
    p.add_argument("--label", default="", help="a name printed before the summary")
    p.add_argument("--perf-data", help="a perf.data: print the table of its functions instead")
    p.add_argument("--percent-limit", type=float, default=2.0, help="with --perf-data: the least share listed")
    a = p.parse_args(argv)
    if not 0 <= a.percent_limit <= 100:
        raise UsageError(f"--percent-limit {a.percent_limit:g}: give a share between 0 and 100")
    if a.perf_data:
        print(profile_table(a.perf_data, a.percent_limit))
        return 0
    text = sys.stdin.read() if a.input == "-" else open(a.input, encoding="utf-8", errors="replace").read()
    print(summary(hot_loop(parse(text)), a.label))
    return 0


def cli(argv: list[str] | None = None) -> int:
    return run(PROG, main, argv)


if __name__ == "__main__":
    sys.exit(cli())
