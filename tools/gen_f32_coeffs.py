#!/usr/bin/env python3
"""Coefficients of the f32 precise path (kernels/f32/exp.hpp, kernels/f32/activations.hpp), fitted with mpmath.

Each polynomial is a weighted least-squares fit at 400 Chebyshev nodes (near minimax), relative to the function,
evaluated in 50-digit arithmetic; its coefficients are then rounded to f32 and the printed error is measured with
the rounded coefficients on a grid of 4001 points (f32 Horner rounding not included: the exhaustive check
tools/exhaustive covers that).  Prints C++ literals, highest degree first, ready for fp::fma Horner chains.

  exp      P(r) = (e^r - 1 - r - r^2/2) / r^3 on |r| <= 0.3467 (Cody-Waite remainder; the d term extends
           ln2/2 by < 2^-21), degree 4
  exp Q    Q(r) = (e^r - 1 - r) / r^2 on |r| <= 0.3467, degree 5 (the sigma family's shorter e^x)
  log1p    R(t) = (log(1+t) - t + t^2/2) / t^3 on [-1/4, 1/2], degree 8
  swish'   next to its zero z0 (beta*x = z0): B(z) = 1 + z sigma(-z) (swish' = sigma(z) B(z)), B'(z0) = 1 exactly, so
           B(z0 + u) = u + u^2 P(u); P on |u| <= 3/64, degree 2; z0 as an f32 pair
  mish'    next to its zero x0: J(x) = (e + 2) + 4x(1 + e)/D, e = e^x, D = e^2 + 2e + 2 (mish' = e J / D);
           J(x0 + u) = u (J1 + u P(u)), P on |u| <= 1/8, degree 3; x0 as an f32 pair hi + lo; J1 = J'(x0) split
           as 2.25 + J1r (2.25 has 4 significant bits and uh at most 20 in the band, so that 2.25 uh is exact) and
           ul J1 (ul = -lo)
  selu     lambda*alpha with both rounded to f32, as an exact f32 pair

    python3 tools/gen_f32_coeffs.py          (needs mpmath and numpy: tools/requirements.txt)
"""
import mpmath as mp
import numpy as np

mp.mp.dps = 50


def f32(v):
    return float(np.float32(float(v)))


def lit(v):
    return f"{np.float32(v):.9g}f".replace("inf", "INFINITY")


def pair(v):
    hi = f32(v)
    return hi, f32(mp.mpf(v) - mp.mpf(hi))


def fit(f, a, b, deg, npts=400):
    """Weighted least squares (relative) at Chebyshev nodes; returns mp coefficients, lowest degree first."""
    a, b = mp.mpf(a), mp.mpf(b)
    xs = [(a + b) / 2 + (b - a) / 2 * mp.cos(mp.pi * (k + mp.mpf(0.5)) / npts) for k in range(npts)]
    A = mp.matrix(npts, deg + 1)
    B = mp.matrix(npts, 1)
    for i, x in enumerate(xs):
        y = f(x)
        for j in range(deg + 1):
            A[i, j] = x**j / abs(y)
        B[i] = y / abs(y)
    c = mp.qr_solve(A, B)[0]
    return [c[j] for j in range(deg + 1)]


def max_rel(f, a, b, evaluate, n=4000):
    worst = mp.mpf(0)
    for k in range(n + 1):
        x = mp.mpf(a) + (mp.mpf(b) - mp.mpf(a)) * k / n
        y = f(x)
        if abs(y) > mp.mpf("1e-30"):  # not at the interior zero itself, where y is the root finder's residual
            worst = max(worst, abs(evaluate(x) / y - 1))
    return worst


def horner(cs, x):
    p = mp.mpf(0)
    for v in reversed(cs):
        p = p * x + mp.mpf(v)
    return p


def show(name, cs32, err):
    print(f"{name}: max relative error with f32 coefficients 2^{float(mp.log(err, 2)):.1f}")
    print("  highest degree first: " + ", ".join(lit(v) for v in reversed(cs32)))


def exp_poly():
    def P(r):
        return mp.mpf(1) / 6 + r / 24 if abs(r) < mp.mpf("1e-12") else (mp.exp(r) - 1 - r - r * r / 2) / r**3

    cs = [f32(v) for v in fit(P, -0.3467, 0.3467, 4)]
    show("exp P(r), |r| <= 0.3467, degree 4", cs, max_rel(P, -0.3467, 0.3467, lambda r: horner(cs, r)))


