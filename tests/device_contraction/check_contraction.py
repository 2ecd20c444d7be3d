#!/usr/bin/env python3
"""The device-side contraction guard: compiles kernels/ for the GPU (no GPU needed) and fails where
nvcc's FMA contraction can break a compensated step.

Why: nvcc contracts a*b + c into one FMA by default (--fmad=true), in NVVM (the PTX then holds
fma.rn) and again in ptxas (which may fuse any mul/add that carries no rounding modifier).  Where the
rounded product a*b is also used elsewhere (an error-free transformation: TwoSum, TwoProd, a
Cody-Waite reduction, a residual), the fused and the rounded product disagree and a rounding error is
counted twice or not at all; the host build (-ffp-contract=off) never sees it.  kernels/fp.hpp's
fp::add/sub/mul (__fadd_rn ...) are never contracted.

What it checks, on the PTX of tests/device_contraction/probes.cu (every precise and fast functor of
the catalog at every dtype, the fp:: primitives in contexts that invite contraction, and negative
controls written with plain operators):
  A  NVVM contracted a product that is used more than once: an fma whose multiplicands (a, b) also
     form another product (a mul or an fma) in the same function, unless its addend is that product
     rounded (fma(a, b, -fl(a*b)): TwoProd's error term, which is meant).
  B  ptxas may still contract a product that is used more than once: a mul without rounding modifier
     whose result has two or more uses, one of them an add/sub without rounding modifier.
And (issue 14 item 9) every f32 precise kernel calls CUDA's float math library (tanhf, expm1f, log1pf ...,
whose documented error is not glibc's) only where harness/bounds.cpp's kDeviceLibmF32 lists it with the
bound that error leaves; an entry whose kernel no longer calls it fails too.  Today bounds.cpp has no such
table: kernels/f32 calls no library function, and any call on an f32 precise path fails the check.
Operands are compared as values (registers by their latest definition, through mov and neg;
immediates by magnitude).  Each finding names the source line (the PTX carries -lineinfo).
Expectations: every kernel named control_* must have a finding (the check is not blind), no other
kernel may have one.  Where cuobjdump is found (PATH, the CUDA toolkit, or pip's
nvidia-cuda-cuobjdump), the SASS of the fp:: probes is also counted: the probes declare how many
FADD/FMUL/FFMA (DADD/DMUL/DFMA) their machine code must have, and the controls must contain the FFMA
that breaks them.

    python3 tests/device_contraction/check_contraction.py [--nvcc PATH] [--arch 90] [--cuobjdump PATH]
                                                           [--keep DIR]
Exit 0: no finding; 1: findings or an expectation not met; 2: the tools failed (nvcc missing...).
"""

from __future__ import annotations

import argparse
import collections
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PROBES = os.path.join(HERE, "probes.cu")

FLOAT_TYPES = ("f32", "f64")
ARITH = re.compile(r"^(mul|fma|add|sub|neg|mov|abs)((?:\.[a-z0-9]+)*)$")


@dataclass
class Ins:
    op: str  # mul, fma, add, sub, neg, mov, other
    mods: tuple[str, ...]
    dst: str | None
    srcs: list[str]
    loc: str  # innermost source location, "file:line"
    line: int  # line in the PTX


@dataclass
class Function:
    name: str
    body: list[Ins] = field(default_factory=list)


@dataclass
class Finding:
    function: str
    rule: str
    loc: str
    text: str


