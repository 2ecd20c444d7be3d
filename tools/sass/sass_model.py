#!/usr/bin/env python3
"""The instruction roofline of every op: compile, disassemble, count the hot path, predict % of copy.

Compiles the benchmark's own kernel (kernels/elementwise.cuh: elementwise_kernel) for every existing
(activation, direction, dtype, variant) with nvcc for one architecture (tools/sass/ops.cu, one
translation unit per dtype and variant, compiled in parallel), disassembles it with cuobjdump, and counts
per element what the full-tile loop issues on the hot path, by instruction class.  The model
(actbench_tools/model.py) turns those counts into a predicted upper bound of % of copy per device.

What is counted: the loop over full tiles (where every element of a 2^28 run is computed), each
instruction weighted by how often it runs per tile (a rolled per-vector loop inside it, the kernel's
older shape, kUnroll times), divided by the elements of a tile.  The hot path leaves out the cold code:
out-of-line functions (every CALL target, e.g. ACTBENCH_COLD slow paths and the IEEE division's slow
path) and the blocks that only lead to a call (the call site and its argument moves).  A branch left on
the hot path counts both sides, as a warp whose lanes disagree issues both; a branch every lane takes
the same way (its predicate computed from kernel parameters and constants only: every definition that
reaches it over the control-flow graph, through calls by what the callee writes, reads only such values)
counts one side, the cheaper way through all of them (the costlier is reported beside it).  Branches
that read the same definition of one predicate in one pass of the loop body (nvcc tests float(beta) == 1
once and branches on it for each element of a vector) take one side together, so a way through them is
one value of the parameter.  "full" adds the cold code, as if every element took every cold path once.
The copy kernel of the same shape (one input; two for bwd) is analysed the same way: its count is the
load/store/index overhead, and hot_instructions = op's count - copy's.

    .venv/bin/python tools/sass/sass_model.py                # print the table (sm_90, H100 and H200)
    .venv/bin/python tools/sass/sass_model.py --out results/model-sm90.json
    .venv/bin/python tools/sass/sass_model.py --check results/model-sm90.json   # CI: exit 1 when a bound falls

(the Python of tools/dev.sh's .venv: the package actbench_tools and its dependencies.)
"""

from __future__ import annotations

import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
if str(ROOT / "tools") not in sys.path:  # the package beside this folder, installed or not
    sys.path.insert(0, str(ROOT / "tools"))

from actbench_tools import catalog, model  # noqa: E402
from actbench_tools.cli_common import OneLineParser, UsageError, run  # noqa: E402

PROG = "sass_model"

# dtype code -> (C++ storage type, bytes)
DTYPES = {"f16": ("f16_t", 2), "bf16": ("bf16_t", 2), "f32": ("float", 4), "f64": ("double", 8)}
VARIANTS = ("precise", "fast", "textbook")  # the order of actbench::Variant
DIRECTIONS = ("fwd", "deriv", "bwd")  # the order of actbench::Direction
COPY_TAG = 1000  # tools/sass/ops.cu: kCopy
VECTOR_BYTES = 16  # kernels/elementwise.cuh: one 16-byte vector per load and store

# ---------------------------------------------------------------------------------------------
# SASS: parsing, instruction classes, the control-flow graph


@dataclass(frozen=True)
class Instr:
    addr: int
    pred: str  # "" or the guard, e.g. "@!P0"
    op: str  # the opcode with its modifiers, e.g. "LDG.E.128.CONSTANT"
    args: str

    @property
    def base(self) -> str:
        return self.op.split(".", 1)[0]

    @property
    def target(self) -> int | None:
        """The address a branch or call goes to (the last hex operand)."""
        found = re.findall(r"0x([0-9a-f]+)", self.args)
        return int(found[-1], 16) if found else None

    @property
    def conditional(self) -> bool:
        """A guarded instruction, or a branch with a predicate operand (BRA !P2, 0x...)."""
        if self.pred and self.pred not in ("@PT", "@UPT"):
            return True
        return bool(re.match(r"\s*!?U?P\d", self.args))


@dataclass
class Function:
    name: str  # mangled
    code: list[Instr]


_LINE = re.compile(r"^\s*/\*([0-9a-f]{4,})\*/\s+(.*?)\s*;")
_INSTR = re.compile(r"^(@!?U?P(?:\d+|T)\s+)?([A-Z][A-Z0-9_.]*)\s*(.*)$")


