#!/usr/bin/env python3
"""Coefficients of kernels/f32/gelu.hpp (f32 gelu, gelu_tanh), of the short exp in kernels/f32/exp.hpp (exp_m1r2),
of the 16-bit Gelu paths and of f64 gelu's rational functions (kernels/activations.hpp).

Every polynomial is fitted with mpmath (50 digits) by weighted least squares on Chebyshev nodes, pushed towards minimax
by Lawson's reweighting, and its coefficients are rounded to f32 one at a time from the lowest degree up, the others
refitted after each rounding (so that the rounding of the leading terms is compensated).  Printed per polynomial:
the f32 coefficients, lowest degree first (the kernels evaluate them highest first), and the maximum error of the
polynomial with those coefficients on a dense grid (relative to the quantity named), in powers of 2.  f64 gelu's
rational functions (below) are printed as the kernel holds them: doubles, highest degree first.

Notation (kernels/f32/gelu.hpp): a = |x|, c = 1/sqrt(2 pi), G(a) = e^(a^2/2) Phi(-a) (so Phi(-a) = e^(-a^2/2) G(a)),
a0 = 0.7517915... the zero of G(a) - a c (gelu'(-a0) = 0), w_d = a/(a + d).
    gelu      F = a G(a) = w H(w), H = 1/2 + w P(w - 1/2)     (d = 1)
    gelu'     L = (G(a) - a c)/(a0 - a) = 1/2 + Q(w - 3/8)      (d = 4; the 16-bit paths: L = Q(w - wc))
    gelu_tanh z = x (K + c3 x^2), K = Kh + Kl (Kh a multiple of 2^-20), c3 = K a as an exact f32 pair
    gelu_tanh' next to its zero x0: f'(x0 + u) = u (c0 + u P1(u))
    exp       e^r = 1 + r + r^2 p(r) on |r| <= ln2/2 (p of degree 4)
    f64 gelu  K = 1/G(a) - sqrt(2 pi) a and S = L(a) - C as rational functions P/Q of degrees 9/10 on [0, 37],
              double coefficients: a linearized least-squares fit (Loeb: P - target Q, weighted by 1/(target Q) of
              the last iteration and by what the error costs f or f') with Lawson's reweighting towards minimax;
              the printed error is with the double coefficients, relative to G or L, on a dense grid

    python3 tools/gen_gelu_coeffs.py          (needs mpmath and numpy; about a minute)
"""
import mpmath as mp
import numpy as np

mp.mp.dps = 50


def f32(v):
    return float(np.float32(float(v)))


def hexf(v):
    """C++ hex float literal of an f32 value."""
    if not v:
        return "0.0f"
    mant, exp = float(np.float32(v)).hex().split("p")
    return mant.rstrip("0").rstrip(".") + "p" + exp + "f"


def lawson(lw, errs, worst):
    """Lawson's reweighting towards minimax: each node's weight times its error over the worst, renormalized."""
    lw = [v * (e / worst) + mp.mpf(10) ** -30 for v, e in zip(lw, errs, strict=True)]
    total = sum(lw)
    return [v / total * len(lw) for v in lw]


def fit(target, lo, hi, deg, weight, n_nodes=None, iters=25):
    """Coefficients (lowest first, f32) of a degree-deg polynomial p, max |p - target| * weight small on [lo, hi]."""
    n = n_nodes or 12 * (deg + 1)
    lo, hi = mp.mpf(lo), mp.mpf(hi)
    xs = [(lo + hi) / 2 + (hi - lo) / 2 * mp.cos(mp.pi * (k + mp.mpf(0.5)) / n) for k in range(n)] + [lo, hi]
    ys = [target(x) for x in xs]
    ws = [weight(x) for x in xs]
    fixed = {}

    def solve(free):
        lw = [mp.mpf(1)] * len(xs)
        best = None
        for _ in range(iters):
            A = mp.matrix(len(xs), len(free))
            b = mp.matrix(len(xs), 1)
            for i, x in enumerate(xs):
                s = mp.sqrt(lw[i]) * ws[i]
                b[i] = s * (ys[i] - sum(c * x**k for k, c in fixed.items()))
                for j, k in enumerate(free):
                    A[i, j] = s * x**k
            sol = mp.qr_solve(A, b)[0]
            cs = dict(fixed)
            cs.update({k: sol[j] for j, k in enumerate(free)})
            errs = [abs(sum(c * x**k for k, c in cs.items()) - y) * w for x, y, w in zip(xs, ys, ws, strict=True)]
            m = max(errs)
            if best is None or m < best[0]:
                best = (m, cs)
            lw = lawson(lw, errs, m)
        return best[1]

    for k in range(deg + 1):
        cs = solve([j for j in range(deg + 1) if j not in fixed])
        fixed[k] = mp.mpf(f32(cs[k]))
    coeffs = [fixed[k] for k in range(deg + 1)]
    grid = [lo + (hi - lo) * i / 4000 for i in range(4001)]
    err = max(abs(sum(c * x**k for k, c in enumerate(coeffs)) - target(x)) * weight(x) for x in grid)
    return [float(c) for c in coeffs], float(err)


