#!/usr/bin/env python3
"""Taylor expansions of the f64 derivatives next to their interior zeros (mpmath), for kernels/activations.hpp.

gelu', gelu_tanh', silu' (swish' at beta = 1) and mish' each have one zero x0 on the negative axis; next to it
the terms of f' cancel in double and the relative error explodes.  There f'(x) = u p(u) with u = x - x0
(x0 = hi + lo as a double pair, x - hi exact), p the Taylor polynomial of f'(x)/u at x0 of the degree that
makes its truncation < 2^-60 relative on |u| <= R.  Prints the C++ arrays (highest coefficient first): the f64
kernels' (not gelu's, whose f64 f' carries the zero in a factor a0 - a, tools/gen_gelu_coeffs.py) and the
long-double reference's.

    python3 tools/gen_f64_zero_coeffs.py
"""
import mpmath as mp

mp.mp.dps = 60
R = mp.mpf(3) / 8  # the band |x - x0| <= R (kernels/activations.hpp: kF64ZeroBand; within [2 x0, x0/2]: x - hi exact)


def sig(x):
    return 1 / (1 + mp.exp(-x))


# gelu_tanh's constants as the f64 kernel and the reference for f64 data hold them: rounded to double (the zero
# moves with them by far more than an f64 ulp of f' next to it)
K = mp.mpf(0.7978845608028654)  # sqrt(2/pi) rounded to double
A = mp.mpf(0.044715)            # 0.044715 rounded to double
FUNCS = {
    "gelu": (lambda x: mp.ncdf(x) + x * mp.npdf(x), -0.75),
    "gelu_tanh": (lambda x: (1 + mp.tanh(K * (x + A * x**3))) / 2
                  + x / 2 * mp.sech(K * (x + A * x**3)) ** 2 * K * (1 + 3 * A * x**2), -0.75),
    "silu": (lambda x: sig(x) * (1 + x * (1 - sig(x))), -1.28),
    "mish": (lambda x: mp.tanh(mp.log1p(mp.exp(x))) + x * mp.sech(mp.log1p(mp.exp(x))) ** 2 * sig(x), -1.19),
}


def main():
    """Per function: the f64 kernel's arrays (truncation < 2^-60; none for gelu) and the long-double reference's
    (harness/reference.cpp: truncation < 2^-68, coefficients to 21 digits, x0 as a long-double pair)."""
    for name, (fp, guess) in FUNCS.items():
        x0 = mp.findroot(fp, guess)
        c = mp.taylor(fp, x0, 44)  # c[0] ~ 0: f'(x0)
        assert abs(c[0]) < mp.mpf(10) ** -50, (name, c[0])
        q = c[1:]  # f'/u = q[0] + q[1] u + ...
        for kind, bits, digits, suffix in (("kernel, double", 60, 17, ""), ("reference, long double", 68, 21, "L")):
            if name == "gelu" and not suffix:  # Gelu::deriv_f64_hot carries the zero in a0 - a: no band
                continue
            deg = next(k for k in range(4, 42) if all(abs(q[j]) * R**j < abs(q[0]) * mp.mpf(2) ** -bits
                                                     for j in range(k + 1, 43)))
            if suffix:  # long double: hi to its 64-bit significand
                e = int(mp.floor(mp.log(abs(x0), 2)))
                hi = mp.ldexp(mp.nint(mp.ldexp(x0, 63 - e)), e - 63)
                lo = x0 - hi
            else:
                hi = mp.mpf(float(x0))
                lo = x0 - hi
            body = ", ".join(mp.nstr(v, digits, strip_zeros=False) + suffix for v in reversed(q[: deg + 1]))
            print(f"// {name}' ({kind}): x0 = {mp.nstr(x0, 25)}, degree {deg} on |u| <= {float(R)}")
            print(f"hi = {mp.nstr(hi, digits + 4)}{suffix}, lo = {mp.nstr(lo, digits)}{suffix};")
            print(f"q[{deg + 1}] = {{{body}}};")


if __name__ == "__main__":
    main()