def parse_sass(text: str) -> list[Function]:
    """cuobjdump -sass output -> functions with their instructions (padding dropped: NOPs and the
    branch-to-itself that ends every function)."""
    funcs: list[Function] = []
    for chunk in re.split(r"(?m)^[ \t]*Function : ", text)[1:]:
        name, _, body = chunk.partition("\n")
        code = []
        for line in body.splitlines():
            m = _LINE.match(line)
            if not m:
                continue
            i = _INSTR.match(m.group(2))
            if not i:
                raise ValueError(f"unparsed SASS line: {line.strip()}")
            ins = Instr(int(m.group(1), 16), (i.group(1) or "").strip(), i.group(2), i.group(3))
            if ins.base == "NOP" or (ins.base == "BRA" and ins.target == ins.addr and not ins.conditional):
                continue
            code.append(ins)
        funcs.append(Function(name.strip(), code))
    return funcs


# Instruction classes.  The pipes (model.CLASS_PIPE) and the issue-level categories of the table
# (model.CATEGORY_OF) are read from these.
_CLASSES = {
    "fp32": "FFMA FADD FMUL FFMA32I FADD32I FMUL32I FSWZADD",  # the FMA pipe
    "fp32_alu": "FSETP FSET FMNMX FSEL FCHK",  # compares/selects on floats: the ALU pipe
    "fp16": "HFMA2 HADD2 HMUL2",
    "fp16_alu": "HSETP2 HSET2 HMNMX2",
    "fp64": "DFMA DADD DMUL DSETP DSET DMNMX",
    "mufu": "MUFU",
    "conversion": "F2F F2I I2F FRND F2FP I2FP F2IP I2I I2IP",
    "imad": "IMAD IMUL IMAD32I IMUL32I IDP",  # integer multiply-add: the FMA pipe (heavy half)
    "int": ("IADD3 IADD IADD32I VIADD VIADDMNMX VIMNMX IMNMX IABS LOP3 LOP LOP32I SHF SHL SHR ISETP ISET SEL "
            "LEA PRMT MOV MOV32I PLOP3 P2R R2P BMSK BREV FLO POPC SGXT"),
    "load_store": "LDG STG LD ST LDS STS LDL STL LDC ATOM ATOMG ATOMS RED LDSM LDGSTS",
    "control": "BRA BRX JMP JMX CALL RET EXIT BSSY BSYNC WARPSYNC BREAK BAR DEPBAR YIELD KILL NANOSLEEP BPT "
               "MEMBAR ERRBAR CCTL",
}
OPCODE_CLASS = {op: cls for cls, ops in _CLASSES.items() for op in ops.split()}


def classify(ins: Instr) -> str:
    """The class of one instruction; uniform-datapath instructions (U...) are 'uniform', anything
    else not listed 'other' (S2R, CS2R, R2UR, SHFL, VOTE...)."""
    cls = OPCODE_CLASS.get(ins.base)
    if cls:
        return cls
    return "uniform" if ins.base.startswith("U") else "other"


_ENDS_BLOCK = {"BRA", "BRX", "JMP", "JMX", "EXIT", "RET"}


@dataclass
class Cfg:
    """Basic blocks of a function's main body (the code before its first out-of-line callee)."""

    code: list[Instr]
    starts: list[int]  # index into code of each block's first instruction
    succ: dict[int, set[int]] = field(default_factory=dict)
    pred: dict[int, set[int]] = field(default_factory=dict)
    callee_writes: dict[int, set[str]] | None = None  # call target -> what it writes (None: unknown)

    def block_of(self) -> dict[int, int]:
        """Index into code -> its block (computed once)."""
        if not hasattr(self, "_block_of"):
            self._block_of = {k: b for b in range(len(self.starts)) for k in self.block_range(b)}
        return self._block_of

    def block_range(self, b: int) -> range:
        end = self.starts[b + 1] if b + 1 < len(self.starts) else len(self.code)
        return range(self.starts[b], end)


def callee_starts(code: list[Instr]) -> list[int]:
    """Where the out-of-line functions start: the targets of relative calls."""
    return sorted({i.target for i in code if i.op.startswith("CALL.REL") and i.target})


def main_body(code: list[Instr]) -> list[Instr]:
    callees = callee_starts(code)
    return [i for i in code if not callees or i.addr < callees[0]]


def build_cfg(body: list[Instr]) -> Cfg:
    index = {ins.addr: k for k, ins in enumerate(body)}
    leaders = {0}
    for k, ins in enumerate(body):
        if ins.base in _ENDS_BLOCK:
            if k + 1 < len(body):
                leaders.add(k + 1)
            if ins.base == "BRA" and ins.target in index:
                leaders.add(index[ins.target])
    starts = sorted(leaders)
    block_of = {}
    for b, s in enumerate(starts):
        end = starts[b + 1] if b + 1 < len(starts) else len(body)
        for k in range(s, end):
            block_of[k] = b
    cfg = Cfg(body, starts)
    for b in range(len(starts)):
        last_k = cfg.block_range(b)[-1]
        last = body[last_k]
        out: set[int] = set()
        falls = last.base not in _ENDS_BLOCK or last.conditional
        if last.base in ("RET", "BRX", "JMP", "JMX") and not last.conditional:
            falls = False
        if falls and last_k + 1 < len(body):
            out.add(block_of[last_k + 1])
        if last.base == "BRA" and last.target in index:
            out.add(block_of[index[last.target]])
        cfg.succ[b] = out
    for b in range(len(starts)):
        cfg.pred.setdefault(b, set())
        for s in cfg.succ[b]:
            cfg.pred.setdefault(s, set()).add(b)
    return cfg


