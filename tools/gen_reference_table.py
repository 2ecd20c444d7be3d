#!/usr/bin/env python3
"""Generate tests/data/reference_table.csv: high-precision values of every activation and its
derivative, to verify actbench's host reference (harness/reference.cpp).

Every input is an exact double (written as a hex float).  Values are computed with mpmath at 80 and
at 120 significant digits; a value is accepted only when the two agree to 1e-50 relative (else it is
recomputed at 300 and 500 digits), so cancellation in a formula cannot slip through.

The reference's conventions (signs of zero, limits at +-inf, NaN in -> NaN out, piecewise
derivatives at their break points) are written out here as a specification; see reference.hpp.

Columns:
  activation, direction (fwd|deriv), rounding (f32|f64: the type the constants and parameters are
  rounded to), params (key=value;... Params members, decimal as given to the C++ side), x (hex float),
  ref_hi (the exact value rounded to a 64-bit significand, 25 digits: reads back exactly as a long
  double), ref_lo (exact - ref_hi, 20 digits), cancel_scale (0, or near an interior zero of a
  derivative the sum of the magnitudes of the terms that cancel: an absolute error of a few
  2^-64 * cancel_scale is then the best a long-double evaluation can do).

Usage: python3 tools/gen_reference_table.py [-o tests/data/reference_table.csv]
"""
import argparse
import math
import random
import struct
import sys

import mpmath
from mpmath import mp, mpf

ACTIVATIONS = ["relu", "relu6", "leaky_relu", "prelu", "elu", "selu", "celu", "softplus", "sigmoid",
               "hardsigmoid", "tanh", "softsign", "swish", "hardswish", "gelu", "gelu_tanh", "mish"]

SELU_ALPHA = "1.6732632423543772848170429916717"
SELU_LAMBDA = "1.0507009873554804934193349852946"
GELU_TANH_A = "0.044715"
SQRT_2_OVER_PI = "0.79788456080286535587989211986876"

DEFAULTS = {"leaky_relu_alpha": "0.01", "prelu_alpha": "0.25", "elu_alpha": "1", "celu_alpha": "1",
            "softplus_beta": "1", "swish_beta": "1"}


def rounded(dec, rounding):
    """A decimal string rounded directly (no double rounding) to float or double, as an exact mpf."""
    with mpmath.workprec(24 if rounding == "f32" else 53):
        v = mpf(dec)
    return mpf(v)


def f32_of_double(dec):
    """A parameter: the double the user passed, then cast to float by the kernel (as C++ does)."""
    return mpf(struct.unpack("f", struct.pack("f", float(dec)))[0])


def constants(params, rounding):
    c = {}
    for k, v in params.items():
        c[k] = f32_of_double(v) if rounding == "f32" else mpf(float(v))
    c["selu_alpha"] = rounded(SELU_ALPHA, rounding)
    c["selu_lambda"] = rounded(SELU_LAMBDA, rounding)
    c["gelu_tanh_a"] = rounded(GELU_TANH_A, rounding)
    c["gelu_tanh_k"] = rounded(SQRT_2_OVER_PI, rounding)
    return c


def erfc(z):
    """mpmath's erfc, with the asymptotic series where mpmath's own fails (|z| > 1e4)."""
    if abs(z) <= 10 ** 4:
        return mpmath.erfc(z)
    a = abs(z)
    q = 1 / (2 * a * a)
    term, total = mpf(1), mpf(1)
    for n in range(1, 16):  # (2n-1)!! / (2z^2)^n, below 1e-60 relative well before n = 15
        term *= -(2 * n - 1) * q
        total += term
    tail = mpmath.exp(-a * a) / (a * mpmath.sqrt(mpmath.pi)) * total
    return tail if z > 0 else 2 - tail


def sig(z):
    return 1 / (1 + mpmath.exp(-z))