def parse_ptx(ptx: str) -> list[Function]:
    """The .entry and .func bodies of a PTX module, their float arithmetic and moves in order."""
    files = {m.group(1): m.group(2) for m in re.finditer(r'^\s*\.file\s+(\d+)\s+"([^"]+)"', ptx, re.M)}
    functions: list[Function] = []
    current: Function | None = None
    loc = "?"
    depth = 0
    for lineno, raw in enumerate(ptx.splitlines(), 1):
        line = raw.split("//", 1)[0].strip()
        m = re.match(r"^(?:\.visible\s+|\.weak\s+)?\.(entry|func)\s+(?:\([^)]*\)\s*)?([\w$]+)", line)
        if m and depth == 0:
            current = Function(m.group(2))
            functions.append(current)
            loc = "?"
        depth += line.count("{") - line.count("}")
        if current is None or not line:
            continue
        mloc = re.match(r"^\.loc\s+(\d+)\s+(\d+)", line)
        if mloc:
            path = files.get(mloc.group(1), "?")
            loc = f"{os.path.relpath(path, ROOT) if path.startswith(ROOT) else path}:{mloc.group(2)}"
            continue
        for stmt in line.strip("{}").split(";"):
            stmt = stmt.strip().strip("{}").strip()
            if not stmt or stmt.startswith((".", "$", "@")):
                continue
            parts = stmt.split(None, 1)
            mo = ARITH.match(parts[0])
            operands = [o.strip() for o in parts[1].split(",")] if len(parts) > 1 else []
            if mo and any(t in mo.group(2).split(".") for t in FLOAT_TYPES) and operands:
                mods = tuple(x for x in mo.group(2).split(".") if x)
                current.body.append(Ins(mo.group(1), mods, operands[0], operands[1:], loc, lineno))
            else:
                # any other instruction: its first operand is a definition, the rest are uses
                dst = operands[0] if operands and re.match(r"^%\w+$", operands[0]) else None
                srcs = [o for o in operands[1:] if o]
                current.body.append(Ins("other", (), dst, srcs, loc, lineno))
    return functions


def imm_key(text: str) -> tuple[str, int] | None:
    """A float immediate (0f3F800000, 0d3FF0000000000000) as (kind, magnitude bits)."""
    m = re.match(r"^0([fd])([0-9A-Fa-f]+)$", text)
    if not m:
        return None
    bits = int(m.group(2), 16)
    width = 32 if m.group(1) == "f" else 64
    return (m.group(1), bits & ~(1 << (width - 1)))


def imm_sign(text: str) -> int:
    m = re.match(r"^0([fd])([0-9A-Fa-f]+)$", text)
    assert m
    width = 32 if m.group(1) == "f" else 64
    return -1 if int(m.group(2), 16) >> (width - 1) else 1


LIBRARY_BASES = ("exp", "expm1", "log1p", "log", "tanh", "erf", "erfc", "exp2", "pow", "sqrt", "sin", "cos")
LIBRARY_CALL = re.compile(r"(?<![\w>])::((?:" + "|".join(LIBRARY_BASES) + r")f?)\s*\(")
FLOAT_LIBRARY = {b + "f" for b in LIBRARY_BASES}


def library_lines(paths: set[str]) -> set[str]:
    """The "file:line" of source lines that call a math library function (libdevice on the device): the
    PTX attributes the library's inlined code to them.  Products formed there are the library's own."""
    out = set()
    for rel in paths:
        path = rel if os.path.isabs(rel) else os.path.join(ROOT, rel)
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                for k, text in enumerate(f, 1):
                    if LIBRARY_CALL.search(text.split("//", 1)[0]):
                        out.add(f"{rel}:{k}")
        except OSError:
            continue
    return out


def library_functions(locs: set[str]) -> set[str]:
    """The math library functions called on these source lines ("tanhf", "exp" ...)."""
    out = set()
    for loc in locs:
        path, line = loc.rsplit(":", 1)
        full = path if os.path.isabs(path) else os.path.join(ROOT, path)
        try:
            with open(full, encoding="utf-8", errors="replace") as f:
                text = f.read().splitlines()[int(line) - 1]
        except (OSError, IndexError, ValueError):
            continue
        out.update(m.group(1) for m in LIBRARY_CALL.finditer(text.split("//", 1)[0]))
    return out


DEVICE_LIBM_ENTRY = re.compile(r'\{Activation::(\w+), Direction::(\w+), "(\w+)", [\d.]+, [\d.]+\}')