def show(name, coeffs, err, what):
    print(f"{name}: max error {what} 2^{np.log2(err):.1f}")
    print("  " + ", ".join(f"{c:.9e}f" for c in coeffs))


C = 1 / mp.sqrt(2 * mp.pi)


def G(a):
    return mp.exp(a * a / 2) * mp.erfc(a / mp.sqrt(2)) / 2


A0 = mp.findroot(lambda a: G(a) - a * C, 0.75)


def L(a):
    if abs(a - A0) < mp.mpf(10) ** -30:
        a = A0 + mp.mpf(10) ** -30
    return (G(a) - a * C) / (A0 - a)


def a_of(w, d):
    return d * w / (1 - w)


def gelu_fwd_poly(d, amax, deg, wc, name):
    """H(w) = d/2 + w P(w - wc) with F = a G(a) = w H(w), w = a/(a + d); error relative to H."""
    wmax = mp.mpf(amax) / (mp.mpf(amax) + d)

    def H(w):
        return G(a_of(w, d)) * d / (1 - w)

    def P(v):
        w = v + wc
        return (H(w) - mp.mpf(d) / 2) / w if w > mp.mpf(10) ** -30 else mp.diff(H, 0)

    coeffs, err = fit(P, -wc, wmax - wc, deg, weight=lambda v: (v + wc) / H(v + wc))
    show(f"{name} (a/(a+{d}), a <= {amax}, v = w - {wc})", coeffs, err, "relative to H")
    return wmax, H


def gelu_deriv_poly(d, amax, deg, wc, name, half=0.5):
    """L(w) - half as a polynomial in v = w - wc, w = a/(a + d); error relative to L.  The f32 path adds its 1/2
    exactly (half = 1/2); the 16-bit paths fold it into the constant term (half = 0)."""
    wmax = mp.mpf(amax) / (mp.mpf(amax) + d)
    coeffs, err = fit(lambda v: L(a_of(v + wc, d)) - mp.mpf(half), -wc, wmax - wc, deg,
                      weight=lambda v: 1 / L(a_of(v + wc, d)))
    show(f"{name} (a/(a+{d}), a <= {amax}, v = w - {wc})", coeffs, err, "relative to L")


