#!/usr/bin/env python3
"""Coefficients of the 16-bit paths: the derivatives next to an interior zero of f' (kernels/activations.hpp),
and e^x - 1 on [-ln 4, 0] (kernels/narrow.hpp: expm1_neg).

Next to the zero x0 of gelu', gelu_tanh', swish' (beta = 1) and mish' the terms of f' cancel, and an f32 evaluation
loses the relative accuracy a 16-bit result needs there.  On a band around x0 (within [2 x0, x0/2]) the kernels
instead evaluate f'(x) = u q(u), u = x - x0 (x0 as an f32 hi + lo pair, x - hi exact by Sterbenz), q a polynomial fitted
here to f'(x0 + u)/u with mpmath (50 digits).  Prints x0 (hi, lo) and q's f32 coefficients, highest
degree first, and the fit's max relative error with the coefficients rounded to f32.

    python3 tools/gen_narrow_coeffs.py          (needs mpmath and numpy)
"""
import mpmath as mp
import numpy as np

mp.mp.dps = 50


def f32(v):
    return float(np.float32(float(v)))


def gelu_d(x):
    x = mp.mpf(x)
    return mp.ncdf(x) + x * mp.npdf(x)


KC = mp.mpf(f32(mp.sqrt(2 / mp.pi)))  # the kernel's and the reference's rounded constants
AC = mp.mpf(f32(0.044715))


def gelu_tanh_d(x):
    x = mp.mpf(x)
    z = 2 * KC * (x + AC * x**3)
    s = 1 / (1 + mp.exp(-z))
    return s + x * s * (1 - s) * 2 * KC * (1 + 3 * AC * x**2)


def swish_d(x):  # beta = 1
    x = mp.mpf(x)
    s = 1 / (1 + mp.exp(-x))
    return s * (1 + x * (1 - s))


def mish_d(x):
    x = mp.mpf(x)
    sp = mp.log1p(mp.exp(x))
    t = mp.tanh(sp)
    return t + x * (1 / (1 + mp.exp(-x))) * (1 - t * t)


def fit(name, fp, band, guess, degree):
    x0 = mp.findroot(fp, guess)
    hi = f32(x0)
    lo = f32(x0 - hi)
    us = [mp.mpf(band[0]) - x0 + (mp.mpf(band[1]) - mp.mpf(band[0])) * (1 - mp.cos(mp.pi * (k + 0.5) / 400)) / 2
          for k in range(400)]
    qs = [fp(x0 + u) / u for u in us]
    c = np.polyfit([float(u) for u in us], [float(q) for q in qs], degree)
    c32 = [f32(v) for v in c]
    worst = 0.0
    for u, q in zip(us, qs, strict=False):
        p = mp.mpf(0)
        for v in c32:
            p = p * u + v
        worst = max(worst, float(abs(p / q - 1)))
    print(f"{name} on {band}: x0 = {mp.nstr(x0, 20)}  hi = {hi!r}f  lo = {lo!r}f")
    print(f"  q coefficients (degree {degree}, highest first): " + ", ".join(f"{v:.9e}f" for v in c32))
    print(f"  max relative error of q with f32 coefficients on the band: {worst:.3g} (2^{np.log2(worst):.1f})")


def fit_expm1_neg(degree=6):
    """e^x - 1 = x + x^2 q(x) on [-ln 4, 0]: q fitted at Chebyshev nodes, checked on a fine grid."""
    lo = -mp.log(4)
    n = 600
    xs = [lo * (1 - mp.cos(mp.pi * (k + mp.mpf(1) / 2) / n)) / 2 for k in range(n)]
    c = np.polyfit([float(x) for x in xs], [float((mp.expm1(x) - x) / x**2) for x in xs], degree)
    c32 = [f32(v) for v in c]
    worst = 0.0
    for k in range(1, 20001):
        x = lo * mp.mpf(k) / 20000
        p = mp.mpf(0)
        for v in c32:
            p = p * x + v
        worst = max(worst, float(abs((x + x * x * p) / mp.expm1(x) - 1)))
    print(f"expm1 on [-ln 4, 0]: q coefficients (degree {degree}, highest first): "
          + ", ".join(f"{v:.9e}f" for v in c32))
    print(f"  max relative error of x + x^2 q(x) with f32 coefficients: {worst:.3g} (2^{np.log2(worst):.1f})")


if __name__ == "__main__":
    fit_expm1_neg()
    fit("gelu'", gelu_d, (-1.0, -0.5), -0.75, 9)
    fit("gelu_tanh'", gelu_tanh_d, (-1.0, -0.5), -0.75, 9)
    fit("swish'", swish_d, (-1.6, -1.0), -1.28, 9)
    fit("mish'", mish_d, (-1.5, -0.9), -1.19, 9)