def exp_q_poly():
    """The sigma family's shorter e^r: Q(r) = (e^r - 1 - r) / r^2, degree 5 (exp.hpp: exp_pair_sigma)."""
    def Q(r):
        return mp.mpf(1) / 2 + r / 6 if abs(r) < mp.mpf("1e-12") else (mp.exp(r) - 1 - r) / r**2

    cs = [f32(v) for v in fit(Q, -0.3467, 0.3467, 5)]
    show("exp Q(r), |r| <= 0.3467, degree 5", cs, max_rel(Q, -0.3467, 0.3467, lambda r: horner(cs, r)))


def log_poly():
    def R(t):
        return mp.mpf(1) / 3 - t / 4 if abs(t) < mp.mpf("1e-12") else (mp.log1p(t) - t + t * t / 2) / t**3

    cs = [f32(v) for v in fit(R, -0.25, 0.5, 8)]
    show("log1p R(t), t in [-1/4, 1/2], degree 8", cs, max_rel(R, -0.25, 0.5, lambda t: horner(cs, t)))


def swish_band(w=None, deg=2):
    w = mp.mpf(3) / 64 if w is None else w
    def B(z):
        return 1 + z / (1 + mp.exp(z))

    z0 = mp.findroot(B, -1.28)
    assert abs(mp.diff(B, z0) - 1) < mp.mpf("1e-40")  # B'(z0) = sigma(-z0)(1 - z0 sigma(z0)) = 1

    def P(u):
        return mp.diff(B, z0, 2) / 2 if abs(u) < mp.mpf("1e-12") else (B(z0 + u) - u) / u**2

    cs = [f32(v) for v in fit(P, -w, w, deg)]

    def Bfit(u):
        return u + u * u * horner(cs, u)

    hi, lo = pair(z0)
    print(f"swish' zero z0 = {mp.nstr(z0, 20)}: hi {lit(hi)}, lo {lit(lo)}")
    show(f"swish' B(z0 + u) = u + u^2 P(u), |u| <= {float(w)}, P degree {deg}", cs, max_rel(B, z0 - w, z0 + w,
                                                                                       lambda z: Bfit(z - z0)))


def mish_band(w=None, deg=3, split="2.25"):
    w = mp.mpf(1) / 8 if w is None else w
    def J(x):
        e = mp.exp(x)
        D = e * e + 2 * e + 2
        return (e + 2) + 4 * x * (1 + e) / D

    x0 = mp.findroot(J, -1.19)
    j1 = mp.diff(J, x0)
    hi, lo = pair(x0)
    j1r = f32(j1 - mp.mpf(split))  # kR0: J1 = split + j1r (to 2^-24 of j1r)
    ulj1 = f32(-mp.mpf(lo) * j1)     # kUlJ1: u = x - x0 = uh + ul, ul = -lo

    def P(u):
        return mp.diff(J, x0, 2) / 2 if abs(u) < mp.mpf("1e-12") else (J(x0 + u) - j1 * u) / u**2

    cs = [f32(v) for v in fit(P, -w, w, deg)]

    def Jfit(x):
        u = x - x0
        return u * (mp.mpf(split) + mp.mpf(j1r) + u * horner(cs, u))

    print(f"mish' zero x0 = {mp.nstr(x0, 20)}: hi {lit(hi)}, lo {lit(lo)}; J'(x0) = {mp.nstr(j1, 20)} = {split} + "
          f"{lit(j1r)}; ul J1 = {lit(ulj1)}")
    show(f"mish' J(x0 + u) = u (J'(x0) + u P(u)), |u| <= {float(w)}, P degree {deg}", cs,
         max_rel(J, x0 - w, x0 + w, Jfit))


def selu_constants():
    lam = f32(mp.mpf("1.0507009873554804934193349852946"))
    alpha = f32(mp.mpf("1.6732632423543772848170429916717"))
    hi, lo = pair(mp.mpf(lam) * mp.mpf(alpha))
    assert mp.mpf(hi) + mp.mpf(lo) == mp.mpf(lam) * mp.mpf(alpha)
    print(f"selu: lambda {lit(lam)}, alpha {lit(alpha)}, lambda*alpha = {lit(hi)} + {lit(lo)} (exact)")


if __name__ == "__main__":
    exp_poly()
    exp_q_poly()
    log_poly()
    swish_band()
    mish_band()
    selu_constants()
