#!/usr/bin/env python3
"""Constants of kernels/f64/exp.hpp (f64::exp_pair, f64::log1p_unit) and of gelu_tanh's f64 exponent, from mpmath.

exp_pair reduces xh = j ln2 + rh with |rh| <= ln2/2 + |xh| |kL2E - log2 e| ln2 < 0.3475 and takes
e^rh = 1 + rh + rh^2/2 + rh^3 Q(rh).  Q, of degree 9 (e^r to degree 12), is interpolated at Chebyshev nodes of
[-0.3475, 0.3475] (near minimax) in 256-bit arithmetic.  Its two highest coefficients (terms below 2^-41 of e^r)
are rounded to 21 significant bits, so that a double holds them with its low 32 bits zero and SASS takes them as
an instruction's immediate (no register moves on the device); the others are refitted after that rounding and
rounded to double.  kL2E and kLn2Lo are 21-bit too: kL2E only chooses j, and kLn2Lo's rounding moves r by
< 2^-66.  The printed error is the polynomial's with the rounded coefficients against e^r (relative, on 4001
points; the evaluation's own roundings are tests/host/test_f64_exp.cpp's to measure).

log1p_unit: log(1 + f) = f - (f^2/2 - s (f^2/2 + z P(z))), s = f/(2 + f), z = s^2 <= 0.04 (f in (-1/4, 1/2]),
where z P(z) = 2 atanh(s)/s - 2; P of degree 7 interpolated at Chebyshev nodes of [0, 0.04]; the printed error is
that of z P(z), absolute (it enters log(1 + f) times s, against a result of about 2s).

gelu_tanh: |z| = |x| (K + K3 x^2) with K = 2k and K3 = 2k a for k = sqrt(2/pi) and a = 0.044715 rounded to double,
as the reference takes them: K's high part a multiple of 2^-48 (K - gh is exact for gh < 32), K3 as a pair.

    python3 tools/gen_f64_coeffs.py      (needs mpmath: tools/requirements.txt)
"""
import mpmath as mp

mp.mp.prec = 256
R = mp.mpf("0.3475")


def round_bits(c, bits):
    e = mp.floor(mp.log(abs(c), 2))
    q = mp.mpf(2) ** (e - bits + 1)
    return mp.nint(c / q) * q


def target_q(r):  # (e^r - 1 - r - r^2/2) / r^3
    if abs(r) < mp.mpf("1e-30"):
        return mp.mpf(1) / 6
    return (mp.exp(r) - 1 - r - r * r / 2) / r**3


def interpolate(f, deg):
    nodes = [R * mp.cos(mp.pi * (2 * i + 1) / (2 * (deg + 1))) for i in range(deg + 1)]
    a = mp.matrix([[x**k for k in range(deg + 1)] for x in nodes])
    return list(mp.lu_solve(a, mp.matrix([f(x) for x in nodes])))


def exp_poly(qdeg=9, short=2):
    fixed = {}
    q = interpolate(target_q, qdeg)
    for k in range(qdeg, qdeg - short, -1):
        fixed[k] = round_bits(q[k], 21)
        q = interpolate(lambda r: target_q(r) - sum(c * r**kk for kk, c in fixed.items()), qdeg - len(fixed))
    q = [mp.mpf(float(c)) for c in q] + [fixed[k] for k in sorted(fixed)]
    worst = max(abs((1 + r + r * r / 2 + r**3 * sum(c * r**k for k, c in enumerate(q))) / mp.exp(r) - 1)
                for r in (-R + 2 * R * i / 4000 for i in range(4001)))
    return q, worst


LOG_Z = mp.mpf("0.04")  # s^2 at most: s = f/(2 + f), f in (-1/4, 1/2]


def log_poly(deg=7, h=LOG_Z):
    def p(z):
        if z < mp.mpf("1e-40"):
            return mp.mpf(2) / 3
        s = mp.sqrt(z)
        return (2 * mp.atanh(s) - 2 * s) / s / z
    nodes = [h / 2 + h / 2 * mp.cos(mp.pi * (2 * i + 1) / (2 * (deg + 1))) for i in range(deg + 1)]
    a = mp.matrix([[x**k for k in range(deg + 1)] for x in nodes])
    c = [mp.mpf(float(v)) for v in mp.lu_solve(a, mp.matrix([p(x) for x in nodes]))]
    worst = max(abs(sum(cc * z**k for k, cc in enumerate(c)) - p(z)) * z for z in (h * i / 4000 for i in range(4001)))
    return c, worst, h


def show():
    l2e = 1 / mp.log(2)
    ln2 = mp.log(2)
    ln2h = mp.mpf(float(ln2))
    print(f"kL2E   = {float(round_bits(l2e, 21)).hex()}  // log2(e) to 21 bits")
    print(f"kLn2   = {float(ln2h).hex()}  // ln2 rounded")
    print(f"kLn2Lo = {float(round_bits(ln2 - ln2h, 21)).hex()}  // ln2 - kLn2 to 21 bits")
    q, worst = exp_poly()
    print(f"exp_pair Q (r^3 .. r^12, evaluate highest first): 1 + r + r^2/2 + r^3 Q(r) vs e^r: "
          f"2^{float(mp.log(worst, 2)):.2f} relative on |r| <= {R}")
    for k in range(len(q) - 1, -1, -1):
        print(f"  r^{k + 3}: {float(q[k]).hex()}")
    c, worst, h = log_poly()
    err = float(mp.log(worst, 2))
    print(f"log1p_unit P (z^0 .. z^7, evaluate highest first): z P(z) vs 2 atanh(s)/s - 2: 2^{err:.2f} absolute "
          f"on z <= {h}")
    for k in range(len(c) - 1, -1, -1):
        print(f"  z^{k}: {float(c[k]).hex()}")
    k = mp.mpf(float(mp.sqrt(2 / mp.pi)))
    a = mp.mpf(0.044715)
    big = 2 * k
    kh = mp.nint(big * 2**48) / 2**48
    k3 = big * a
    k3h = mp.mpf(float(k3))
    print(f"gelu_tanh kK = {float(kh).hex()}, kKlo = {float(big - kh).hex()}  // 2k, k = sqrt(2/pi) as a double")
    print(f"gelu_tanh kK3 = {float(k3h).hex()}, kK3lo = {float(round_bits(k3 - k3h, 21)).hex()}  // 2k a")


if __name__ == "__main__":
    show()
