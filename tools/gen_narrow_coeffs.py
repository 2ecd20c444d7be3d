#!/usr/bin/env python3
"""Coefficients of the 16-bit paths: the derivatives next to an interior zero of f' (kernels/activations.hpp),
e^x - 1 on [-ln 4, 0] (kernels/narrow.hpp: expm1_neg), e^r on the cpu backend (narrow.hpp: host::exp_fast), tanh as a
rational function on [0, 5] on the cpu backend (narrow.hpp: host::tanh_16) and atanh(s) on [0, 1/3] (narrow.hpp:
log1p_unit).

Next to the zero x0 of gelu_tanh', swish' (beta = 1) and mish' the terms of f' cancel, and an f32 evaluation
loses the relative accuracy a 16-bit result needs there.  On a band |x - x0| < w (within [2 x0, x0/2]) the kernels
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
    """band: (lo, hi), or a half-width around the zero x0."""
    x0 = mp.findroot(fp, guess)
    if not isinstance(band, tuple):
        band = (float(x0 - band), float(x0 + band))
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


def worst_on_grid(c32, end, rel_err, n=20000):
    """max |rel_err(x, p(x))| on the grid end * k/n, k = 1..n, p with the coefficients c32 (highest first)."""
    worst = 0.0
    for k in range(1, n + 1):
        x = end * mp.mpf(k) / n
        p = mp.mpf(0)
        for v in c32:
            p = p * x + v
        worst = max(worst, float(abs(rel_err(x, p))))
    return worst


def fit_expm1_neg(degree=6):
    """e^x - 1 = x + x^2 q(x) on [-ln 4, 0]: q fitted at Chebyshev nodes, checked on a fine grid."""
    lo = -mp.log(4)
    n = 600
    xs = [lo * (1 - mp.cos(mp.pi * (k + mp.mpf(1) / 2) / n)) / 2 for k in range(n)]
    c = np.polyfit([float(x) for x in xs], [float((mp.expm1(x) - x) / x**2) for x in xs], degree)
    c32 = [f32(v) for v in c]
    worst = worst_on_grid(c32, lo, lambda x, p: (x + x * x * p) / mp.expm1(x) - 1)
    print(f"expm1 on [-ln 4, 0]: q coefficients (degree {degree}, highest first): "
          + ", ".join(f"{v:.9e}f" for v in c32))
    print(f"  max relative error of x + x^2 q(x) with f32 coefficients: {worst:.3g} (2^{np.log2(worst):.1f})")


def lawson_fit(xs, ys, scale, degree, rounds=200):
    """The polynomial of the given degree with the least maximum of |(p(x) - y) scale| over the nodes, by Lawson's
    reweighted least squares; its coefficients rounded to f32, highest degree first."""
    x, y = np.array([float(v) for v in xs]), np.array([float(v) for v in ys])
    lam = np.full(len(x), 1.0 / len(x))
    for _ in range(rounds):
        c = np.polyfit(x, y, degree, w=np.sqrt(lam) * scale)
        err = np.abs((np.polyval(c, x) - y) * scale)
        lam = lam * err / np.sum(lam * err)
    return [f32(v) for v in c]


def fit_atanh(degree=3):
    """atanh(s) = s (1 + w p(w)), w = s^2 in [0, 1/9] (log1p(e) = 2 atanh(e/(2 + e)) for e in [0, 1]): p fitted for
    the least maximum relative error of s (1 + w p(w)) by Lawson's reweighted least squares at Chebyshev nodes."""
    top = mp.mpf(1) / 9
    n = 400
    ws = [top * (1 - mp.cos(mp.pi * (k + mp.mpf(1) / 2) / n)) / 2 for k in range(n)]
    gs = [(mp.atanh(mp.sqrt(w)) / mp.sqrt(w) - 1) / w for w in ws]
    scale = np.array([float(w / (1 + w * g)) for w, g in zip(ws, gs, strict=True)])  # p's error -> relative
    c32 = lawson_fit(ws, gs, scale, degree)
    worst = worst_on_grid(c32, top, lambda w, p: (1 + w * p) * mp.sqrt(w) / mp.atanh(mp.sqrt(w)) - 1)
    print(f"atanh on [0, 1/3]: p coefficients (degree {degree} in s^2, highest first): "
          + ", ".join(f"{v:.9e}f" for v in c32))
    print(f"  max relative error of s (1 + s^2 p(s^2)) with f32 coefficients: {worst:.3g} (2^{np.log2(worst):.1f})")