def device_libm_table() -> dict[tuple[str, str], str]:
    """harness/bounds.cpp's kDeviceLibmF32: (activation, direction) -> the float library function that f32
    precise path may call on the device (its bound accounts for CUDA's documented error)."""
    with open(os.path.join(ROOT, "harness", "bounds.cpp"), encoding="utf-8") as f:
        text = f.read()
    if "kDeviceLibmF32[] = {" not in text:  # no f32 precise path may call the device's float library
        return {}
    block = text[text.index("kDeviceLibmF32[] = {"):]
    block = block[:block.index("};")]
    return {(m.group(1), m.group(2)): m.group(3) for m in DEVICE_LIBM_ENTRY.finditer(block)}


def check_f32_libm(functions: list[Function], names: dict[str, str], library: set[str]) -> list[str]:
    """Issue 14 item 9: an f32 precise kernel calls CUDA's float math library (whose documented error, 1-4 ulp,
    is not glibc's) only where harness/bounds.cpp's kDeviceLibmF32 lists it, and every entry is still used."""
    table = device_libm_table()
    problems, used_entries = [], set()
    for fn in functions:
        m = re.match(r"^(\w+)<precise> (fwd|deriv|bwd) float$", short(names[fn.name]))
        if not m:
            continue
        act = re.sub(r"(?<!^)([A-Z])", r"_\1", m.group(1)).lower()  # GeluTanh -> gelu_tanh
        direction = "deriv" if m.group(2) == "bwd" else m.group(2)
        used = library_functions({i.loc for i in fn.body if i.loc in library}) & FLOAT_LIBRARY
        allowed = {table[(act, direction)]} if (act, direction) in table else set()
        if (act, direction) in table and table[(act, direction)] in used:
            used_entries.add((act, direction))
        for f in sorted(used - allowed):
            problems.append(f"{short(names[fn.name])} calls CUDA's {f} on the f32 precise path, not listed in "
                            "harness/bounds.cpp kDeviceLibmF32 (its bound assumes no device libm)")
    for key in sorted(set(table) - used_entries):
        problems.append(f"kDeviceLibmF32 lists {table[key]} for {key[0]} {key[1]} f32, which no longer calls it: "
                        "remove the entry (and its looser bound)")
    return problems


def exact_factor(value: tuple) -> bool:
    """An immediate +-2^k: multiplying by it is exact (no rounding to disagree about)."""
    if value[0] != "i":
        return False
    kind, mag = value[1], value[2]
    mant_bits = 23 if kind == "f" else 52
    return mag != 0 and mag & ((1 << mant_bits) - 1) == 0


def fma_excess(fmad_true: Function, fmad_false: Function | None) -> set[str]:
    """Source locations where --fmad=true made more fma than --fmad=false: contractions happened there
    (an fma written in the source is an fma either way)."""
    def count(fn: Function | None) -> collections.Counter:
        return collections.Counter(i.loc for i in fn.body if i.op == "fma") if fn else collections.Counter()
    t, f = count(fmad_true), count(fmad_false)
    return {loc for loc, n in t.items() if n > f[loc]}