def value(act, deriv, x, c):
    """(value, cancel_scale) of f(x) or f'(x) for finite non-zero x, in the current precision."""
    one = mpf(1)
    if act == "relu":
        return (one if x > 0 else mpf(0)) if deriv else (x if x > 0 else mpf(0)), 0
    if act == "relu6":
        if deriv:
            return (one if 0 < x < 6 else mpf(0)), 0
        return (mpf(0) if x <= 0 else (x if x < 6 else mpf(6))), 0
    if act in ("leaky_relu", "prelu"):
        a = c[act + "_alpha"]
        return ((one if x > 0 else a) if deriv else (x if x > 0 else a * x)), 0
    if act == "elu":
        a = c["elu_alpha"]
        if x > 0:
            return (one if deriv else x), 0
        return (a * mpmath.exp(x) if deriv else a * mpmath.expm1(x)), 0
    if act == "selu":
        a, lam = c["selu_alpha"], c["selu_lambda"]
        if x > 0:
            return (lam if deriv else lam * x), 0
        return (lam * a * mpmath.exp(x) if deriv else lam * a * mpmath.expm1(x)), 0
    if act == "celu":
        a = c["celu_alpha"]
        if x > 0:
            return (one if deriv else x), 0
        return (mpmath.exp(x / a) if deriv else a * mpmath.expm1(x / a)), 0
    if act == "softplus":
        b = c["softplus_beta"]
        z = b * x
        if deriv:
            return sig(z), 0
        if z > 0:
            return x + mpmath.log1p(mpmath.exp(-z)) / b, 0
        return mpmath.log1p(mpmath.exp(z)) / b, 0
    if act == "sigmoid":
        if deriv:
            e = mpmath.exp(-abs(x))
            return e / (1 + e) ** 2, 0
        return sig(x), 0
    if act == "hardsigmoid":
        if deriv:
            return (one / 6 if -3 < x < 3 else mpf(0)), 0
        return (mpf(0) if x <= -3 else (one if x >= 3 else (x + 3) / 6)), 0
    if act == "tanh":
        return (mpmath.sech(x) ** 2 if deriv else mpmath.tanh(x)), 0
    if act == "softsign":
        return (1 / (1 + abs(x)) ** 2 if deriv else x / (1 + abs(x))), 0
    if act == "swish":
        z = c["swish_beta"] * x
        s = sig(z)
        if not deriv:
            return x * s, 0
        t = z * s * sig(-z)
        return s + t, abs(s) + abs(t)
    if act == "hardswish":
        if deriv:
            return (mpf(0) if x < -3 else (one if x > 3 else (2 * x + 3) / 6)), 0
        return (mpf(0) if x <= -3 else (x if x >= 3 else x * (x + 3) / 6)), 0
    if act == "gelu":
        e = erfc(-x / mpmath.sqrt(2))
        if not deriv:
            return x * e / 2, 0
        t = x * mpmath.exp(-x * x / 2) / mpmath.sqrt(2 * mpmath.pi)
        return e / 2 + t, abs(e / 2) + abs(t)
    if act == "gelu_tanh":
        a, k = c["gelu_tanh_a"], c["gelu_tanh_k"]
        u = k * (x + a * x ** 3)
        s1 = sig(2 * u)
        if not deriv:
            return x * s1, 0
        t = x * 2 * k * (1 + 3 * a * x * x) * s1 * sig(-2 * u)
        return s1 + t, abs(s1) + abs(t)
    if act == "mish":
        sp = mpmath.log1p(mpmath.exp(x)) if x < 0 else x + mpmath.log1p(mpmath.exp(-x))
        t = mpmath.tanh(sp)
        if not deriv:
            return x * t, 0
        t2 = x * sig(x) * mpmath.sech(sp) ** 2
        return t + t2, abs(t) + abs(t2)
    raise ValueError(act)


# Zero outputs that are exact zeros over an interval: their sign (see reference.hpp).
def zero_sign_negative(act, deriv, x):
    if deriv:
        return False
    return act == "hardswish" and x < 0


ODD_AT_ZERO = {"leaky_relu", "prelu", "elu", "selu", "celu", "tanh", "softsign", "swish", "hardswish",
               "gelu", "gelu_tanh", "mish"}

