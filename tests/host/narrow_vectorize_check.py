#!/usr/bin/env python3
"""Checks that GCC vectorizes the cpu backend's loops over 16-bit data for every precise function.

Compiles harness/cpu/launch_f16.cpp and launch_bf16.cpp as the build does (-O3 -ffp-contract=off -fopenmp
-fno-trapping-math) with -fdump-tree-vect-details and reads, for each run_blocks instantiation of those
functions (fwd, deriv, bwd; its loop sits in for_blocks' OpenMP body), or run_bits for the ops that run on the
16-bit bits (relu, relu6; f' of leaky_relu, prelu, hardsigmoid: kernels/bits16.hpp), whether its loop was
vectorized: a libm call, an outlined call, a branch the compiler cannot if-convert (a constant it did not fold:
bf16 relu's bwd once) or prelu's per-element channel remainder leaves it scalar (kernels/narrow.hpp,
kernels/dtype.hpp, harness/cpu/launch_impl.hpp).  Prints one line per loop; exit status 1 if any stays scalar, 2 if
the compiler fails.

    python3 tests/host/narrow_vectorize_check.py --cxx g++ --cccl /usr/local/cuda/include/cccl [--flags "..."]
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Functor names as mangled (length-prefixed) in the instantiations' symbols (leaky_relu's is LeakyReluOf<double>).
FUNCTIONS = ["Sigmoid", "Tanh", "Swish", "Gelu", "GeluTanh", "Softplus", "Mish", "Elu", "Selu", "Celu", "Softsign",
             "Hardswish", "Relu", "Relu6", "LeakyReluOf", "Prelu", "Hardsigmoid"]
DIRECTIONS = ["fwd", "deriv", "bwd"]  # Direction's values 0, 1, 2


def simd_lines():
    """The lines of launch_impl.hpp's `#pragma omp simd` loops, 1-based: each loop's for statement and the first
    line of its body (GCC reports a loop at either)."""
    with open(os.path.join(ROOT, "harness", "cpu", "launch_impl.hpp")) as f:
        lines = f.read().split("\n")
    return {i + k for i, line in enumerate(lines) if line.strip() == "#pragma omp simd" for k in (2, 3)}


def loops(dump, element_lines):
    """{(function, direction): vectorized} for the precise run_blocks / run_bits loops in a vect dump (functors with a
    Variant parameter: the precise one, 0; LeakyReluOf: its double form; functors without one have a single form).
    Vectorized: a loop of the function was, and no element loop (element_lines: one body can hold several, e.g.
    prelu bwd's with and without the dalpha sums) was left scalar."""
    found = {}
    for part in re.split(r"\n;; Function ", dump)[1:]:
        name = part.split("\n", 1)[0]
        if "for_blocks" not in name or "_omp_fn" not in name:
            continue
        m = re.search(r"run_(?:blocks|bits)INS_9ElementOpINS_\d+(\w+?)(?:I(?:LNS_7VariantE0E|d)E)?ELNS_9DirectionE(\d)",
                      name)
        if m and m.group(1) in FUNCTIONS:
            scalar = {int(x) for x in re.findall(r"launch_impl\.hpp:(\d+):\d+: missed: +couldn't vectorize loop", part)}
            found[(m.group(1), DIRECTIONS[int(m.group(2))])] = "LOOP VECTORIZED" in part and not scalar & element_lines
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cxx", default=os.environ.get("CXX", "g++"))
    ap.add_argument("--cccl", required=True, help="the include directory holding thrust/")
    ap.add_argument("--flags", default="-mavx2 -mfma", help="ISA flags (default: -mavx2 -mfma)")
    a = ap.parse_args()
    bad = 0
    element_lines = simd_lines()
    with tempfile.TemporaryDirectory() as tmp:
        # f16 with F16C (the chunked loops every x86 build since Ivy Bridge takes) and without (the conversions
        # inside the element loop); bf16's chunks need AVX2 only
        for t, extra in [("f16", ["-mf16c"]), ("f16", []), ("bf16", [])]:
            dump = os.path.join(tmp, f"{t}{len(extra)}.vect")
            cmd = [a.cxx, "-std=c++17", "-O3", "-ffp-contract=off", "-fopenmp", "-fno-trapping-math", *a.flags.split(),
                   *extra,
                   "-DTHRUST_DEVICE_SYSTEM=THRUST_DEVICE_SYSTEM_OMP", "-DTHRUST_HOST_SYSTEM=THRUST_HOST_SYSTEM_CPP",
                   "-I", ROOT, "-isystem", a.cccl, f"-fdump-tree-vect-details={dump}", "-c",
                   os.path.join(ROOT, "harness", "cpu", f"launch_{t}.cpp"), "-o", os.path.join(tmp, f"{t}.o")]
            r = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if r.returncode != 0:
                print(r.stderr[-4000:])
                return 2
            with open(dump) as f:
                found = loops(f.read(), element_lines)
            label = f"{t}{'+f16c' if extra else ''}"
            for fn in FUNCTIONS:
                for d in DIRECTIONS:
                    v = found.get((fn, d))
                    state = "vectorized" if v else ("SCALAR" if v is not None else "NOT FOUND")
                    print(f"{label:9} {fn:10} {d:6} {state}")
                    bad += not v
    print(f"{bad} loop(s) not vectorized" if bad else "every loop vectorized")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