def cold_blocks(cfg: Cfg) -> set[int]:
    """Blocks that call out of line, and blocks reached only from them."""
    cold = {b for b in range(len(cfg.starts)) if any(cfg.code[k].base == "CALL" for k in cfg.block_range(b))}
    changed = True
    while changed:
        changed = False
        for b in range(1, len(cfg.starts)):
            if b not in cold and cfg.pred[b] and cfg.pred[b] <= cold:
                cold.add(b)
                changed = True
    return cold


def callee_size(code: list[Instr], start: int, depth: int = 0) -> int:
    """Instructions of the out-of-line function at `start`, with the functions it calls."""
    starts = callee_starts(code)
    later = [s for s in starts if s > start]
    body = [i for i in code if i.addr >= start and (not later or i.addr < later[0])]
    n = len(body)
    if depth < 4:
        n += sum(callee_size(code, i.target, depth + 1) for i in body if i.op.startswith("CALL.REL") and i.target)
    return n


_PRED = re.compile(r"!?(U?P(?:\d+|T))")
_GENERAL_REG = re.compile(r"\bR\d+\b|\bSR_")  # a per-thread register (RZ and the uniform UR* are not)
MAX_UNIFORM_CHOICES = 10  # distinct uniform choices (uniform_branch_key) beyond this many count both sides


def branch_predicate(ins: Instr) -> str | None:
    """The predicate a conditional branch tests (its guard, else a predicate operand), without '!'."""
    if ins.pred and ins.pred not in ("@PT", "@UPT"):
        return ins.pred.lstrip("@!")
    m = re.match(r"\s*!?(U?P\d+)", ins.args)
    return m.group(1) if m else None


def _operands(ins: Instr) -> list[str]:
    return [o.strip() for o in ins.args.split(",")]


_WIDE = re.compile(r"\.(64|128|WIDE)\b")
_NO_DEST = {"BRA", "BRX", "JMP", "JMX", "CALL", "RET", "EXIT", "ST", "STG", "STS", "STL", "RED", "BSSY", "BSYNC",
            "WARPSYNC", "BAR"}


def _pred_dests(ins: Instr) -> list[str]:
    """The predicates an instruction writes: its leading predicate operands (FSETP P0, PT, ...; IADD3 R2, P3, ...)."""
    if ins.base in _NO_DEST:
        return []
    return [o for o in _operands(ins)[:2] if _PRED.fullmatch(o) and not o.startswith("!")]


def _reg_dests(ins: Instr) -> list[str]:
    """The general registers an instruction writes: its first operand, with the registers after it where the
    result is 64 or 128 bits wide (IMAD.WIDE R2 writes R2 and R3; LDG.E.128 R12 writes R12..R15)."""
    if ins.base in _NO_DEST:
        return []
    ops = _operands(ins)
    m = re.fullmatch(r"R(\d+)", ops[0]) if ops else None
    if not m:
        return []
    w = _WIDE.search(ins.op)
    mods = ins.op.split(".")[1:]
    double = ins.base in ("DFMA", "DADD", "DMUL", "DMNMX") or (  # a conversion to a 64-bit type: F2F.F64.F32
        ins.base in ("F2F", "I2F", "F2I", "FRND", "I2I") and bool(mods) and mods[0] in ("F64", "S64", "U64"))
    n = 4 if w and w.group(1) == "128" else 2 if w or double else 1
    return [f"R{int(m.group(1)) + i}" for i in range(n)]


def callee_writes(code: list[Instr], start: int, depth: int = 0) -> set[str]:
    """The registers and predicates the out-of-line function at `start` (with the functions it calls) writes;
    one that saves and restores a register writes it (its restoring load)."""
    starts = callee_starts(code)
    later = [s for s in starts if s > start]
    out: set[str] = set()
    for i in code:
        if i.addr >= start and (not later or i.addr < later[0]):
            out.update(_reg_dests(i))
            out.update(_pred_dests(i))
            nested = i.base == "CALL" and i.op.startswith("CALL.REL") and i.target is not None and depth < 4
            if nested:
                out |= callee_writes(code, i.target, depth + 1)
            elif i.base in ("CALL", "R2P"):
                out.add("*")  # unknown, or every predicate: all of them
    return out


def _defines(ins: Instr, name: str, cfg: Cfg) -> bool:
    if ins.base == "CALL":  # what the callee writes, where known (count_per_element); else everything
        writes = cfg.callee_writes.get(ins.target) if cfg.callee_writes is not None else None
        return writes is None or "*" in writes or name in writes
    if ins.base == "R2P":
        return name.startswith("P")
    return name in (_reg_dests(ins) if name.startswith("R") else _pred_dests(ins))


