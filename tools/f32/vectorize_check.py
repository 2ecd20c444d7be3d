#!/usr/bin/env python3
"""Checks that GCC vectorizes a loop over each hot path of the f32 precise functions (kernels/f32/activations.hpp).

For every <fn>_hot it compiles `for (i...) y[i] = f32::<fn>_hot(x[i]);` with
    g++ -std=c++17 -O3 -mavx2 -mfma -ffp-contract=off -fno-math-errno -fopt-info-vec-optimized
and reads GCC's report: a call, a branch or an early return in the hot path leaves the loop scalar.
Prints one line per function; exit status 1 if any loop stays scalar, 2 if the compiler fails.

    python3 tools/f32/vectorize_check.py [--cxx g++] [--flags "-mavx512f ..."]
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ONE = ["sigmoid_hot", "sigmoid_deriv_hot", "tanh_hot", "tanh_deriv_hot", "selu_hot", "selu_deriv_hot",
       "softplus_hot", "silu_hot", "silu_deriv_hot", "mish_hot", "mish_deriv_hot", "gelu_hot", "gelu_deriv_hot",
       "gelu_tanh_hot", "gelu_tanh_deriv_hot"]
TWO = ["elu_hot", "elu_deriv_hot", "celu_hot", "celu_deriv_hot", "softplus_beta_hot", "softplus_beta_deriv_hot",
       "swish_beta_hot", "swish_beta_deriv_hot"]  # (x, parameter)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cxx", default=os.environ.get("CXX", "g++"))
    ap.add_argument("--flags", default="-mavx2 -mfma", help="ISA flags (default: -mavx2 -mfma)")
    a = ap.parse_args()
    lines = ['#include "kernels/f32/activations.hpp"', '#include "kernels/f32/gelu.hpp"', "using namespace actbench;"]
    first = len(lines) + 1
    for f in ONE:
        lines.append(f"void t_{f}(const float* x, float* y, int n) {{ for (int i = 0; i < n; ++i) "
                     f"y[i] = f32::{f}(x[i]); }}")
    for f in TWO:
        lines.append(f"void t_{f}(const float* x, float* y, int n, float p) {{ for (int i = 0; i < n; ++i) "
                     f"y[i] = f32::{f}(x[i], p); }}")
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "loops.cpp")
        with open(src, "w") as out:
            out.write("\n".join(lines) + "\n")
        cmd = [a.cxx, "-std=c++17", "-O3", *a.flags.split(), "-ffp-contract=off", "-fno-math-errno",
               "-fopt-info-vec-optimized", "-I", ROOT, "-c", src, "-o", os.path.join(tmp, "loops.o")]
        try:
            r = subprocess.run(cmd, capture_output=True, text=True)
        except OSError as e:
            print(f"vectorize_check: {e}", file=sys.stderr)
            return 2
        if r.returncode != 0:
            print(f"vectorize_check: the compiler failed:\n{r.stderr[-2000:]}", file=sys.stderr)
            return 2
    done = {}
    for m in re.finditer(r"loops\.cpp:(\d+):\d+: optimized: loop vectorized using (\d+) byte vectors", r.stderr):
        line = int(m.group(1))
        done[line] = max(done.get(line, 0), int(m.group(2)))
    names = ONE + TWO
    bad = 0
    print(f"{a.cxx} -std=c++17 -O3 {a.flags} -ffp-contract=off -fno-math-errno: a loop over each hot path")
    for i, f in enumerate(names):
        width = done.get(first + i)
        bad += width is None
        print(f"  {f:<26} {'vectorized, ' + str(width) + '-byte vectors' if width else 'NOT vectorized'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