def analyze(fn: Function, contracted_at: set[str], library: set[str]) -> list[Finding]:
    """Rules A and B (module docstring) on one function.  contracted_at: where its fma are contractions
    (fma_excess); library: source lines whose code is the math library's (library_lines)."""
    version: dict[str, int] = collections.Counter()
    # a value: ('v', reg, version) or ('i', kind, magnitude); with a sign
    canon: dict[tuple, tuple[tuple, int]] = {}
    defs: dict[tuple, Ins] = {}
    uses: dict[tuple, list[Ins]] = collections.defaultdict(list)

    def value(operand: str) -> tuple[tuple, int]:
        if operand.startswith("-"):
            v, s = value(operand[1:])
            return v, -s
        k = imm_key(operand)
        if k is not None:
            return ("i",) + k, imm_sign(operand)
        key = ("v", operand, version[operand])
        return canon.get(key, (key, 1))

    products: dict[tuple, list[tuple[Ins, tuple | None]]] = collections.defaultdict(list)
    fma_list: list[tuple[Ins, tuple, tuple]] = []  # (ins, pair, addend value)
    for ins in fn.body:
        src_vals = [value(s) for s in ins.srcs if re.match(r"^-?(%\w+|0[fd][0-9A-Fa-f]+)$", s)]
        for v, _ in src_vals:
            uses[v].append(ins)
        if ins.dst is None or not re.match(r"^%\w+$", ins.dst):
            continue
        version[ins.dst] += 1
        dkey = ("v", ins.dst, version[ins.dst])
        defs[dkey] = ins
        if ins.op in ("mov", "neg") and len(ins.srcs) == 1 and src_vals:
            v, s = src_vals[0]
            canon[dkey] = (v, -s if ins.op == "neg" else s)
        if ins.op in ("mul", "fma") and len(src_vals) >= 2:
            if ins.loc in library or exact_factor(src_vals[0][0]) or exact_factor(src_vals[1][0]):
                continue
            pair = tuple(sorted((src_vals[0][0], src_vals[1][0])))
            if ins.op == "mul":
                products[pair].append((ins, dkey))
            else:
                products[pair].append((ins, None))
                fma_list.append((ins, pair, src_vals[2][0] if len(src_vals) > 2 else ()))

    findings: list[Finding] = []
    # A: an fma whose product is formed elsewhere too, and whose addend is not that product rounded.
    for ins, pair, addend in fma_list:
        group = products[pair]
        if ins.loc not in contracted_at or len(group) < 2:
            continue
        rounded = {d for i, d in group if d is not None}
        if addend in rounded:
            continue  # TwoProd: fma(a, b, -fl(a*b))
        others = [i for i, _ in group if i is not ins]
        findings.append(Finding(fn.name, "A", ins.loc,
                                f"fma at PTX line {ins.line} fuses a product that is also formed at "
                                + ", ".join(f"{o.loc} ({o.op}{''.join('.' + m for m in o.mods)})" for o in others)))
    # B: an unmodified mul with several uses, one an unmodified add/sub (ptxas may fuse that one alone).
    for pair, group in products.items():
        for ins, dkey in group:
            if dkey is None or "rn" in ins.mods or "rz" in ins.mods:
                continue
            direct = uses[dkey]
            aliases = [k for k, (v, _) in canon.items() if v == dkey]
            all_uses = direct + [u for a in aliases for u in uses[a]]
            real = [u for u in all_uses if u.op not in ("mov", "neg")]
            adds = [u for u in real if u.op in ("add", "sub") and not {"rn", "rz", "rm", "rp"} & set(u.mods)]
            if len(real) >= 2 and adds:
                findings.append(Finding(fn.name, "B", ins.loc,
                                        f"mul at PTX line {ins.line} has {len(real)} uses, ptxas may fuse the add at "
                                        + ", ".join(a.loc for a in adds) + " (no rounding modifier)"))
    return findings


def demangle(names: list[str]) -> dict[str, str]:
    cxxfilt = shutil.which("c++filt")
    if not cxxfilt or not names:
        return {n: n for n in names}
    out = subprocess.run([cxxfilt], input="\n".join(names), capture_output=True, text=True, check=False).stdout
    lines = out.split("\n")
    return {n: (lines[i] if i < len(lines) and lines[i] else n) for i, n in enumerate(names)}


def short(name: str) -> str:
    """one_element<ElementOp<GeluTanh<(Variant)0>, (Direction)1, float>> -> GeluTanh<precise> deriv float."""
    m = re.search(r"ElementOp<actbench::(\w+)(?:<\(actbench::Variant\)(\d)>)?, \(actbench::Direction\)(\d), "
                  r"(?:actbench::)?(\w+)>", name)
    if not m:
        return name
    variant = {"0": "precise", "1": "fast", "2": "textbook", None: "-"}[m.group(2)]
    direction = {"0": "fwd", "1": "deriv", "2": "bwd"}.get(m.group(3), m.group(3))
    return f"{m.group(1)}<{variant}> {direction} {m.group(4)}"