_CFG_CACHE: dict[int, tuple[list[Instr], Cfg]] = {}


def _cfg_of(body: list[Instr], code: list[Instr] | None = None) -> Cfg:
    """The control-flow graph of a main body, built once; with the full code (its callees), a call defines
    what its callee writes, without it every register and predicate."""
    hit = _CFG_CACHE.get(id(body))
    if hit is None or hit[0] is not body or len(hit[1].code) != len(body) or (
            code is not None and hit[1].callee_writes is None):
        if len(_CFG_CACHE) > 64:
            _CFG_CACHE.clear()
        cfg = build_cfg(body)
        if code is not None:
            cfg.callee_writes = {t: callee_writes(code, t) for t in callee_starts(code)}
        hit = (body, cfg)
        _CFG_CACHE[id(body)] = hit
    return hit[1]


def reaching_definitions(body: list[Instr], k: int, name: str) -> tuple[list[int], bool] | None:
    """The instructions whose value of `name` (a predicate or general register) the instruction at index k may
    read: a backward walk over the control-flow graph from k (every predecessor, loops included), stopping at
    each unguarded definition; a guarded one (@P1 MOV R2, ...) counts and the walk goes on past it.  None where
    a path reaches the function's entry without a definition (unknown).  The flag says whether a definition
    was reached only through a loop's back edge (its value may be the previous iteration's)."""
    cfg = _cfg_of(body)
    block_of = cfg.block_of()
    defs: list[int] = []
    back = False

    def scan(b: int, top: int, crossed: bool) -> bool:
        """Scans block b from index top down; True when an unguarded definition ends the walk there."""
        nonlocal back
        for j in range(top, cfg.starts[b] - 1, -1):
            if _defines(body[j], name, cfg):
                defs.append(j)
                back = back or crossed
                if not body[j].pred or body[j].pred in ("@PT", "@UPT"):
                    return True
        return False

    b0 = block_of[k]
    todo: list[tuple[int, bool]] = []
    if not scan(b0, k - 1, False):
        if b0 == 0:
            return None  # the function's entry, no definition on this path
        todo = [(p, cfg.starts[p] >= cfg.starts[b0]) for p in cfg.pred.get(b0, set())]
    seen: set[int] = set()
    while todo:
        b, crossed = todo.pop()
        if b in seen:
            continue
        seen.add(b)
        if scan(b, cfg.block_range(b)[-1], crossed):
            continue
        if b == 0 or not cfg.pred.get(b):
            return None
        todo.extend((p, crossed or cfg.starts[p] >= cfg.starts[b]) for p in cfg.pred[b])
    return (sorted(set(defs)), back) if defs else None


def predicate_is_uniform(body: list[Instr], k: int, pred: str, depth: int = 0) -> bool:
    """Whether `pred`, as the instruction at index k reads it, is the same for every thread: a uniform
    predicate (UPn), or one whose every reaching definition (reaching_definitions) reads only uniform
    registers, constants and uniform predicates, under a uniform guard.  Unknown -> not uniform."""
    if pred.startswith("UP"):
        return True
    if pred == "PT" or depth > 3:
        return pred == "PT"
    found = reaching_definitions(body, k, pred)
    return found is not None and all(_definition_is_uniform(body, j, depth) for j in found[0])


def _definition_is_uniform(body: list[Instr], j: int, depth: int) -> bool:
    ins = body[j]
    if ins.base in ("S2R", "CS2R", "LDG", "LD", "LDS", "LDL", "SHFL", "MUFU", "CALL", "VOTE", "ATOM", "ATOMG",
                    "ATOMS", "R2P"):
        return False  # per-thread sources
    ops = _operands(ins)
    dests = len(_pred_dests(ins)) if ops and _PRED.fullmatch(ops[0]) else (1 if _reg_dests(ins) else 0)
    if dests == 1 and len(ops) > 1 and _PRED.fullmatch(ops[1]) and _pred_dests(ins):
        dests = 2  # LEA R3, P0, ...: a register and a carry out
    sources = ops[dests:]
    if ins.pred and ins.pred not in ("@PT", "@UPT"):
        sources.append(ins.pred.lstrip("@"))
    regs = {r for o in sources for r in _GENERAL_REG.findall(o)}
    if any(r.startswith("SR_") for r in regs):
        return False
    if not all(register_is_uniform(body, j, r, depth + 1) for r in regs):
        return False
    preds = {m.group(1) for o in sources for m in [_PRED.fullmatch(o)] if m}
    return all(predicate_is_uniform(body, j, q, depth + 1) for q in preds)


