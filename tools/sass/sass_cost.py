#!/usr/bin/env python3
"""Static SASS instruction counts of every precise (activation, direction, dtype) for one architecture.

Compiles tools/sass/one_element.cu (one kernel per op that applies it to one element) with nvcc for
sm_<arch>, disassembles it with cuobjdump, and prints per op: instructions (without NOP/EXIT/BRA),
SFU (MUFU) and double-precision (DFMA/DADD/DMUL) instructions, minus the copy kernel's count (the
load/store/index overhead).  A static count: rarely taken branches (tails, a division's slow path)
count as much as the hot path; a GPU run measures what matters.  At H100/H200 bandwidth a 16-bit
element leaves ~20-30 instructions of issue budget, an f32 element about twice that.

    python3 tools/sass/sass_cost.py [--arch 90] [--cuobjdump PATH]
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DTYPES = [("f16_t", "f16"), ("bf16_t", "bf16"), ("float", "f32"), ("double", "f64")]


def instruction_counts(sass):
    """{function: (instructions, MUFU, FP64)} of `cuobjdump -sass` output; NOP/EXIT/BRA not counted."""
    out = {}
    for body in re.split(r"\n\s*Function : ", sass)[1:]:
        ins = [i.strip() for i in re.findall(r"/\*[0-9a-f]{4,}\*/\s+([^;]*);", body)]
        ins = [i for i in ins if not re.match(r"(@!?P\d+\s+)?(NOP|EXIT|BRA)\b", i)]
        out[body.split("\n", 1)[0].strip()] = (len(ins), sum("MUFU" in i for i in ins),
                                               sum(bool(re.search(r"\bD(FMA|ADD|MUL)\b", i)) for i in ins))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--arch", default="90")
    ap.add_argument("--cuobjdump", default=os.environ.get("CUOBJDUMP") or shutil.which("cuobjdump"))
    a = ap.parse_args()
    if not a.cuobjdump:
        sys.exit("sass_cost: cuobjdump not found (CUDA toolkit bin/, or pip's nvidia-cuda-cuobjdump); pass --cuobjdump")
    with tempfile.TemporaryDirectory() as tmp:
        cubin = os.path.join(tmp, "one.cubin")
        try:
            subprocess.run(["nvcc", "-std=c++17", "--expt-relaxed-constexpr", "-O3", "-I", ROOT, f"-arch=sm_{a.arch}",
                            "-cubin", "-o", cubin, os.path.join(HERE, "one_element.cu")], check=True)
            sass = subprocess.run([a.cuobjdump, "-sass", cubin], check=True, capture_output=True, text=True).stdout
        except (OSError, subprocess.CalledProcessError) as e:
            sys.exit(f"sass_cost: {e}")
    counts = instruction_counts(sass)
    names = list(counts)
    demangled = subprocess.run(["c++filt"], input="\n".join(names), capture_output=True, text=True,
                               check=True).stdout.split("\n")
    rows = {}
    for mangled, name in zip(names, demangled):
        m = re.search(r"actbench::(\w+)<\(actbench::Variant\)0>, \(actbench::Direction\)(\d), (?:actbench::)?(\w+)>", name)
        if m:
            rows[(m.group(1), int(m.group(2)), m.group(3))] = counts[mangled]
    # relu of the same direction and dtype: the load/store/index overhead plus ~1 instruction
    base = {(t, d): rows[("Relu", d, t)][0] - 1 for t, _ in DTYPES for d in range(3)}
    acts = sorted({k[0] for k in rows})
    print(f"static SASS instructions per element, sm_{a.arch}, precise, minus the load/store overhead "
          "(relu's count - 1); [sfu/double] where non-zero")
    for t, label in DTYPES:
        print(f"\n{label:<12} {'fwd':>12} {'deriv':>12} {'bwd':>12}")
        for act in acts:
            cells = []
            for d in range(3):
                n, mufu, dp = rows[(act, d, t)]
                extra = f"[{mufu}/{dp}]" if (mufu or dp) else ""
                cells.append(f"{n - base[(t, d)]:>4}{extra:>8}")
            print(f"{act:<12} " + " ".join(cells))


if __name__ == "__main__":
    main()
