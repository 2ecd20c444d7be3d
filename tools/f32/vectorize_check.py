#!/usr/bin/env python3
"""Checks that GCC vectorizes a loop over each hot path of the f32 precise functions (kernels/f32/activations.hpp).

For every <fn>_hot it compiles `for (i...) y[i] = f32::<fn>_hot(x[i]);`, and for every staged hot path
(kernels/f32/split.hpp: <fn>_hot = <fn>_tail(x, <fn>_head(x)), or with three stages <fn>_tail(x,
exp_sigma_pair(<fn>_pre(x))), tanh's <fn>_tail(x, expm1_of_core(<fn>_pre(x)))) the cpu backend's loops, each stage
into columns (HeadColumns::put) and the next from them (HeadColumns::get), with
    g++ -std=c++17 -O3 -mavx2 -mfma -ffp-contract=off -fno-math-errno -fopt-info-vec-optimized
and reads GCC's report: a call, a branch or an early return in the hot path leaves the loop scalar, and so does a
head copied as a whole struct.  (-fno-ipa-icf: two heads with the same code, such as sigmoid's and silu's, would
otherwise be folded into one function, and GCC would report one loop.)
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
STAGED_ONE = ["silu_deriv", "gelu_tanh", "gelu_tanh_deriv", "mish_deriv"]  # two stages: <fn>_head, <fn>_tail
STAGED_TWO = ["softplus_beta_deriv", "swish_beta", "swish_beta_deriv"]  # (x, parameter)
# three stages: <fn>_pre, the middle stage (its input's type and the function), <fn>_tail
SIGMA = ("f32::ExpSigmaPre", "f32::exp_sigma_pair<false>")
STAGED3_ONE = {"sigmoid": SIGMA, "sigmoid_deriv": SIGMA, "tanh": ("f32::ExpCore", "f32::expm1_of_core"),
               "tanh_deriv": SIGMA, "softplus": ("f32::ExpSigmaPre", "f32::exp_sigma_pair<true>"), "silu": SIGMA,
               "mish": SIGMA}
STAGED3_TWO: dict[str, tuple[str, str]] = {}  # (x, parameter): none yet


def loops() -> list[tuple[str, str]]:
    """(label, one line of C++ holding one loop) per checked loop."""
    out = []
    for f in ONE:
        out.append((f, f"void t_{f}(const float* x, float* y, int n) {{ for (int i = 0; i < n; ++i) "
                       f"y[i] = f32::{f}(x[i]); }}"))
    for f in TWO:
        out.append((f, f"void t_{f}(const float* x, float* y, int n, float p) {{ for (int i = 0; i < n; ++i) "
                       f"y[i] = f32::{f}(x[i], p); }}"))
    for f in STAGED_ONE + STAGED_TWO:
        p, a = ("float p", ", p") if f in STAGED_TWO else ("int", "")
        cols = f"f32::HeadColumns<decltype(f32::{f}_head(0.0f{a.replace('p', '1.0f')}))>"
        out.append((f + "_head", f"void h_{f}(const float* x, Cols& c, {p}) {{ for (int i = 0; i < 256; ++i) "
                                 f"{cols}::put(c, i, f32::{f}_head(x[i]{a})); }}"))
        out.append((f + "_tail", f"void s_{f}(const float* x, const Cols& c, float* y, {p}) {{ for (int i = 0; "
                                 f"i < 256; ++i) y[i] = f32::{f}_tail(x[i], {cols}::get(c, i){a}); }}"))
    pair = "f32::HeadColumns<f32::Pair>"
    for f, (pre_type, middle) in {**STAGED3_ONE, **STAGED3_TWO}.items():
        pre = f"f32::HeadColumns<{pre_type}>"
        p, a = ("float p", ", p") if f in STAGED3_TWO else ("int", "")
        out.append((f + "_pre", f"void r_{f}(const float* x, Cols& c, {p}) {{ for (int i = 0; i < 256; ++i) "
                                f"{pre}::put(c, i, f32::{f}_pre(x[i]{a})); }}"))
        out.append((f + "_pair", f"void m_{f}(const Cols& c, Cols& h) {{ for (int i = 0; i < 256; ++i) "
                                 f"{pair}::put(h, i, {middle}({pre}::get(c, i))); }}"))
        out.append((f + "_tail", f"void s_{f}(const float* x, const Cols& h, float* y, {p}) {{ for (int i = 0; "
                                 f"i < 256; ++i) y[i] = f32::{f}_tail(x[i], {pair}::get(h, i){a}); }}"))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cxx", default=os.environ.get("CXX", "g++"))
    ap.add_argument("--flags", default="-mavx2 -mfma", help="ISA flags (default: -mavx2 -mfma)")
    a = ap.parse_args()
    lines = ['#include "kernels/f32/activations.hpp"', '#include "kernels/f32/gelu.hpp"', "using namespace actbench;",
             "using Cols = float[actbench::f32::kMaxHeadFloats][256];  // as cpu::detail::hot_pass's buffer"]
    first = len(lines) + 1
    checked = loops()
    lines += [code for _, code in checked]
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "loops.cpp")
        with open(src, "w") as out:
            out.write("\n".join(lines) + "\n")
        cmd = [a.cxx, "-std=c++17", "-O3", *a.flags.split(), "-ffp-contract=off", "-fno-math-errno", "-fno-ipa-icf",
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
    bad = 0
    print(f"{a.cxx} -std=c++17 -O3 {a.flags} -ffp-contract=off -fno-math-errno -fno-ipa-icf: a loop over each hot "
          "path, and over each staged one's head and tail")
    for i, (f, _) in enumerate(checked):
        width = done.get(first + i)
        bad += width is None
        print(f"  {f:<26} {'vectorized, ' + str(width) + '-byte vectors' if width else 'NOT vectorized'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