def register_is_uniform(body: list[Instr], k: int, reg: str, depth: int) -> bool:
    """Whether the per-thread register `reg`, as the instruction at index k reads it, holds the same value in
    every thread: every reaching definition reads only uniform registers, constants and immediates, e.g. F2F
    R2, UR4 (a kernel parameter converted to float).  Unknown -> not uniform."""
    if reg.startswith("SR_") or depth > 3:
        return False
    found = reaching_definitions(body, k, reg)
    return found is not None and all(_definition_is_uniform(body, j, depth) for j in found[0])


def uniform_branch_key(body: list[Instr], k: int) -> tuple[tuple, bool]:
    """(key, negated) of the uniform branch at index k: branches with the same key read the same value of
    one predicate in one pass of the loop body (the same reaching definitions, none of them reached only
    through a back edge), so they go the same way (flipped where negated: @!P1 against @P1); any other
    branch is a key of its own."""
    ins = body[k]
    guard = ins.pred if ins.pred not in ("", "@PT", "@UPT") else ""
    operand = re.match(r"\s*(!?)(U?P\d+)\s*,", ins.args)
    if bool(guard) == bool(operand):  # no predicate, or a guard and a predicate operand: its own
        return ("branch", k), False
    name = guard.lstrip("@!") if guard else operand.group(2)
    negated = guard.startswith("@!") if guard else operand.group(1) == "!"
    if name.startswith("UP"):
        return ("uniform-predicate", name, k), negated  # not followed: its own
    found = reaching_definitions(body, k, name)
    if found is None or found[1]:
        return ("branch", k), negated
    return ("defs", name, tuple(found[0])), negated


class KernelShapeError(Exception):
    """The kernel does not have the shape this tool expects (kernels/elementwise.cuh changed)."""


@dataclass
class Count:
    """Per element, by instruction class: the hot path and the full static count."""

    hot: Counter
    full_total: float
    branches: float  # conditional forward branches left on the hot path
    loops_in_op: int  # loops inside the per-vector loop (counted once: their trip count is unknown)
    uniform_branches: int = 0  # branches every thread takes the same way (kernel parameters)
    hot_max: Counter = field(default_factory=Counter)  # the costliest way through the uniform branches
    versions: list[float] = field(default_factory=list)  # per element, each distinct way through them