def find_cuobjdump(explicit: str | None) -> str | None:
    if explicit:
        return explicit
    for cand in (os.environ.get("CUOBJDUMP"), shutil.which("cuobjdump"), "/usr/local/cuda/bin/cuobjdump"):
        if cand and os.access(cand, os.X_OK):
            return cand
    venvs = [os.environ.get("ACTBENCH_VENV", ""), os.path.join(ROOT, ".venv"), sys.prefix]
    for base in venvs:
        for c in glob.glob(os.path.join(base, "lib", "python3*", "site-packages", "nvidia", "cu*", "bin", "cuobjdump")):
            if os.access(c, os.X_OK):
                return c
    try:
        import nvidia  # noqa: F401  (pip's nvidia-cuda-cuobjdump, in this interpreter)

        for base in list(nvidia.__path__):
            for c in glob.glob(os.path.join(base, "cu*", "bin", "cuobjdump")):
                if os.access(c, os.X_OK):
                    return c
    except ImportError:
        pass
    return None


# The machine code the fp:: probes must compile to (opcode counts; anything not named is free).
# Every compensated operation stays a separate FADD/FMUL, every explicit fma one FFMA.
SASS_EXPECT = {
    "probe_two_sum_of_product_f32": {"FFMA": 0, "FMUL": 1, "FADD": 6},
    "probe_two_sum_of_product_f64": {"DFMA": 0, "DMUL": 1, "DADD": 6},
    "probe_fast_two_sum_of_product_f32": {"FFMA": 0, "FMUL": 1, "FADD": 3},
    "probe_fast_two_sum_of_product_f64": {"DFMA": 0, "DMUL": 1, "DADD": 3},
    "probe_two_prod_then_add_f32": {"FFMA": 1, "FMUL": 1, "FADD": 1},
    "probe_two_prod_then_add_f64": {"DFMA": 1, "DMUL": 1, "DADD": 1},
    "control_plain_two_sum_of_product_f32": {"FFMA": (1, None)},
    "control_plain_two_sum_of_product_f64": {"DFMA": (1, None)},
}


def sass_counts(sass: str) -> dict[str, collections.Counter]:
    out: dict[str, collections.Counter] = {}
    for chunk in re.split(r"\n\s*Function : ", sass)[1:]:
        name = chunk.split("\n", 1)[0].strip()
        ops = re.findall(r"/\*[0-9a-f]{4,}\*/\s+(?:@!?U?P\w+\s+)?([A-Z][A-Z0-9]*)", chunk)
        out[name] = collections.Counter(ops)
    return out