def rational_f64(target, weight, hi, m, n, p0=None, scale=1, iters=25):
    """Double coefficients (lowest degree first) of P (degree m) and Q (degree n) with P/Q ~ target on [0, hi]: the
    relative error times weight near minimax; Q(0) = 1 (P(0) = p0 when given) in the fit, then both multiplied by
    scale and rounded to double; and that error with the rounded coefficients on a dense grid."""
    hi = mp.mpf(hi)
    nodes = 8 * (m + n + 2)
    xs = [hi / 2 + hi / 2 * mp.cos(mp.pi * (k + mp.mpf(0.5)) / nodes) for k in range(nodes)] + [mp.mpf(0), hi]
    ys = [target(x) for x in xs]
    ws = [weight(x) for x in xs]
    first = 0 if p0 is None else 1  # P(0) fixed: not a free coefficient
    q_prev = [mp.mpf(1)] * len(xs)
    lw = [mp.mpf(1)] * len(xs)
    best = None
    for _ in range(iters):
        A = mp.matrix(len(xs), m + 1 + n - first)
        b = mp.matrix(len(xs), 1)
        for i, x in enumerate(xs):
            s = mp.sqrt(lw[i]) * ws[i] / (abs(ys[i]) * q_prev[i])
            for k in range(first, m + 1):
                A[i, k - first] = s * x**k
            for k in range(1, n + 1):
                A[i, m + k - first] = -s * ys[i] * x**k
            b[i] = s * (ys[i] - (p0 or 0))
        sol = mp.qr_solve(A, b)[0]
        p = ([mp.mpf(p0)] if first else []) + [sol[k - first] for k in range(first, m + 1)]
        q = [mp.mpf(1)] + [sol[m + k - first] for k in range(1, n + 1)]
        p = [mp.mpf(float(c * scale)) for c in p]
        q = [mp.mpf(float(c * scale)) for c in q]
        qv = [mp.polyval(q[::-1], x) for x in xs]
        errs = [abs(mp.polyval(p[::-1], x) / (qv[i] * ys[i]) - 1) * ws[i] for i, x in enumerate(xs)]
        e = max(errs)
        if best is None or e < best[0]:
            best = (e, p, q)
        q_prev = [abs(v) / scale for v in qv]
        lw = lawson(lw, errs, e)
    _, p, q = best
    err = max(abs(mp.polyval(p[::-1], x) / (mp.polyval(q[::-1], x) * target(x)) - 1) * weight(x)
              for x in (hi * i / 4000 for i in range(4001)))
    return [float(c) for c in p], [float(c) for c in q], float(err)


def show_rational(name, p, q, err, what):
    """The arrays as kernels/activations.hpp holds them (highest degree first)."""
    print(f"{name}: max error {what} 2^{np.log2(err):.1f}")
    for label, cs in (("P", p), ("Q", q)):
        print(f"  {label}: " + ", ".join(f"{c:.17g}" for c in reversed(cs)))


KC = mp.mpf(f32(mp.sqrt(2 / mp.pi)))  # the kernel's and the reference's rounded constants
AC = mp.mpf(f32(0.044715))


def gelu_tanh_d(x):
    z = 2 * KC * (x + AC * x**3)
    s = 1 / (1 + mp.exp(-z))
    return s + x * s * (1 - s) * 2 * KC * (1 + 3 * AC * x**2)