# Limits at +-inf: (fwd(+inf), fwd(-inf), deriv(+inf), deriv(-inf)) as strings; None: use the formula.
def limits(act, c):
    a = {"leaky_relu": c["leaky_relu_alpha"], "prelu": c["prelu_alpha"]}
    inf, ninf = "inf", "-inf"
    table = {
        "relu": (inf, "0", "1", "0"),
        "relu6": ("6", "0", "0", "0"),
        "leaky_relu": (inf, ninf, "1", a["leaky_relu"]),
        "prelu": (inf, ninf, "1", a["prelu"]),
        "elu": (inf, -c["elu_alpha"], "1", "0"),
        "selu": (inf, -c["selu_lambda"] * c["selu_alpha"], c["selu_lambda"], "0"),
        "celu": (inf, -c["celu_alpha"], "1", "0"),
        "softplus": (inf, "0", "1", "0"),
        "sigmoid": ("1", "0", "0", "0"),
        "hardsigmoid": ("1", "0", "0", "0"),
        "tanh": ("1", "-1", "0", "0"),
        "softsign": ("1", "-1", "0", "0"),
        "swish": (inf, "-0", "1", "-0"),
        "hardswish": (inf, "-0", "1", "0"),
        "gelu": (inf, "-0", "1", "-0"),
        "gelu_tanh": (inf, "-0", "1", "-0"),
        "mish": (inf, "-0", "1", "-0"),
    }
    return table[act]


def fmt(v, digits):
    if v == 0:
        return "0"
    if abs(v) < mpf(10) ** -5000:  # far below long double's range: a signed zero
        return "-0" if v < 0 else "0"
    return mpmath.nstr(v, digits, min_fixed=1, max_fixed=0, strip_zeros=False)


def exact_row(act, deriv, x, c):
    """(ref_hi, ref_lo, cancel_scale) strings for a double x."""
    if math.isnan(x):
        return "nan", "0", "0"
    if math.isinf(x):
        lim = limits(act, c)[(2 if deriv else 0) + (0 if x > 0 else 1)]
        if isinstance(lim, str):
            return lim, "0", "0"
        return hi_lo(lim) + ("0",)
    if x == 0:
        mp.dps = 80
        v, _ = value(act, deriv, mpf(0), c)
        if v == 0:
            neg = (not deriv and act in ODD_AT_ZERO and math.copysign(1, x) < 0)
            return ("-0" if neg else "0"), "0", "0"
        return hi_lo(v) + ("0",)
    results = []
    for dps in (80, 120, 300, 500):
        mp.dps = dps
        v, scale = value(act, deriv, mpf(x), c)
        results.append((v, scale))
        if len(results) >= 2:
            (v1, _), (v2, _) = results[-2], results[-1]
            if v1 == v2 or abs(v1 - v2) <= mpf(10) ** -50 * abs(v2):
                break
            # Far below long double's range (|v| < 1e-5000) only the sign matters.
            if abs(v1) < mpf(10) ** -5000 and abs(v2) < mpf(10) ** -5000 and (v1 < 0) == (v2 < 0):
                break
    else:
        raise RuntimeError(f"{act} deriv={deriv} x={x!r}: no agreement at 500 digits")
    mp.dps = 120
    v, scale = results[-1]
    if v == 0:
        return ("-0" if zero_sign_negative(act, deriv, x) else "0"), "0", "0"
    return hi_lo(v) + ((fmt(scale, 6) if scale != 0 else "0"),)


def hi_lo(v):
    mp.dps = 120
    with mpmath.workprec(64):
        hi = +v
    hi = mpf(hi)
    return fmt(hi, 25), fmt(v - hi, 20)


def nextafter(x, n=1):
    for _ in range(abs(n)):
        x = math.nextafter(x, math.inf if n > 0 else -math.inf)
    return x