def count_per_element(code: list[Instr], k_unroll: int, width: int, inputs: int) -> Count:
    """What one element costs in the full-tile loop of elementwise_kernel (see the module doc)."""
    body = main_body(code)
    cfg = _cfg_of(body, code)
    cold = cold_blocks(cfg)
    block_of = {k: b for b in range(len(cfg.starts)) for k in cfg.block_range(b)}
    loops = [(body[k].target, body[k].addr) for k, i in enumerate(body)
             if i.base == "BRA" and i.target is not None and i.target <= i.addr]

    def is_vector(ins: Instr, base: str) -> bool:
        return ins.base == base and ".128" in ins.op

    def inside(lo: int, hi: int, base: str) -> list[Instr]:
        return [i for i in body if lo <= i.addr <= hi and is_vector(i, base)]

    tile_loops = [lp for lp in loops if inside(lp[0], lp[1], "LDG")]
    if not tile_loops:
        raise KernelShapeError("no loop with 16-byte loads (the full-tile loop)")
    t_lo, t_hi = max(tile_loops, key=lambda lp: lp[1] - lp[0])
    nested = [lp for lp in loops if t_lo <= lp[0] and lp[1] <= t_hi and lp != (t_lo, t_hi)]
    store_loops = [lp for lp in nested if inside(lp[0], lp[1], "STG")]
    if len(store_loops) > 1:
        store_loops = [max(store_loops, key=lambda lp: lp[1] - lp[0])]
    stores_all = len(inside(t_lo, t_hi, "STG"))
    if store_loops:
        i_lo, i_hi = store_loops[0]
        s_in = len(inside(i_lo, i_hi, "STG"))
        s_out = stores_all - s_in
        if (k_unroll - s_out) % s_in or k_unroll <= s_out:
            raise KernelShapeError(f"{s_in} vector stores in the inner loop, {s_out} outside: not {k_unroll} per tile")
        inner_weight = (k_unroll - s_out) // s_in
    else:
        i_lo, i_hi, inner_weight = 1, 0, 1
        if stores_all != k_unroll:
            raise KernelShapeError(f"{stores_all} vector stores per tile, expected {k_unroll}")
    op_loops = [lp for lp in nested if i_lo <= lp[0] and lp[1] <= i_hi and lp != (i_lo, i_hi)]
    for i in body:  # code of the loop placed after it would go uncounted
        if i.base == "BRA" and not t_lo <= i.addr <= t_hi and i.target is not None and t_lo < i.target <= t_hi:
            raise KernelShapeError(f"a branch at {i.addr:#x}, outside the full-tile loop, jumps into it")

    def weight(ins: Instr) -> int:
        return inner_weight if i_lo <= ins.addr <= i_hi else 1

    loads = sum(weight(i) for i in inside(t_lo, t_hi, "LDG"))
    if loads != k_unroll * inputs:
        raise KernelShapeError(f"{loads} vector loads per tile, expected {k_unroll * inputs}")
    elements = k_unroll * width
    full = 0.0
    for ins in body:
        if t_lo <= ins.addr <= t_hi:
            full += weight(ins)
            if ins.op.startswith("CALL.REL") and ins.target:
                full += weight(ins) * callee_size(code, ins.target)

    # The hot path: from the loop's first block, every block a warp may execute in one pass (both sides of
    # a branch: lanes may disagree), but one side of a uniform branch (every lane agrees: a kernel
    # parameter decides) - the cheapest choice, so the prediction bounds whichever way the run goes.
    in_loop = [b for b in range(len(cfg.starts)) if t_lo <= body[cfg.starts[b]].addr <= t_hi]
    entry = next(b for b in in_loop if body[cfg.starts[b]].addr == t_lo)
    mix = {b: Counter() for b in in_loop}
    forward = {b: 0.0 for b in in_loop}
    for b in in_loop:
        if b in cold:
            continue
        for k in cfg.block_range(b):
            ins = body[k]
            mix[b][classify(ins)] += weight(ins)
            if ins.base == "BRA" and ins.conditional and ins.target is not None and ins.target > ins.addr:
                forward[b] += weight(ins)
    uniform = []
    for b in in_loop:
        k = cfg.block_range(b)[-1]
        ins, pred = body[k], branch_predicate(body[k])
        operand = re.match(r"\s*!?(U?P\d+)\s*,", ins.args)  # @!P0 BRA P2, ...: both must be uniform
        if (ins.base == "BRA" and ins.conditional and ins.target is not None and ins.target > ins.addr and pred
                and b not in cold and predicate_is_uniform(body, k, pred)
                and (not operand or predicate_is_uniform(body, k, operand.group(1)))):
            uniform.append(b)
    # branches on the same value of one predicate go the same way: one choice per key
    keys: dict[tuple, int] = {}
    group_of: dict[int, tuple[int, bool]] = {}
    for b in uniform:
        key, negated = uniform_branch_key(body, cfg.block_range(b)[-1])
        if key not in keys and len(keys) >= MAX_UNIFORM_CHOICES:
            continue  # beyond the limit: both sides count
        group_of[b] = (keys.setdefault(key, len(keys)), negated)
    index = {ins.addr: k for k, ins in enumerate(body)}

    def executed(choice: int) -> set[int]:
        taken = {b: bool(choice >> g & 1) != negated for b, (g, negated) in group_of.items()}
        seen, todo = {entry}, [entry]
        while todo:
            b = todo.pop()
            succ = {x for x in cfg.succ[b] if x in mix and cfg.starts[x] > cfg.starts[b]}  # no back edges
            if b in taken:
                target = block_of[index[body[cfg.block_range(b)[-1]].target]]
                succ = {target} if taken[b] else succ - {target}
            for x in succ - seen:
                seen.add(x)
                todo.append(x)
        return seen

    ways = [executed(c) for c in range(2 ** len(keys))]
    costs = [sum(sum(mix[b].values()) for b in w) for w in ways]
    def per_element(way: set[int]) -> Counter:
        total: Counter = Counter()
        for b in way:
            total.update(mix[b])
        return Counter({c: v / elements for c, v in total.items()})

    best = ways[costs.index(min(costs))]
    return Count(per_element(best), full / elements, sum(forward[b] for b in best) / elements, len(op_loops),
                 len(uniform), per_element(ways[costs.index(max(costs))]), sorted({c / elements for c in costs}))


# ---------------------------------------------------------------------------------------------
# Compiling


def find_cuda_tool(name: str, explicit: str | None = None) -> str | None:
    """A CUDA tool: the explicit path, $<NAME>, PATH, the CUDA toolkit ($CUDA_HOME or /usr/local/cuda),
    or the pip wheels' nvidia/cu*/bin (nvidia-cuda-cuobjdump, nvidia-cuda-nvdisasm) of this Python."""
    cands = [explicit, os.environ.get(name.upper()), shutil.which(name),
             os.path.join(os.environ.get("CUDA_HOME", "/usr/local/cuda"), "bin", name)]
    for prefix in dict.fromkeys([sys.prefix, sys.base_prefix]):
        cands += sorted(glob.glob(os.path.join(prefix, "lib", "python3*", "site-packages", "nvidia", "cu*", "bin",
                                               name)))
    return next((c for c in cands if c and os.path.isfile(c) and os.access(c, os.X_OK)), None)


