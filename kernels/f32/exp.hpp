// actbench/kernels/f32/exp.hpp - the f32 precise path's cores: e^x, e^x - 1 and log(1 + e) as float
// pairs, a reciprocal and a compensated quotient, from IEEE add/mul/fma only (kernels/fp.hpp).
//
// No double, no libm, no SFU: host and device compute the same bits, so the host's exhaustive check
// (tools/exhaustive) is the device's.  Every rounding that matters goes through fp::, which nvcc does
// not contract.  Branch-free (selects only) and call-free, so that GCC vectorizes a loop over them.
// Coefficients: tools/gen_f32_coeffs.py (mpmath); the short exp's exp_m1r2: tools/gen_gelu_coeffs.py.
#pragma once

#include "kernels/config.hpp"
#include "kernels/dtype.hpp"
#include "kernels/fp.hpp"

#include <cstdint>

namespace actbench {
namespace f32 {

using Pair = fp::Pair<float>;

/// c ? a : b without a branch.  On the device a plain select (FSEL); on the host a bitwise blend: GCC
/// (with its default -ftrapping-math) sinks an operand computed only for one side of `?:` into a branch
/// it then cannot if-convert, and the loop does not vectorize.
ACTBENCH_HOT float select(bool c, float a, float b) {
#if ACTBENCH_DEVICE_PASS
  return c ? a : b;
#else
  const std::uint32_t m = 0u - static_cast<std::uint32_t>(c);
  return bit_cast<float>((bit_cast<std::uint32_t>(a) & m) | (bit_cast<std::uint32_t>(b) & ~m));
#endif
}

namespace detail {
/// min(a, hi) that keeps a NaN a NaN (fminf would drop it).
ACTBENCH_HOT float clamp_above(float a, float hi) { return select(a > hi, hi, a); }
/// max(a, lo), NaN kept.
ACTBENCH_HOT float clamp_below(float a, float lo) { return select(a < lo, lo, a); }
/// v with the sign of x, for v >= +0 or a NaN: one or (copysign: three instructions on the cpu).
ACTBENCH_HOT float with_sign_of(float v, float x) {
  return bit_cast<float>(bit_cast<std::uint32_t>(v) | (bit_cast<std::uint32_t>(x) & 0x80000000u));
}
}  // namespace detail

/// hi + lo, |lo| small: the value of a pair rounded once.
ACTBENCH_HOT float value(Pair p) { return fp::add(p.hi, p.lo); }

/// x = j ln2 + r + d with r exact (|r| <= 0.3467) and |d| <= 2^-22; e^(r + d) = 1 + ph + pl with
/// ph = e^r - 1 rounded (|ph| < 0.42) and pl the rest (|pl| <= ulp(ph)/2 + 2^-22):
/// |1 + ph + pl - e^(r + d)| < 2^-28 (r^2's rounding, left out, 2^-29; P of degree 4, 2^-23.6 relative
/// (tools/gen_f32_coeffs.py); the roundings of r^3 P and d (1 + ph)); e^x from it within 2^-27.4 (measured).
/// t = 1.5 2^23 + j carries j in its low bits (scale(), exponent()).  Valid for |x| < 2^21.
struct ExpCore {
  float t, ph, pl;
};

constexpr float kLog2e = 1.44269502f;       // 1/ln2 rounded
constexpr float kShift = 12582912.0f;      // 1.5 * 2^23: adding it rounds to an integer
constexpr float kLn2Hi = 0.693147182f;     // ln2 rounded (a multiple of 2^-24)
constexpr float kLn2Lo = -1.90465430e-09f; // ln2 - kLn2Hi

/// The Cody-Waite reduction every exp here starts from: x = j ln2 + r with j = round(x / ln2) (t = kShift + j, j
/// also in t's low bits) and r = x - j kLn2Hi exact (j kLn2Hi is a multiple of 2^-24 and |r| < 0.35, where x is a
/// multiple of 2^-25 when j != 0: the difference has at most 24 bits).  The rest, -j kLn2Lo, is each caller's.
struct Reduced {
  float t, j, r;
};
ACTBENCH_HOT Reduced reduce(float x) {
  const float t = fp::fma(x, kLog2e, kShift);
  const float j = fp::sub(t, kShift);
  return {t, j, fp::fma(j, -kLn2Hi, x)};
}

ACTBENCH_HOT ExpCore exp_core(float x) {
  const auto [t, j, r] = reduce(x);
  const float d = fp::mul(j, -kLn2Lo);
  const float sh = fp::mul(r, r);  // its rounding error (< 2^-28, halved) is left out
  float p = 1.98536756e-04f;  // (e^r - 1 - r - r^2/2) / r^3, degree 4
  p = fp::fma(p, r, 1.39261689e-03f);
  p = fp::fma(p, r, 8.33335612e-03f);
  p = fp::fma(p, r, 4.16665561e-02f);
  p = fp::fma(p, r, 1.66666672e-01f);
  const float a = fp::fma(sh, 0.5f, r);              // r + r^2/2, rounded
  const float al = fp::fma(sh, 0.5f, fp::sub(r, a));  // its error: exact (r - a exact)
  // + r^3 P(r) (< 0.008, its rounding < 2^-31) and the error of a, as a Fast2Sum (|a| >= |c|)
  const float c = fp::fma(sh, fp::mul(p, r), al);
  const Pair b = fp::fast_two_sum(a, c);
  return {t, b.hi, fp::add(b.lo, fp::fma(d, a, d))};
}

/// 2^j for the j of exp_core, j in [-126, 127].
template <int kBias = 0>
ACTBENCH_HOT float scale(float t) {  // kBias: 2^(j + kBias), j + kBias in [-126, 127]
  return bit_cast<float>((bit_cast<std::uint32_t>(t) << 23) + (static_cast<std::uint32_t>(127 + kBias) << 23));
}
/// j itself.
ACTBENCH_HOT int exponent(float t) { return static_cast<int>(bit_cast<std::uint32_t>(t) - 0x4b400000u); }

/// 1 + ph + pl as a normalized pair (Fast2Sum: |ph| < 1).
ACTBENCH_HOT Pair one_plus(const ExpCore& c) {
  const float h = fp::add(1.0f, c.ph);
  return {h, fp::add(fp::add(fp::sub(1.0f, h), c.ph), c.pl)};
}

/// e^x = hi + lo to 2^-27.4 relative (measured on [-80, 88], tests/host/test_f32.cpp), x in [-87.3, 88.3]
/// (2^j normal); |lo| < 2^-21 hi (not normalized: it
/// carries d (1 + ph)).  The low part loses relative accuracy where it is subnormal: ~2^-34 of e^x at x = -80.
ACTBENCH_HOT Pair exp_pair(float x) {
  const ExpCore c = exp_core(x);
  const float s = scale(c.t);
  const Pair e = one_plus(c);
  return {fp::mul(e.hi, s), fp::mul(e.lo, s)};
}

/// e^x = hi + lo for x in [-87.3, 88.3] (the sigma family's e^-|z|, mish's e^x), shorter than exp_pair (22
/// instead of 27 instructions on sm_90), a little less accurate: x = j ln2 + r + d as in exp_core, e^r = h + g
/// with h = 1 + r rounded (Fast2Sum: its error exact) and g = that error + r^2 Q(r) (Q of degree 5, 2^-26.5
/// relative, tools/gen_f32_coeffs.py), normalized by a Fast2Sum; then + d e^r as d (h + g).  Bound: r^2's
/// rounding times Q 2^-28.8, Q's last Horner rounding times r^2 2^-28, g's rounding 2^-28, d's term 2^-47:
/// < 2^-26.6 of e^r in [0.707, 1.414] (exp_pair: < 2^-28); measured 2^-26.9 relative on [-80, 12] (exp_pair
/// 2^-27.4).  hi + lo is normalized up to d: |lo| <= 2^-21.9 hi.  kHalf: e^x / 2 (2^(j-1) for 2^j: no instruction),
/// x in [-86.6, 0] (j - 1 >= -126).
/// It is written in two steps, which the cpu backend runs as loops of their own (kernels/f32/split.hpp: Staged3):
/// exp_sigma_pre, the reduction and Q, then exp_sigma_pair, the pair; exp_sigma_pair recomputes the reduction's j
/// from t (the same operation: on the device one value, nvcc's CSE).
struct ExpSigmaPre {
  float t, r, q;
};
ACTBENCH_HOT ExpSigmaPre exp_sigma_pre(float x) {
  const Reduced rd = reduce(x);
  const float r = rd.r;
  float q = 0.00019849524f;  // (e^r - 1 - r) / r^2, degree 5
  q = fp::fma(q, r, 0.00139336137f);
  q = fp::fma(q, r, 0.00833337288f);
  q = fp::fma(q, r, 0.0416664667f);
  q = fp::fma(q, r, 0.166666672f);
  q = fp::fma(q, r, 0.5f);
  return {rd.t, r, q};
}
template <bool kHalf = false>
ACTBENCH_HOT Pair exp_sigma_pair(ExpSigmaPre p) {
  const float j = fp::sub(p.t, kShift);
  const float d = fp::mul(j, -kLn2Lo);
  const float sh = fp::mul(p.r, p.r);
  const float h = fp::add(1.0f, p.r);
  const float g = fp::fma(sh, p.q, fp::add(fp::sub(1.0f, h), p.r));  // (1 - h) + r exact: |r| < 1
  const Pair e = fp::fast_two_sum(h, g);  // |g| < 0.07 < h
  const float s = scale<kHalf ? -1 : 0>(p.t);
  return {fp::mul(e.hi, s), fp::mul(fp::fma(d, e.hi, e.lo), s)};
}
/// e^x (e^x / 2 for kHalf) as above: the two steps in one.
template <bool kHalf = false>
ACTBENCH_HOT Pair exp_pair_sigma(float x) {
  return exp_sigma_pair<kHalf>(exp_sigma_pre(x));
}

/// The short exp (gelu's, and swish's f'): e^(z + zl) for z in [-87.3, 88.3] (2^j normal) and |zl| <= 2^-17, to
/// about 2^-25.  Cody-Waite reduction z = j ln2 + r as exp_core's (r exact), the rest of the argument c = zl - j*(ln2 - kLn2Hi)
/// taken to first order (|c| < 2^-17: c^2 < 2^-34); w = e^r - 1 = r + r^2 p(r) rounded once, p a degree-4 fit of
/// (e^r - 1 - r)/r^2 weighted by r^2 (its error times r^2: 2^-28.2 of e^r; tools/gen_gelu_coeffs.py), the rounding
/// 2^-25.5 of e^r at most (half an ulp of |w| in [1/4, 0.42), e^r near 0.71; near r = 0 far less); exp_parts splits
/// 1 + w exactly: hi + lo with |lo| <= ulp(hi)/2 + 2^-17 hi (2^-25.1 on a grid of [-80, 88]).  Against exp_pair_sigma
/// (2^-26.6) it spares the split of 1 + r and the final normalization: 18 instructions where that takes 22.
ACTBENCH_HOT float exp_m1r2(float r) {         // (e^r - 1 - r)/r^2 on |r| <= ln2/2, degree 4
  float p = 1.381987822e-03f;
  p = fp::fma(p, r, 8.368697017e-03f);
  p = fp::fma(p, r, 4.166827723e-02f);
  p = fp::fma(p, r, 1.666652113e-01f);
  return fp::fma(p, r, 4.999999404e-01f);
}
/// e^(z + zl) - 1 before the split: w = e^r - 1 rounded once, c the rest of the argument (e^(z + zl) = 2^j (1 + w)
/// (1 + c) to 2^-25.5), j = t - kShift.  For callers that multiply by 1 + w without forming it (gelu_hot).
struct ExpW {
  float w, c, t;
};
ACTBENCH_HOT ExpW exp_w(float z, float zl) {
  const auto [t, j, r] = reduce(z);
  // w = e^r - 1 = r + r^2 p(r) rounded once (|w| <= 0.42: <= 2^-26 absolute, 2^-25.5 of e^r)
  return {fp::fma(fp::mul(r, r), exp_m1r2(r), r), fp::fma(j, -kLn2Lo, zl), t};
}
struct ExpParts {
  float hi, lo, t;  ///< e^(z + zl) = 2^j (hi + lo), j = t - kShift (also the low bits of t)
};
/// exp_w with 1 + w = h + hl split exactly (Fast2Sum, |w| < 1) and e^(r + c) = (h + hl)(1 + c) = h + lo to first
/// order in c.
ACTBENCH_HOT ExpParts exp_parts(float z, float zl) {
  const ExpW e = exp_w(z, zl);
  const float h = fp::add(1.0f, e.w);
  return {h, fp::fma(e.c, h, fp::add(fp::sub(1.0f, h), e.w)), e.t};
}
/// e^x = hi + lo by the short exp (exp_parts), x in [-87.3, 88.3]: about 2^-25 relative (exp_pair_sigma: 2^-26.6,
/// 4 instructions more).
ACTBENCH_HOT Pair exp_pair_short(float x) {
  const ExpParts e = exp_parts(x, 0.0f);
  const float s = scale(e.t);
  return {fp::mul(e.hi, s), fp::mul(e.lo, s)};
}

/// e^x - 1 = hi + lo, x in [-87.3, 88.3]: (2^j - 1) + 2^j (ph + pl), 2^j - 1 exact as m + ml; for j = 0 it
/// is ph + pl itself (no cancellation next to 0).  2^-26.9 relative at most on [-87, 0) (tests/host/test_f32.cpp).
/// Two steps, which the cpu backend runs as loops of their own for tanh (kernels/f32/split.hpp: Staged3): exp_core,
/// then expm1_of_core, the pair.
ACTBENCH_HOT Pair expm1_of_core(ExpCore c) {
  const float s = scale(c.t);
  // exact: s <= 1, or s = 2^j > 1 with 1 a multiple of ulp(s) (j <= 23; beyond, ml's error is < 2^-24 s)
  const Pair m = fp::fast_two_sum(-1.0f, s);
  const Pair h = fp::fast_two_sum(m.hi, fp::mul(s, c.ph));  // |m.hi| >= |s ph| (|ph| < 0.42), or m.hi = 0
  return {h.hi, fp::add(fp::add(h.lo, m.lo), fp::mul(s, c.pl))};
}
ACTBENCH_HOT Pair expm1_pair(float x) { return expm1_of_core(exp_core(x)); }

/// 1/d for a positive normal d < 2^125, to ~2^-25.8 before its rounding: the magic-constant guess
/// (|1 - d y| < 0.0506), one quadratic and one cubic Newton step.  No SFU, no division.
ACTBENCH_HOT float rcp(float d) {
  float y = bit_cast<float>(static_cast<std::uint32_t>(0x7ef311c3u - bit_cast<std::uint32_t>(d)));
  float e = fp::fma(-d, y, 1.0f);
  y = fp::fma(y, e, y);
  e = fp::fma(-d, y, 1.0f);
  return fp::fma(y, fp::fma(e, e, e), y);
}

/// 1/d for a positive normal d < 2^125 to ~2^-17.2 from below (the magic-constant guess, |1 - d y| < 0.0506,
/// and one quartic Newton step: y (1 + e + e^2 + e^3)), one instruction fewer than rcp: only for a quotient
/// whose remainder corrects it (quotient, quotient_value, detail::recip_lo: their results then err by ~2^-34
/// from y).  The pair of quotient() is then normalized only to ~2^-17 (|lo| <= 2^-17 |q|).
ACTBENCH_HOT float rcp_coarse(float d) {
  const float y = bit_cast<float>(static_cast<std::uint32_t>(0x7ef311c3u - bit_cast<std::uint32_t>(d)));
  const float e = fp::fma(-d, y, 1.0f);
  return fp::fma(y, fp::fma(e, fp::fma(e, e, e), e), y);
}

/// (nh + nl) / (dh + dl) = q + lo, with y = rcp(dh): q = nh y is within ~1.5 ulp of nh/dh, so its
/// remainder nh - q dh is exact (fma), and lo = (remainder + nl - q dl) / dh to ~2^-24 of itself.  With
/// y = rcp_coarse(dh) (2^-17.2) q is off by up to 2^-17 of itself, the remainder rounded (< 2^-41 of nh), lo
/// within 2^-34 of nh/dh of its value, and |lo| up to 2^-17 |q|.
ACTBENCH_HOT Pair quotient(float nh, float nl, float dh, float dl, float y) {
  const float q = fp::mul(nh, y);
  const float r = fp::fma(-q, dh, nh);
  return {q, fp::mul(fp::fma(-q, dl, fp::add(r, nl)), y)};
}

/// The same quotient rounded once: q + (remainder + nl - q dl) y.
ACTBENCH_HOT float quotient_value(float nh, float nl, float dh, float dl, float y) {
  const float q = fp::mul(nh, y);
  const float r = fp::fma(-q, dh, nh);
  return fp::fma(fp::fma(-q, dl, fp::add(r, nl)), y, q);
}

/// log(1 + 2h)/2 = hi + lo for h = hh + hl in (0, 1/2] (e^-|z| / 2: exp_pair_sigma<true>, |hl| << hh), to ~2^-27
/// relative: log(1 + e)/2 = atanh(s), s = e/(2 + e) = h/(1 + h) in [0, 1/3], an exact identity, s as a pair (1 + hh
/// exact as d + dl, the quotient compensated) and atanh(s) = s + s^3 p(s^2), p of degree 4 fitted on [0, 1/9]
/// (2^-30.7 relative; tools/gen_narrow_coeffs.py fit_atanh(4)).  s^3 p < 0.04 s takes s rounded once (2^-24 of
/// itself).  |lo| < 0.05 hi.  No compare or select: 23 instructions on sm_90 where the series about 0 and 1/2 that
/// log(1 + e) took before needed 34.  The caller doubles (exactly, in its last fma).
ACTBENCH_HOT Pair half_log1p_pair(Pair h) {
  const float d = fp::add(1.0f, h.hi);
  const float dl = fp::add(fp::sub(1.0f, d), h.hi);  // exact (Fast2Sum: 1 >= hh)
  const Pair s = quotient(h.hi, h.lo, d, fp::add(dl, h.lo), rcp_coarse(d));
  const float sn = fp::add(s.hi, s.lo);
  const float w = fp::mul(sn, sn);
  float p = 1.214477867e-01f;
  p = fp::fma(p, w, 1.071537063e-01f);
  p = fp::fma(p, w, 1.430829763e-01f);
  p = fp::fma(p, w, 1.999944448e-01f);
  p = fp::fma(p, w, 3.333333731e-01f);
  return {s.hi, fp::fma(fp::mul(sn, w), p, s.lo)};
}

/// (mh + ml) e^x rounded once (where the result is subnormal, m e^x rounded to 24 bits and then into
/// the subnormal range: <= 1 ulp), for every x and every finite m: NaN kept, -inf -> +-0, +inf -> +-inf
/// (m != 0); |ml| << |mh|.  m (1 + ph + pl) is rounded once, then scaled by 2^j in exact steps of at most 2^+-126 (a
/// loop: for the slow paths only).
ACTBENCH_HOT float scaled_exp(float mh, float ml, float x) {
  if (x != x) return x;
  // beyond +-250 every finite non-zero m gives 0 or inf (|m| in [2^-149, 2^128], e^250 > 2^360)
  if (x < -250.0f) return fp::mul(mh, 0.0f);
  if (x > 250.0f) return mh == 0.0f ? mh : fp::mul(mh, INFINITY);
  const ExpCore c = exp_core(x);
  const Pair e = one_plus(c);
  float v = fp::fma(mh, e.hi, fp::fma(mh, e.lo, fp::mul(ml, e.hi)));
  int j = exponent(c.t);
  while (j != 0) {
    const int k = j > 126 ? 126 : (j < -126 ? -126 : j);
    v = fp::mul(v, bit_cast<float>(static_cast<std::uint32_t>(k + 127) << 23));
    j -= k;
  }
  return v;
}

}  // namespace f32
}  // namespace actbench