def points(full, seed):
    """Exact doubles: specials, tiny, grid, thresholds, branch points, tails, subnormal outputs."""
    pts = [0.0, -0.0, math.inf, -math.inf, math.nan]
    tiny = [5e-324, 1e-320, 2.2250738585072014e-308, 1e-300, 1e-100, 1e-30, 1e-15, 1e-8, 1e-5, 1e-3, 0.01]
    tails = [12, 15, 20, 25, 30, 38, 38.5, 40, 50, 100, 200, 500, 700, 740, 746, 1000, 5000, 1e4, 1e10,
             1e100, 1e300, 1.7976931348623157e308]
    # docs/ACCURACY.md's thresholds (f32, f16, bf16, f64) and their neighbours.
    thresholds = [9.011, 17.33, 88.72, 103.97, 14.56, 4.505, 8.32, 11.09, 17.33, 6.24, 3.465, 92.88, 4.16,
                  19.06, 37.43, 709.78, 745.13, 33.27, 708.39, 744.44]
    branch = [3.0, 6.0, 1.5, 0.5, 1.0, 2.0]
    zeros = [-0.7517915241229171, -0.7522, -1.1920928955078125, -1.2784645427610738, -1.5]
    for v in tiny + tails + thresholds + branch:
        pts += [v, -v]
    for v in thresholds + branch + [1e-8]:
        for n in (-1, 1):
            pts += [nextafter(v, n), -nextafter(v, n)]
    for z in zeros:
        pts += [z, nextafter(z, 1), nextafter(z, -1), z + 1e-6, z - 1e-6, z + 1e-3, z - 1e-3]
    if full:
        pts += [k / 6 for k in range(-72, 73)]                       # grid on [-12, 12]
        pts += [s * 10 ** (j / 3) for j in range(-30, 31) for s in (1, -1)]  # log grid 1e-10..1e10
        # outputs subnormal in double: gelu ~ -37.5..-38.6, gelu_tanh ~ -21.3..-22.0, exp-tails.
        pts += [-37.0 - k / 16 for k in range(0, 28)]
        pts += [-21.0 - k / 16 for k in range(0, 18)]
        pts += [-708.0 - k for k in range(0, 40, 3)]
        rng = random.Random(seed)
        pts += [rng.uniform(-40, 40) for _ in range(40)]
    out, seen = [], set()
    for p in map(float, pts):
        key = struct.pack("d", p) if not math.isnan(p) else b"nan"
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def configs():
    """(activation, rounding, params, full point set)."""
    cfg = []
    for act in ACTIVATIONS:
        cfg.append((act, "f64", {}, True))
    for act in ("leaky_relu", "selu", "gelu_tanh"):
        cfg.append((act, "f32", {}, True))
    extra = [("elu", "elu_alpha", "0.3"), ("celu", "celu_alpha", "0.7"), ("softplus", "softplus_beta", "1.7"),
             ("swish", "swish_beta", "0.6"), ("prelu", "prelu_alpha", "0.1")]
    for act, key, val in extra:
        for r in ("f32", "f64"):
            cfg.append((act, r, {key: val}, False))
    return cfg


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-o", "--out", default="tests/data/reference_table.csv")
    ap.add_argument("--seed", type=int, default=20240607)
    args = ap.parse_args()
    full_pts, small_pts = points(True, args.seed), points(False, args.seed)
    rows = 0
    with open(args.out, "w") as f:
        f.write(f"# generated by tools/gen_reference_table.py (mpmath {mpmath.__version__}); do not edit\n")
        f.write("activation,direction,rounding,params,x,ref_hi,ref_lo,cancel_scale\n")
        for act, rounding, over, full in configs():
            params = dict(DEFAULTS)
            params.update(over)
            c = constants(params, rounding)
            ptext = ";".join(f"{k}={v}" for k, v in over.items())
            for deriv in (False, True):
                for x in (full_pts if full else small_pts):
                    hi, lo, scale = exact_row(act, deriv, x, c)
                    xs = ("nan" if math.isnan(x)
                          else "inf" if x == math.inf else "-inf" if x == -math.inf else x.hex())
                    f.write(f"{act},{'deriv' if deriv else 'fwd'},{rounding},{ptext},{xs},{hi},{lo},{scale}\n")
                    rows += 1
    print(f"{args.out}: {rows} rows ({len(full_pts)} points per function and derivative)", file=sys.stderr)


if __name__ == "__main__":
    main()