def find_cuobjdump(explicit: str | None) -> str:
    found = find_cuda_tool("cuobjdump", explicit)
    if not found:
        raise UsageError("cuobjdump not found: install the CUDA toolkit's, or `pip install nvidia-cuda-cuobjdump "
                         "nvidia-cuda-nvdisasm`, or pass --cuobjdump PATH")
    return found


def find_nvcc(explicit: str | None) -> str:
    found = find_cuda_tool("nvcc", explicit)
    if not found:
        raise UsageError("nvcc not found: put the CUDA toolkit's bin/ on PATH or pass --nvcc PATH")
    return found


def cuobjdump_env() -> dict[str, str]:
    """cuobjdump runs nvdisasm: put the one found on PATH (pip installs them side by side, not on PATH)."""
    env = dict(os.environ)
    nvdisasm = find_cuda_tool("nvdisasm")
    if nvdisasm:
        env["PATH"] = os.path.dirname(nvdisasm) + os.pathsep + env.get("PATH", "")
    return env


def k_unroll(root: Path) -> int:
    text = (root / "kernels" / "elementwise.cuh").read_text(encoding="utf-8")
    m = re.search(r"inline constexpr int kUnroll = (\d+);", text)
    if not m:
        raise KernelShapeError("kernels/elementwise.cuh: no `inline constexpr int kUnroll = N;`")
    return int(m.group(1))


@dataclass(frozen=True)
class Unit:
    dtype: str
    variant: str


def compile_unit(u: Unit, arch: str, nvcc: str, cuobjdump: str, root: Path, tmp: Path,
                 only: Sequence[str] = ()) -> str:
    """One translation unit -> its SASS text; only: these activations' kernels (default: all)."""
    cubin = tmp / f"ops-{u.dtype}-{u.variant}.cubin"
    cmd = [nvcc, "-std=c++17", "-O3", "-DNDEBUG", "--expt-relaxed-constexpr", f"-arch=sm_{arch}", "-cubin",
           "-I", str(root), f"-DACTBENCH_SASS_T={DTYPES[u.dtype][0]}", f"-DACTBENCH_SASS_V={u.variant}",
           "-o", str(cubin), str(root / "tools" / "sass" / "ops.cu")]
    if only:  # a bit per catalog row (nvcc splits a -D value at commas)
        names = catalog.activation_names()
        cmd.insert(-3, f"-DACTBENCH_SASS_MASK={sum(1 << names.index(a) for a in only):#x}ull")
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        first = next((ln for ln in r.stderr.splitlines() if "error" in ln), r.stderr.strip()[:300])
        raise UsageError(f"nvcc failed for {u.dtype} {u.variant}: {first}")
    d = subprocess.run([cuobjdump, "-sass", str(cubin)], capture_output=True, text=True, env=cuobjdump_env())
    if d.returncode != 0:
        raise UsageError(f"cuobjdump failed on {cubin.name}: {d.stderr.strip()[:300]}")
    return d.stdout


_TAG = re.compile(r"6TaggedILi(\d+)ELi(\d+)ELi(\d+)E")


def analyse(units: dict[Unit, str], arch: str, unroll: int) -> list[dict]:
    """SASS of every unit -> one model row (without predictions) per op."""
    names = catalog.activation_names()
    rows = []
    for u, sass in units.items():
        size = DTYPES[u.dtype][1]
        width = VECTOR_BYTES // size
        counts: dict[tuple[int, int], Count] = {}
        for f in parse_sass(sass):
            m = _TAG.search(f.name)
            if not m:
                continue
            a, v, d = (int(g) for g in m.groups())
            if a != COPY_TAG and VARIANTS[v] != u.variant:
                raise KernelShapeError(f"{f.name}: variant {v} in the {u.variant} unit")
            try:
                counts[(a, d)] = count_per_element(f.code, unroll, width, 2 if d == 2 else 1)
            except KernelShapeError as e:
                raise KernelShapeError(f"{f.name}: {e}") from None
        for (a, d), c in sorted(counts.items()):
            if a == COPY_TAG:
                continue
            if a >= len(names):
                raise KernelShapeError(f"activation index {a}, but the catalog has {len(names)} (catalog.json stale?)")
            copy = counts.get((COPY_TAG, 2 if d == 2 else 0))
            if copy is None:
                raise KernelShapeError(f"no copy kernel in the {u.dtype} {u.variant} unit")
            rows.append(model.make_row(
                activation=names[a], direction=DIRECTIONS[d], dtype=u.dtype, variant=u.variant, arch=f"sm_{arch}",
                mix=c.hot, copy_mix=copy.hot, full_total=c.full_total, bytes_per_element=(3 if d == 2 else 2) * size,
                hot_branches=c.branches - copy.branches, loops_in_op=c.loops_in_op,
                uniform_branches=c.uniform_branches, costliest_mix=c.hot_max,
                versions=[v - sum(copy.hot.values()) for v in c.versions]))
    return model.sorted_rows(rows)