def main():
    print(f"a0 = {mp.nstr(A0, 20)}: hi {hexf(f32(A0))}, lo {hexf(f32(A0 - f32(A0)))}")
    print(f"1/sqrt(2 pi): hi {hexf(f32(C))}, lo {hexf(f32(C - f32(C)))}")
    ln2 = mp.log(2)
    print(f"ln2 - f32(ln2) = {f32(ln2 - f32(ln2)):.9e}f;  2 f32(sqrt(2/pi)) = {hexf(2 * f32(KC))}, "
          f"f32(0.044715) = {hexf(f32(AC))}")
    # gelu_tanh's z = x (K + c3 x^2) (two_u): K = 2 f32(k) split at 2^-20, c3 = K f32(a) as an exact f32 pair
    K, A = mp.mpf(2 * f32(KC)), mp.mpf(f32(AC))
    kh = mp.nint(K * 2**20) / 2**20
    c3h = f32(K * A)
    assert f32(K * A - c3h) == K * A - c3h and f32(K - kh) == K - kh  # both splits exact
    print(f"two_u: K = {hexf(kh)} + {hexf(K - kh)}; K a = {hexf(c3h)} + {hexf(K * A - c3h)}")

    def m1r2(r):
        return (mp.exp(r) - 1 - r) / r**2 if abs(r) > mp.mpf(10) ** -20 else mp.mpf(0.5) + r / 6  # (no cancellation)

    # degree 4, weighted by what its error costs e^r: r^2 p(r) enters e^r = 1 + r + r^2 p(r)
    coeffs, err = fit(m1r2, -ln2 / 2 * 1.001, ln2 / 2 * 1.001, 4, weight=lambda r: r * r / mp.exp(r) + mp.mpf(2) ** -40)
    show("exp_m1r2: (e^r - 1 - r)/r^2 on |r| <= ln2/2, its error times r^2", coeffs, err, "relative to e^r")

    # f32 gelu
    wmax, H = gelu_fwd_poly(1, 10.1, 13, mp.mpf(0.5), "gelu_hot P")

    def dF(w):
        return mp.diff(lambda t: t * H(t), w)

    coeffs, err = fit(dF, 0, wmax, 2, weight=lambda w: 1)
    show("gelu_hot F'(w) (scales the low part of w only)", coeffs, err, "absolute")
    gelu_deriv_poly(4, 10.1, 8, mp.mpf(0.375), "gelu_deriv_hot L")

    # f32 gelu_tanh' next to its zero
    x0 = mp.findroot(gelu_tanh_d, -0.7525)
    c0 = mp.diff(gelu_tanh_d, x0)
    print(f"gelu_tanh' zero x0 = {mp.nstr(x0, 20)}: hi {hexf(f32(x0))}, lo {hexf(f32(x0 - f32(x0)))}; "
          f"c0 = f''(x0): hi {f32(c0):.9e}f, lo {f32(c0 - f32(c0)):.9e}f")

    def q(u):
        return gelu_tanh_d(x0 + u) / u

    def P1(u):
        return (q(u) - c0) / u if abs(u) > mp.mpf(10) ** -12 else mp.diff(gelu_tanh_d, x0, 2) / 2

    # the band |x - x0| < 0.0175 (x - x0 hi, tested as such), with a margin
    coeffs, err = fit(P1, -0.0176, 0.0176, 2, weight=lambda u: abs(u) / abs(q(u)) if u else 0)
    show("gelu_tanh_deriv_hot P1 on |x - x0| <= 0.0176", coeffs, err, "relative to f'")

    # 16-bit data (kernels/activations.hpp, Gelu::fwd_narrow / deriv_narrow)
    gelu_fwd_poly(4, 6, 5, mp.mpf(0.3125), "Gelu::fwd_narrow f16 P")
    gelu_fwd_poly(3, 14.6, 6, mp.mpf(0.375), "Gelu::fwd_narrow bf16 P")
    gelu_deriv_poly(4, 6, 7, mp.mpf(0.3125), "Gelu::deriv_narrow f16 L", half=0)
    gelu_deriv_poly(3, 14.6, 5, mp.mpf(0.375), "Gelu::deriv_narrow bf16 L", half=0)

    # f64 (kernels/activations.hpp, Gelu::fwd_f64_hot / deriv_f64_hot), with C and sqrt(2 pi) as the kernel rounds
    # them: a G(a) = t/(sqrt(2 pi) t + P) with t = a Q, i.e. P/Q = 1/G(a) - sqrt(2 pi) a (P(0) = 2: G(0) = 1/2 exactly;
    # P and Q scaled by 1.9, so that Q and P start just under a power of two, where their roundings are the
    # smallest relative ones); its error enters G times P/(sqrt(2 pi) t + P) = K G.  f' = E (a0 - a) L with L = C + S,
    # S(a) = (G(a) - a0 C)/(a0 - a) + (C - fl(C)): S's error enters L times S/L.
    a0h = float(A0)
    print(f"f64 a0: hi {a0h.hex()}, lo {float(A0 - mp.mpf(a0h)).hex()}")
    cd, sqrt2pi = mp.mpf(float(C)), mp.mpf(float(mp.sqrt(2 * mp.pi)))
    print(f"f64 C = {float(cd).hex()}, sqrt(2 pi) = {float(sqrt2pi).hex()}")

    def k64(a):
        return 1 / G(a) - sqrt2pi * a

    def s64(a):
        return L(a) - cd

    show_rational("Gelu f64 K = P/Q on [0, 37]", *rational_f64(k64, lambda a: k64(a) * G(a), 37, 9, 10, p0=2,
                                                                scale=mp.mpf(1.9)), "relative to G")
    show_rational("Gelu f64 S = P/Q on [0, 37]", *rational_f64(s64, lambda a: s64(a) / L(a), 37, 9, 10),
                  "relative to L")


if __name__ == "__main__":
    main()