def check_sass(counts: dict[str, collections.Counter]) -> list[str]:
    problems = []
    for name, want in SASS_EXPECT.items():
        if name not in counts:
            problems.append(f"SASS: no function {name}")
            continue
        for op, n in want.items():
            lo, hi = n if isinstance(n, tuple) else (n, n)
            got = counts[name][op]
            if got < lo or (hi is not None and got > hi):
                problems.append(f"SASS: {name} has {got} {op}, expected "
                                + (f"{lo}" if lo == hi else f">= {lo}" if hi is None else f"{lo}..{hi}"))
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nvcc", default=os.environ.get("NVCC") or shutil.which("nvcc") or "/usr/local/cuda/bin/nvcc")
    ap.add_argument("--arch", default="90")
    ap.add_argument("--cuobjdump", default=None)
    ap.add_argument("--keep", default=None, help="directory to keep the PTX and SASS in")
    a = ap.parse_args()

    if not os.access(a.nvcc, os.X_OK):
        print(f"check_contraction: nvcc not found ({a.nvcc}); pass --nvcc", file=sys.stderr)
        return 2
    work = a.keep or tempfile.mkdtemp(prefix="actbench-contraction-")
    os.makedirs(work, exist_ok=True)
    common = [a.nvcc, "-std=c++17", "--expt-relaxed-constexpr", "-O3", "-lineinfo", "-I", ROOT,
              f"-arch=sm_{a.arch}", PROBES]
    modules = {}
    for fmad in ("true", "false"):
        path = os.path.join(work, f"probes-fmad-{fmad}.ptx")
        try:
            subprocess.run(common + [f"--fmad={fmad}", "-ptx", "-o", path], check=True)
        except (OSError, subprocess.CalledProcessError) as e:
            print(f"check_contraction: nvcc failed: {e}", file=sys.stderr)
            return 2
        with open(path, encoding="utf-8") as f:
            modules[fmad] = parse_ptx(f.read())
    functions = modules["true"]
    without = {fn.name: fn for fn in modules["false"]}
    library = library_lines({i.loc.rsplit(":", 1)[0] for fn in functions for i in fn.body})
    names = demangle([fn.name for fn in functions])
    problems: list[str] = []
    by_site: dict[tuple[str, str], tuple[str, set[str]]] = {}
    controls = 0
    for fn in functions:
        contracted_at = fma_excess(fn, without.get(fn.name))
        found = analyze(fn, contracted_at, library)
        if fn.name.startswith("control_"):
            controls += 1
            if found:
                print(f"negative control {fn.name}: caught ({found[0].rule} at {found[0].loc})")
            else:
                problems.append(f"negative control {fn.name}: no finding (the check is blind to it)")
            continue
        if fn.name.startswith("bitexact_"):
            found += [Finding(fn.name, "C", loc, "a contraction in code that must compute the host's bits")
                      for loc in sorted(contracted_at)]
        for f in found:
            key = (f.loc, f.rule + ": " + f.text.split(" at PTX line")[0])
            by_site.setdefault(key, (f.text, set()))[1].add(short(names[fn.name]))
    if controls == 0:
        problems.append("no negative control in the probes")
    for (loc, _), (detail, kernels) in sorted(by_site.items()):
        listed = sorted(kernels)
        problems.append(f"{loc}: {detail}\n    in {len(listed)} kernel(s): {', '.join(listed[:6])}"
                        + (" ..." if len(listed) > 6 else ""))
    print(f"PTX: {len(functions)} functions checked ({controls} negative controls), sm_{a.arch}, "
          f"{len(library)} library-call lines left to the library")
    libm = check_f32_libm(functions, names, library)
    problems += libm
    print(f"f32 precise kernels against harness/bounds.cpp kDeviceLibmF32 ({len(device_libm_table())} entries): "
          f"{len(libm)} problem(s)")

    cuobjdump = find_cuobjdump(a.cuobjdump)
    if cuobjdump:
        cubin = os.path.join(work, "probes.cubin")
        try:
            subprocess.run(common + ["-cubin", "-o", cubin], check=True)
            sass = subprocess.run([cuobjdump, "-sass", cubin], check=True, capture_output=True, text=True).stdout
        except (OSError, subprocess.CalledProcessError) as e:
            print(f"check_contraction: cubin/cuobjdump failed: {e}", file=sys.stderr)
            return 2
        if a.keep:
            with open(os.path.join(work, "probes.sass"), "w", encoding="utf-8") as f:
                f.write(sass)
        sass_problems = check_sass(sass_counts(sass))
        problems += sass_problems
        print(f"SASS ({cuobjdump}): {len(SASS_EXPECT)} probes counted, {len(sass_problems)} problem(s)")
    else:
        print("SASS: cuobjdump not found (PATH, the CUDA toolkit, pip's nvidia-cuda-cuobjdump): "
              "opcode counts not checked; the PTX check above stands on its own")

    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)
    if problems:
        print(f"\nFAILED: {len(problems)} problem(s):")
        for p in problems:
            print("  " + p)
        return 1
    print("OK: no contraction can break a compensated step")
    return 0


if __name__ == "__main__":
    sys.exit(main())