def build_rows(arch: str, variants: list[str], dtypes: list[str], jobs: int, nvcc: str, cuobjdump: str,
               root: Path = ROOT, only: Sequence[str] = ()) -> list[dict]:
    units = [Unit(t, v) for v in variants for t in dtypes if v != "fast" or t == "f32"]
    unroll = k_unroll(root)
    with tempfile.TemporaryDirectory(prefix="sass_model-") as tmp, ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {u: pool.submit(compile_unit, u, arch, nvcc, cuobjdump, root, Path(tmp), only) for u in units}
        sass = {u: f.result() for u, f in futures.items()}
    return analyse(sass, arch, unroll)


# ---------------------------------------------------------------------------------------------
# CLI


def main(argv: list[str] | None = None) -> int:
    ap = OneLineParser(prog=PROG, description=__doc__.split("\n\n")[0],
                       epilog="\n\n".join(__doc__.split("\n\n")[1:]),
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", default="90", help="SASS architecture, e.g. 80, 90, 100 (default 90)")
    ap.add_argument("--variants", default="precise,fast,textbook", help="comma-separated (default: all)")
    ap.add_argument("--dtypes", default="f16,bf16,f32,f64", help="comma-separated (default: all)")
    ap.add_argument("--activations", default=None,
                    help="comma-separated catalog names (default: all); with --check the baseline's rows of the "
                         "chosen activations, dtypes and variants are compared")
    ap.add_argument("--devices", default=None,
                    help=f"devices of the table to predict for ({', '.join(model.DEVICES)}; default: those whose "
                         "compute capability matches --arch)")
    ap.add_argument("--facts", type=Path, action="append", default=[],
                    help="a device's facts as JSON (model.py: DeviceFacts keys); repeatable")
    ap.add_argument("--out", type=Path, help="write the model rows (JSON) here, e.g. results/model-sm90.json")
    ap.add_argument("--check", type=Path, metavar="BASELINE",
                    help="compare with this committed model: exit 1 when a predicted bound falls")
    ap.add_argument("--tolerance", type=float, default=model.DEFAULT_TOLERANCE,
                    help=f"points of %% of copy a bound may fall before --check fails (default "
                         f"{model.DEFAULT_TOLERANCE})")
    ap.add_argument("--format", choices=("text", "md"), default="text")
    ap.add_argument("--quiet", action="store_true", help="no table (with --check: only the comparison)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="parallel nvcc processes")
    ap.add_argument("--nvcc")
    ap.add_argument("--cuobjdump")
    a = ap.parse_args(argv)
    if not re.fullmatch(r"\d{2,3}a?", a.arch):
        raise UsageError(f"--arch {a.arch!r}: expected digits such as 90")
    variants = model.parse_list(a.variants, VARIANTS, "--variants")
    dtypes = model.parse_list(a.dtypes, tuple(DTYPES), "--dtypes")
    names = catalog.activation_names()
    only = model.parse_list(a.activations, names, "--activations") if a.activations else []
    devices = model.select_devices(a.devices, a.facts, arch=a.arch)
    if a.jobs < 1:
        raise UsageError("--jobs must be >= 1")
    baseline = model.load_rows(a.check) if a.check else None
    if baseline is not None:  # a subset is checked against the baseline's rows of that subset
        baseline = [r for r in baseline if r.get("variant") in variants and r.get("dtype") in dtypes
                    and (not only or r.get("activation") in only)]
    start = time.monotonic()
    rows = build_rows(a.arch, variants, dtypes, a.jobs, find_nvcc(a.nvcc), find_cuobjdump(a.cuobjdump), only=only)
    rows = model.with_predictions(rows, devices)
    took = time.monotonic() - start
    if not a.quiet:
        print(model.render_table(rows, devices, a.format))
        print()
        print(model.render_under(rows, devices, threshold=95.0))
    print(f"{PROG}: {len(rows)} ops, sm_{a.arch}, {took:.0f} s", file=sys.stderr)
    if a.out:
        a.out.write_text(model.dumps(rows), encoding="utf-8")
        print(f"{PROG}: wrote {a.out}", file=sys.stderr)
    if baseline is not None:
        result = model.compare(rows, baseline, a.tolerance)
        print(model.render_comparison(result, a.check, regenerate=f"python tools/sass/sass_model.py --arch "
                                                                   f"{a.arch} --out {a.check}"))
        return 1 if result.failed else 0
    return 0


def checked_main(argv: list[str] | None = None) -> int:
    try:
        return main(argv)
    except KernelShapeError as e:  # the kernel changed shape: this tool needs updating, not the user
        print(f"{PROG}: error: unexpected kernel shape: {e}", file=sys.stderr)
        return 3


def cli(argv: list[str] | None = None) -> int:
    return run(PROG, checked_main, argv)


if __name__ == "__main__":
    sys.exit(cli())