def fit_exp_host(degree=5, end=0.348):
    """e^r = 1 + r p(r) on |r| <= end (0.348: ln2/2 and the 2^-10 ln2 of exp2's correction): p fitted by Lawson's
    reweighted least squares for the least maximum relative error of 1 + r p(r), the cpu backend's e^x and 2^t for
    16-bit data (kernels/narrow.hpp: host::exp_fast, host::exp2_fast)."""
    n = 400
    rs = [end * mp.cos(mp.pi * (k + mp.mpf(1) / 2) / n) for k in range(n)]
    gs = [mp.expm1(r) / r for r in rs]
    scale = np.array([float(abs(r) / mp.exp(r)) for r in rs])  # p's error -> relative error of e^r
    c32 = lawson_fit(rs, gs, scale, degree)
    worst = max(worst_on_grid(c32, end, lambda r, p: (1 + r * p) / mp.exp(r) - 1),
                worst_on_grid(c32, -end, lambda r, p: (1 + r * p) / mp.exp(r) - 1))
    print(f"e^r on [-{end}, {end}]: p coefficients (degree {degree}, highest first): "
          + ", ".join(f"{v:.9e}f" for v in c32))
    print(f"  max relative error of 1 + r p(r) with f32 coefficients: {worst:.3g} (2^{np.log2(worst):.1f})")


def fit_tanh_rational(num_degree=4, den_degree=3, end=5.0, rounds=300):
    """tanh(a) = a P(s)/Q(s), s = a^2 in [0, end^2], Q(0) = 1 (the cpu backend's tanh for 16-bit data,
    kernels/narrow.hpp: host::tanh_16; past end = 5 every f16 and bf16 result is 1): P and Q fitted for the least
    maximum relative error of the quotient by reweighted linear least squares (Sanathanan-Koerner: P - f Q divided
    by the last round's f Q, with Lawson's weights), in s/end^2 for the conditioning, at Chebyshev nodes and on a
    uniform grid.  Only Q(0) = 1 is imposed; P(0) comes out within 2^-28 of 1 and rounds to 1 (asserted), which
    tanh_16 needs for a tiny a to give a itself.  The coefficients are the fit's rounded to f32: 2^-28.8 relative
    before that rounding, 2^-25.5 after (at a = end)."""
    top = mp.mpf(end) ** 2
    n = 1500
    ts = [(1 - mp.cos(mp.pi * (k + mp.mpf(1) / 2) / n)) / 2 for k in range(n)] + [mp.mpf(k + 1) / n for k in range(n)]
    fs = np.array([float(mp.tanh(mp.sqrt(t * top)) / mp.sqrt(t * top)) for t in ts])
    t = np.array([float(v) for v in ts])
    vp = np.vander(t, num_degree + 1, increasing=True)
    vq = np.vander(t, den_degree + 1, increasing=True)[:, 1:]
    lam, q_last, best = np.full(len(t), 1.0 / len(t)), np.ones(len(t)), None
    for _ in range(rounds):
        scale = np.sqrt(lam) / (fs * q_last)
        a = np.concatenate([vp, -fs[:, None] * vq], axis=1) * scale[:, None]
        c = np.linalg.lstsq(a, fs * scale, rcond=None)[0]
        q_last = 1 + vq @ c[num_degree + 1:]
        err = np.abs(vp @ c[:num_degree + 1] / q_last / fs - 1)
        if best is None or err.max() < best[0]:
            best = (err.max(), c)
        lam = lam * err / np.sum(lam * err)
    c = best[1]
    p32 = [f32(v / float(top) ** k) for k, v in enumerate(c[:num_degree + 1])]
    q32 = [1.0] + [f32(v / float(top) ** (k + 1)) for k, v in enumerate(c[num_degree + 1:])]
    assert p32[0] == 1.0, p32[0]
    worst = 0.0
    for k in range(1, 20001):
        a = mp.mpf(end) * k / 20000
        s = a * a
        pv = sum(mp.mpf(v) * s**i for i, v in enumerate(p32))
        qv = sum(mp.mpf(v) * s**i for i, v in enumerate(q32))
        worst = max(worst, float(abs(a * pv / qv / mp.tanh(a) - 1)))
    print(f"tanh on [0, {end}] as a P(a^2)/Q(a^2): P (degree {num_degree}, highest first): "
          + ", ".join(f"{v:.9e}f" for v in reversed(p32)))
    print(f"  Q (degree {den_degree}, highest first): " + ", ".join(f"{v:.9e}f" for v in reversed(q32)))
    print(f"  max relative error of the quotient with f32 coefficients: {worst:.3g} (2^{np.log2(worst):.1f})")


if __name__ == "__main__":
    fit_exp_host()
    fit_tanh_rational()
    fit_expm1_neg()
    fit_atanh()
    fit("gelu_tanh' (f16 and bf16)", gelu_tanh_d, 0.1, -0.75, 3)
    fit("swish' (f16)", swish_d, 0.25, -1.28, 5)
    fit("swish' (bf16)", swish_d, 0.12, -1.28, 3)
    fit("mish' (f16)", mish_d, 0.25, -1.19, 5)
    fit("mish' (bf16)", mish_d, 0.12, -1.19, 3)
