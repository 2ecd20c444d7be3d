// actbench/kernels/f32/gelu.hpp - gelu (erf) and gelu_tanh for f32 data: float arithmetic only.
//
// No double, no libm, no SFU: IEEE add/mul/fma (through fp.hpp, so that nvcc fuses nothing the
// compensated steps rely on) compute the same bits on the host and on the device, so the host's
// exhaustive check of all 2^32 inputs is the device's.  Every function comes in four parts:
//   <fn>_cold(x)  true for the rare inputs (NaN, +-inf, |x| > 10: the far tails);
//   <fn>_hot(x)   branch-free (selects only), correct where !cold(x): the code the benchmark runs;
//   <fn>_slow(x)  out of line, correct for every x;
//   <fn>(x)       cold(x) ? slow(x) : hot(x).
// gelu_tanh's hot paths are staged (kernels/f32/split.hpp): <fn>_hot(x) = <fn>_tail(x, <fn>_head(x)).
// Tools: float pairs hi + lo (TwoProd by fma, Fast2Sum), an exp with a pair argument and a pair result
// (exp_pair), a reciprocal by Newton's iteration from a bit-pattern seed (no MUFU), and
// polynomials fitted with mpmath (tools/gen_gelu_coeffs.py prints every coefficient below).
// Accuracy: the max ulp over all 2^32 inputs against the reference, with no absolute allowance, is
// stated at each function (a double evaluation screened every input; every input it put above 0.9 ulp,
// and every zero, was judged by the long-double reference of harness/reference.hpp).
// tests/host/test_f32_gelu.cpp holds slices of the patterns (next to the zeros of the derivatives, the
// tails, |x| = 10) and a strided sample to 2 ulp.  A build with -ffp-contract=fast -DACTBENCH_FP_GUARD
// (everything but fp:: fused) computes the same bits: every rounding that matters goes through fp::.
// Cost: no MUFU, no FP64, the cold paths out-of-line calls; per op on sm_90 (hot instructions per element and the
// predicted % of copy) in results/model-sm90.json, printed by tools/sass/sass_model.py.
#pragma once

#include "../config.hpp"
#include "../dtype.hpp"
#include "../fp.hpp"
#include "exp.hpp"  // select, the short exp (exp_w, exp_parts), scale
#include "split.hpp"

#include <cstdint>

namespace actbench {
namespace f32 {
namespace gelu_detail {

/// e^(z + zl) = scale * (hi + lo) (f32::exp_parts, kernels/f32/exp.hpp: about 2^-25), scale = 2^j from the bits
/// (j >= -126: a normal float).
struct ExpPair {
  float hi, lo, scale;
};
}  // namespace gelu_detail
/// The head of gelu_tanh's staged hot paths.
template <>
struct HeadColumns<gelu_detail::ExpPair>
    : FieldColumns<gelu_detail::ExpPair, &gelu_detail::ExpPair::hi, &gelu_detail::ExpPair::lo,
                   &gelu_detail::ExpPair::scale> {};
namespace gelu_detail {
ACTBENCH_HOT ExpPair exp_pair(float z, float zl) {
  const ExpParts e = exp_parts(z, zl);
  return {e.hi, e.lo, scale(e.t)};
}
/// -a^2/2 as the exact pair a (-a/2) (-a/2 is exact for a >= 2^-125; below, a^2 is far under the exp's reach and
/// e^0 = 1 either way).
ACTBENCH_HOT Pair gauss_arg(float a) {
  const float h = fp::mul(-0.5f, a);
  const float z = fp::mul(a, h);
  return {z, fp::fma(a, h, -z)};
}
/// e^(-a^2/2) for a in [0, 10].
ACTBENCH_HOT ExpPair gauss_pair(float a) {
  const Pair z = gauss_arg(a);
  return exp_pair(z.hi, z.lo);
}
/// s (hi + lo) 2^j for results down to the subnormal range and j >= -190: the product is scaled by
/// 2^(j + 64) (exact) and then by 2^-64 (one rounding).
ACTBENCH_HOT float scale_tail(float hi, float lo, float t) {
  return fp::mul(fp::mul(fp::add(hi, lo), scale<64>(t)), 0x1p-64f);
}

/// 1/d for d in [1, 2^24]: the bit-pattern seed (|1 - d r| < 0.0506), a Newton step (e^2: 2^-8.6) and a cubic
/// one (r (1 + e + e^2), e^3: 2^-25.8): within about 1 ulp.  Plain fma, no MUFU.
ACTBENCH_HOT float recip_wide(float d) {
  float r = bit_cast<float>(0x7ef311c3u - bit_cast<std::uint32_t>(d));
  r = fp::fma(r, fp::fma(-d, r, 1.0f), r);
  const float e = fp::fma(-d, r, 1.0f);
  return fp::fma(r, fp::fma(e, e, e), r);
}

/// w = a/(a + d) as w + wl (d a power of two, a >= 0): a + d = D + Dl exactly (D - d is exact when d
/// is a power of two and a >= 0), the quotient from recip_wide and its residual.
struct Ratio {
  float w, wl;
};
template <int kD>
ACTBENCH_HOT Ratio ratio(float a) {
  constexpr float d = float(kD);
  const float D = fp::add(a, d);
  const float Dl = fp::sub(a, fp::sub(D, d));
  const float r = recip_wide(D);
  const float w = fp::mul(a, r);
  const float wl = fp::mul(r, fp::fma(-w, Dl, fp::fma(-w, D, a)));
  return {w, wl};
}

}  // namespace gelu_detail

// ---------------------------------------------------------------------------------------------------
// gelu (erf): f(x) = x Phi(x), f'(x) = Phi(x) + x phi(x).
//
// With a = |x|, E = e^(-a^2/2) (a^2 an exact pair) and w = a/(a + 1):
//   f(x)  = max(x, 0) - E F,      F = a e^(a^2/2) Phi(-a) = w H(w),  H(w) = 1/2 + w P(w - 1/2)
// (gelu(x) - gelu(-x) = x), 2F carried as w + (w t + wl 2F'(w)), t = 2w P (H stays in [0.47, 0.5], so that the
// low part is small: with w = a/(a + 2), P of degree 11 would do, but H in [0.47, 1] leaves w t as large as
// w/2 and its rounding at 2 ulp); and with w4 = a/(a + 4),
//   f'(x) = [x >= 0] -+ E (a0 - a) L(w4),  L = 1/2 + Q(w4 - 3/8)
// (gelu'(x) + gelu'(-x) = 1), where a0 = 0.7517915... (hi + lo) is the zero of f' at -a0, so that
// (a0 - a) carries the cancellation exactly and L = (e^(a^2/2) Phi(-a) - a phi(0))/(a0 - a) is smooth
// and positive (0.43..0.67).  P (degree 13) and Q (degree 8) are fitted on a in [0, 10.1].
// ---------------------------------------------------------------------------------------------------

/// Rare inputs of gelu and gelu': NaN, +-inf, |x| > 10.
ACTBENCH_HOT bool gelu_cold(float x) { return !(::fabsf(x) <= 10.0f); }

/// gelu on the hot range |x| <= 10 (the benchmark's data are uniform in [-8, 8]): branch-free; 1.268 ulp at most on
/// all 2^32 inputs.  Carried as 2F (P and F' with doubled coefficients, the scale 2^(j - 1)), so that its high part
/// is w itself; e^(-a^2/2) enters as 2^j (1 + W)(1 + c) without forming 1 + W: 2F (1 + c) = w + G
/// (G = Fl + c (w + Fl), to ~2^-37), then (w + G)(1 + W) = w + (W w + (W G + G)), of whose roundings only W w's is
/// new (<= 2^-25.8 of the result).
ACTBENCH_HOT float gelu_hot(float x) {
  using namespace gelu_detail;
  constexpr float kP2[14] = {2 * 4.671330452e+00f,  2 * 2.520498276e+00f,  2 * -2.768306255e+00f,
                             2 * -2.435556173e+00f, 2 * -5.433306098e-01f, 2 * 6.598777324e-02f,
                             2 * 2.961903512e-01f,  2 * 4.211203158e-01f,  2 * 3.364021480e-01f,
                             2 * 1.198447272e-01f,  2 * -1.050856709e-01f, 2 * -2.355402857e-01f,
                             2 * -1.978237778e-01f, 2 * 4.631317407e-02f};  // 2P
  const float a = ::fabsf(x);
  const Pair z = gauss_arg(a);
  const ExpW e = exp_w(z.hi, z.lo);
  const Ratio q = ratio<1>(a);
  const float t2 = fp::mul(q.w, fp::horner(fp::sub(q.w, 0.5f), kP2));  // 2H - 1
  // 2F'(w) to ~0.03: only scales wl
  const float dF2 = fp::fma(fp::fma(q.w, 2 * -1.03138864f, 2 * 0.518358350f), q.w, 2 * 0.484605342f);
  const float Fl = fp::fma(q.w, t2, fp::mul(q.wl, dF2));  // 2F = w + Fl
  const float G = fp::fma(e.c, fp::add(q.w, Fl), Fl);
  const float fm = fp::add(q.w, fp::fma(e.w, q.w, fp::fma(e.w, G, G)));
  const float base = x >= 0.0f ? x : -0.0f;
  return fp::fma(-scale<-1>(e.t), fm, base);
}

/// gelu' on the hot range |x| <= 10: branch-free; the zero at -a0 needs no band of its own.
ACTBENCH_HOT float gelu_deriv_hot(float x) {
  using namespace gelu_detail;
  constexpr float kA0 = 0x1.80ead2p-1f, kA0lo = -0x1.a03fd4p-27f;  // a0 = 0.75179152469356... = kA0 + kA0lo
  const float a = ::fabsf(x);
  const ExpPair e = gauss_pair(a);
  const Ratio q = ratio<4>(a);
  const float v = fp::sub(q.w, 0.375f);
  float L = 6.812883541e-03f;
  L = fp::fma(L, v, 2.017058991e-02f);
  L = fp::fma(L, v, -3.109690547e-02f);
  L = fp::fma(L, v, -4.159615189e-02f);
  L = fp::fma(L, v, 1.838662922e-01f);
  L = fp::fma(L, v, -3.090607524e-01f);
  L = fp::fma(L, v, 3.414250314e-01f);
  L = fp::fma(L, v, -2.789814472e-01f);
  L = fp::fma(L, v, -7.690719329e-03f);  // L - 1/2
  // a0 - a = dh + dl exactly (TwoSum: neither Fast2Sum order holds for every a; the one that drops dh's rounding
  // below a = kA0/2 cost 0.5 ulp there, 1.84 in all)
  const fp::Pair<float> d = fp::two_sum(kA0, -a);
  const float dl = fp::add(d.lo, kA0lo);
  // Y = E (a0 - a) as a pair
  const float Yh = fp::mul(e.hi, d.hi);
  const float Yl = fp::fma(e.lo, d.hi, fp::fma(e.hi, dl, fp::fma(e.hi, d.hi, -Yh)));
  // Y L = Y/2 + (Yh (L - 1/2) + Yl L)
  const float yl = fp::fma(Yh, L, fp::mul(Yl, fp::add(0.5f, L)));
  const float y = fp::fma(0.5f, Yh, yl);
  const bool pos = x >= 0.0f;
  return fp::fma(pos ? -e.scale : e.scale, y, pos ? 1.0f : 0.0f);
}

// ---------------------------------------------------------------------------------------------------
// gelu_tanh: f(x) = x/2 (1 + tanh u) = x sigma(z), z = 2u = K x (1 + a x^2), K = 2k, k = sqrt(2/pi) and
// a = 0.044715 rounded to f32 (as the reference rounds them);
// f'(x) = s + W s (1 - s), s = sigma(z), W = x z' = K x (1 + 3 a x^2) = 3z - 2Kx.
//
// z as an exact pair (two_u), e = e^-|z| = 2^j E from exp_pair, D = 1 + e as a pair, then
//   f  = max(x, 0) - |x| 2^j E/D                            (one quotient with a residual correction)
//   f' = y (x < 0) or 1 - y (x >= 0), y = e (D - W)/D^2 of a = |x| (gelu_tanh(x) - gelu_tanh(-x) = x, so
//        f'(x) + f'(-x) = 1: one y for both signs; D - W cancels near the zero x0 = -0.7525 of f',
//        where f' = u q(u), u = x - x0 with x0 = hi + lo, q fitted next to x0).
// The scale 2^j of e is applied last, so intermediate values stay normal for |x| <= 10.
// ---------------------------------------------------------------------------------------------------
namespace gelu_detail {
inline constexpr float kTanhK = 0x1.988454p+0f;  // K = 2 k, k = sqrt(2/pi) rounded to f32
inline constexpr float kTanhA = 0x1.6e4e26p-5f;  // 0.044715 rounded to f32

/// z = K x (1 + a x^2) = x g, g = K + c3 x^2 (c3 = K a, an exact pair), as z + zl (relative error ~2^-44) for
/// |x| <= 11.25: x^2 = p + pl exactly, gh = fma(c3, p, Kh) with K's high part Kh a multiple of 2^-20, so that
/// Kh - gh is exact for every gh in [1.59, 16) (a multiple of ulp(gh), at most 24 bits), and fma(c3, p, Kh - gh) is
/// gh's rounding error (< 2^-21) rounded once; the low terms c3 pl + c3lo p + Kl (Kl = K - Kh = 2^-22) join it: g to
/// ~2^-45.  tools/gen_gelu_coeffs.py prints both splits.
struct TwoU {
  float z, zl;
};
inline constexpr float kTanhKh = 0x1.98845p+0f, kTanhKl = 0x1p-22f;      // K = kTanhKh + kTanhKl
inline constexpr float kTanhC3 = 0x1.2444f2p-4f, kTanhC3lo = 0x1.0d3c78p-29f;  // K a = kTanhC3 + kTanhC3lo exactly
// (both sides exact in double: 47 significant bits)
static_assert(double(kTanhK) * double(kTanhA) == double(kTanhC3) + double(kTanhC3lo), "K a as a pair");
static_assert(double(kTanhKh) + double(kTanhKl) == double(kTanhK), "K as Kh + Kl");
ACTBENCH_HOT TwoU two_u(float x) {
  const float p = fp::mul(x, x);
  const float pl = fp::fma(x, x, -p);
  const float gh = fp::fma(kTanhC3, p, kTanhKh);
  const float gl = fp::add(fp::fma(kTanhC3, p, fp::sub(kTanhKh, gh)),
                           fp::fma(kTanhC3, pl, fp::fma(kTanhC3lo, p, kTanhKl)));
  const float z = fp::mul(x, gh);
  return {z, fp::fma(x, gl, fp::fma(x, gh, -z))};
}

/// W = x dz/dx = K x (1 + 3a x^2) = 3z - 2Kx as a pair (|3z| >= 3|Kx|: the difference by Fast2Sum).
ACTBENCH_HOT fp::Pair<float> x_dz(float x, const TwoU& u) {
  const float kx = fp::mul(kTanhK, x);
  const float kxl = fp::fma(kTanhK, x, -kx);
  const float z3 = fp::mul(3.0f, u.z);
  const float z3l = fp::fma(3.0f, u.z, -z3);
  const float W = fp::fma(-2.0f, kx, z3);
  return {W, fp::add(fp::fma(-2.0f, kx, fp::sub(z3, W)), fp::fma(3.0f, u.zl, fp::fma(-2.0f, kxl, z3l)))};
}

/// D = 1 + e = Dh + Dl for e = e^-|z| = scale (hi + lo) (the ExpPair itself stays the caller's).
struct SigmaDen {
  float Dh, Dl;
};
/// e^-|z| for gelu_tanh, z = K x (1 + a x^2): the head of its staged hot paths.
ACTBENCH_HOT ExpPair exp_neg_z(float x) {
  const TwoU u = two_u(::fabsf(x));
  return exp_pair(-u.z, -u.zl);
}
/// D = 1 + e = Dh + Dl: Dh = 1 + 2^j hi rounded once (2^j hi is exact: j = -126 comes only with hi > 1 for |x| <= 10,
/// z(10) = 87.3125 < 126 ln2; so the bits are those of rounding it first and adding), Dl its rounding error (exact:
/// 1 - Dh is, and 2^j hi + (1 - Dh) is representable) plus 2^j lo.
ACTBENCH_HOT SigmaDen sigma_den(const ExpPair& e) {  // e = exp_neg_z(x)
  const float Dh = fp::fma(e.scale, e.hi, 1.0f);
  return {Dh, fp::fma(e.scale, e.lo, fp::fma(e.scale, e.hi, fp::sub(1.0f, Dh)))};
}
}  // namespace gelu_detail

/// Rare inputs of gelu_tanh and gelu_tanh': NaN, +-inf, |x| > 10.
ACTBENCH_HOT bool gelu_tanh_cold(float x) { return !(::fabsf(x) <= 10.0f); }

/// gelu_tanh on the hot range |x| <= 10: branch-free.  With a = |x|, f = max(x, 0) - a s, s = sigma(-|z|) =
/// e/(1 + e) (x sigma(z) for either sign), e = e^-|z| = 2^j E: |z| = a g as a pair (two_u of a), E = hi + lo in
/// [0.7, 1.42], s = 2^j Q with Q = E/D (D = 1 + e as a pair) compensated, and a 2^j exact (a power of two times
/// a, normal for |x| <= 10).  Two roundings: m - a 2^j Qh (x >= 0 gives a s <= x/2 <= f; rcp_coarse is low, so Qh is
/// too, and this lands up to 2^-17 f above f: one ulp more just below a power of two), then - a 2^j Ql (|Ql| < 2^-16
/// Qh): 1.41 ulp at most on all inputs (x = 0.059661362, f just below 2^-5).
ACTBENCH_HOT gelu_detail::ExpPair gelu_tanh_head(float x) { return gelu_detail::exp_neg_z(x); }
ACTBENCH_HOT float gelu_tanh_tail(float x, gelu_detail::ExpPair e) {
  using namespace gelu_detail;
  const float a = ::fabsf(x);
  const SigmaDen g = sigma_den(e);
  const float r = rcp_coarse(g.Dh);
  const float q0 = fp::mul(e.hi, r);
  const float ql = fp::mul(fp::add(fp::fma(-q0, g.Dh, e.hi), fp::fma(-q0, g.Dl, e.lo)), r);
  const float as = fp::mul(a, e.scale);  // exact
  // x = -0 takes m = x (-0 >= 0): f(-0) = -0 - 0 = -0 (ql > 0 there: rcp_coarse is below 1/2)
  return fp::fma(-as, ql, fp::fma(-as, q0, select(x >= 0.0f, x, -0.0f)));
}
ACTBENCH_HOT float gelu_tanh_hot(float x) { return gelu_tanh_tail(x, gelu_tanh_head(x)); }

/// gelu_tanh' on the hot range |x| <= 10 (the band next to its zero, |x - x0| < 0.0175, included): branch-free.
/// y = e (D - W)/D^2 from a = |x| for both signs, then f' = y (x < 0) or 1 - y (x >= 0) in the last fma: for x >= 0,
/// y <= 1/2 is rounded once (q, at most 2^-25 of f' >= 1/2) and 1 - 2^j q once more (f'(x) + f'(-x) = 1; a numerator
/// of its own for x >= 0, D + W e, took five instructions and two selects more).  y is computed as (e/D^2)(D - W):
/// the quotient by D^2 needs no pair numerator, and its reciprocal is seeded from D^2 itself (with sigma_den's fma
/// and the sign from b's bits, results/model-sm90.json: 75.75 -> 71.81 hot instructions).  All 2^32 inputs: max
/// 1.6834 ulp (x = -0.7346983, next to the band).
ACTBENCH_HOT gelu_detail::ExpPair gelu_tanh_deriv_head(float x) { return gelu_detail::exp_neg_z(x); }
ACTBENCH_HOT float gelu_tanh_deriv_tail(float x, gelu_detail::ExpPair e) {
  using namespace gelu_detail;
  const bool pos = x >= 0.0f;
  // z and W are odd in x, and each of their roundings is too: computed from |x| they are |z| and |W| to the bit, but
  // for the sign of a zero low part, which the exp's fma(j, -kLn2Lo, zl) and the sums after it absorb
  const float a = ::fabsf(x);
  const TwoU u = two_u(a);  // the head's too (on the device one computation: nvcc's CSE)
  const SigmaDen g = sigma_den(e);
  const fp::Pair<float> w = x_dz(a, u);  // W(|x|)
  // T + Tl = D - W
  const float T = fp::sub(g.Dh, w.hi);
  const float Tl = fp::sub(g.Dl, w.lo);
  // V = E/D^2 (e = 2^j E) as a compensated quotient by the pair D^2, whose reciprocal is seeded from DDh itself
  // (2^-17.2, corrected by the residual), then q = V (T + Tl) with V's low part and Tl as first-order terms, where
  // E (D - W) was a pair divided by D^2; over all 2^32 inputs the same max (1.6834 ulp), and
  // 112170238 inputs above 0.5 ulp where that had 112020439
  const float DDh = fp::mul(g.Dh, g.Dh);
  const float DDl = fp::fma(fp::mul(2.0f, g.Dh), g.Dl, fp::fma(g.Dh, g.Dh, -DDh));
  const Pair V = quotient(e.hi, e.lo, DDh, DDl, rcp_coarse(DDh));
  const float q = fp::fma(V.hi, T, fp::fma(V.lo, T, fp::mul(V.hi, Tl)));  // y = 2^j q
  // next to the zero x0 = hi + lo (x < 0 only): f' = u (c0 + u P1(u)), u = x - x0 = uh - lo (uh = x - hi exact),
  // c0 = f''(x0) = c0h + c0l; P1 of degree 2 fitted on |x - x0| <= 0.0176 (2^-30.5 of f')
  constexpr float kX0 = -0x1.8142ap-1f, kX0lo = 0x1.f23fcep-26f;
  constexpr float kC0 = 4.304001033e-01f, kC0lo = -6.932318719e-09f;
  const float uh = fp::sub(x, kX0);
  const float uz = fp::sub(uh, kX0lo);
  float P1 = -1.139318421e-01f;
  P1 = fp::fma(P1, uz, -1.578711718e-02f);
  P1 = fp::fma(P1, uz, 3.875184655e-01f);
  // f' - uh c0h = (uh - lo)(c0l + uz P1) - lo c0h: the first factor as uz (its rounding, 2^-24 of it, weighs
  // |c0l + uz P1| < 0.016 c0h), the constant rounded once (0.34 ulp of f' at uh = 0 and 2^-24, less beyond; the
  // product is exact in double, so any evaluation precision rounds it to the same float); in the band 0.5629 ulp at
  // most (tools/exhaustive; 402 more inputs above 0.5 ulp), where lo (c0 + uz P1) as its own product took two
  // instructions more (0.6193)
  constexpr float kLoC0 = -kX0lo * kC0;
  const float inner = fp::fma(uz, fp::fma(uz, P1, kC0lo), kLoC0);
  // near the zero: uh c0h + inner; elsewhere 2^j q (x < 0) or 1 - 2^j q: one fma with selected operands, b = [x >= 0]
  // (x = -0 takes x >= 0: 1 - 1/2) and the scale's sign from b's bits (bits(1.0f) << 8 = 0x80000000): two instructions
  // where two selects and a compare took three
  const float b = select(pos, 1.0f, 0.0f);
  const float sc = bit_cast<float>((bit_cast<std::uint32_t>(b) << 8) + bit_cast<std::uint32_t>(e.scale));
  const bool band = ::fabsf(uh) < 0.0175f;  // x in (-0.76996, -0.73496)
  return fp::fma(select(band, uh, q), select(band, kC0, sc), select(band, inner, b));
}
ACTBENCH_HOT float gelu_tanh_deriv_hot(float x) { return gelu_tanh_deriv_tail(x, gelu_tanh_deriv_head(x)); }

// ---------------------------------------------------------------------------------------------------
// Out-of-line paths for every x, and the functions.
// Far tails: for x < -10, with a = -x, u = 1/a^2 (Mills' ratio series, truncated after the term that
// falls below 2^-29 at a = 10):
//   gelu(x)   = -phi(a) (1 - u + 3u^2 - 15u^3 + ...)         (0 below -14.75)
//   gelu'(x)  = -a phi(a) (1 - u + u^2 - 3u^3 + 15u^4 - ...)   (-0 below -14.75)
//   gelu_tanh(x) = x e^z (1 - e^z) = x e^z in f32, gelu_tanh'(x) = e^z (1 + W) (0 below -11, -11.25);
// results in the subnormal range are rounded once (scale_tail).  x > 10: f = x, f' = 1.
// ---------------------------------------------------------------------------------------------------
namespace gelu_detail {
inline constexpr float kInvSqrt2Pi = 0x1.988454p-2f, kInvSqrt2PiLo = -0x1.857936p-27f;  // 1/sqrt(2 pi)

/// u = 1/a^2 (to ~2 ulp), and 1 - 3u + 15u^2 - ... + 135135u^6 (Mills' ratio: a e^(a^2/2) Phi(-a) =
/// c (1 - u mills(u)); the next term is below 2^-29 for a >= 10).
ACTBENCH_HOT float mills_u(float a) {
  const float r = recip_wide(a);
  return fp::mul(r, r);
}
ACTBENCH_HOT float mills(float u) {
  float d = 135135.0f;
  d = fp::fma(d, -u, 10395.0f);
  d = fp::fma(d, -u, 945.0f);
  d = fp::fma(d, -u, 105.0f);
  d = fp::fma(d, -u, 15.0f);
  d = fp::fma(d, -u, 3.0f);
  return fp::fma(d, -u, 1.0f);
}

/// e^(-a^2/2) = 2^j (hi + lo) for a in (10, 14.75] (a^2 an exact pair).
ACTBENCH_HOT ExpParts gauss(float a) {
  const float p = fp::mul(a, a);
  return exp_parts(fp::mul(-0.5f, p), fp::mul(-0.5f, fp::fma(a, a, -p)));
}
}  // namespace gelu_detail

ACTBENCH_COLD float gelu_slow(float x) {
  using namespace gelu_detail;
  if (::fabsf(x) <= 10.0f) return gelu_hot(x);
  if (x != x) return x + x;
  if (x > 0.0f) return x;
  if (x < -14.75f) return -0.0f;
  const float a = -x;
  const float u = mills_u(a);
  const float d = fp::mul(mills(u), u);  // delta = u - 3u^2 + 15u^3 - ... (a e^(a^2/2) Phi(-a) = c (1 - delta))
  const float Fh = kInvSqrt2Pi;
  const float Fl = fp::fma(-kInvSqrt2Pi, d, kInvSqrt2PiLo);
  const ExpParts e = gauss(a);
  const float mh = fp::mul(e.hi, Fh);
  const float ml = fp::fma(e.lo, Fh, fp::fma(e.hi, Fl, fp::fma(e.hi, Fh, -mh)));
  return -scale_tail(mh, ml, e.t);
}

ACTBENCH_COLD float gelu_deriv_slow(float x) {
  using namespace gelu_detail;
  if (::fabsf(x) <= 10.0f) return gelu_deriv_hot(x);
  if (x != x) return x + x;
  if (x > 0.0f) return 1.0f;
  if (x < -14.75f) return -0.0f;
  const float a = -x;
  const float u = mills_u(a);
  const float d = fp::mul(fp::fma(mills(u), -u, 1.0f), u);  // delta = u - u^2 + 3u^3 - ... (-f' = a phi(a) (1 - delta))
  const float Ah = fp::mul(a, kInvSqrt2Pi);
  const float Al = fp::fma(a, kInvSqrt2PiLo, fp::fma(a, kInvSqrt2Pi, -Ah));
  const float Fl = fp::fma(-Ah, d, Al);
  const ExpParts e = gauss(a);
  const float mh = fp::mul(e.hi, Ah);
  const float ml = fp::fma(e.lo, Ah, fp::fma(e.hi, Fl, fp::fma(e.hi, Ah, -mh)));
  return -scale_tail(mh, ml, e.t);
}

ACTBENCH_COLD float gelu_tanh_slow(float x) {
  using namespace gelu_detail;
  if (::fabsf(x) <= 10.0f) return gelu_tanh_hot(x);
  if (x != x) return x + x;
  if (x > 0.0f) return x;
  if (x < -11.0f) return -0.0f;
  const TwoU u = two_u(x);  // z in [-106, -87]
  const ExpParts e = exp_parts(u.z, u.zl);
  const float mh = fp::mul(x, e.hi);
  return scale_tail(mh, fp::fma(x, e.lo, fp::fma(x, e.hi, -mh)), e.t);
}

ACTBENCH_COLD float gelu_tanh_deriv_slow(float x) {
  using namespace gelu_detail;
  if (::fabsf(x) <= 10.0f) return gelu_tanh_deriv_hot(x);
  if (x != x) return x + x;
  if (x > 0.0f) return 1.0f;
  if (x < -11.25f) return -0.0f;
  const TwoU u = two_u(x);  // z in [-112, -87]
  const fp::Pair<float> w = x_dz(x, u);  // 1 + W, |W| > 1
  const float T = fp::add(w.hi, 1.0f);
  const float Tl = fp::add(fp::sub(1.0f, fp::sub(T, w.hi)), w.lo);
  const ExpParts e = exp_parts(u.z, u.zl);
  const float mh = fp::mul(e.hi, T);
  return scale_tail(mh, fp::fma(e.lo, T, fp::fma(e.hi, Tl, fp::fma(e.hi, T, -mh))), e.t);
}

/// gelu(x) for every x.  All 2^32 inputs: max 1.268 ulp (x = -5.0832605).
ACTBENCH_HOT float gelu(float x) { return gelu_cold(x) ? gelu_slow(x) : gelu_hot(x); }
/// gelu'(x) for every x.  All 2^32 inputs: max 1.548 ulp (x = -7.2194552).
ACTBENCH_HOT float gelu_deriv(float x) { return gelu_cold(x) ? gelu_deriv_slow(x) : gelu_deriv_hot(x); }
/// gelu_tanh(x) for every x.  All 2^32 inputs: max 1.412 ulp (x = 0.059661362).
ACTBENCH_HOT float gelu_tanh(float x) { return gelu_tanh_cold(x) ? gelu_tanh_slow(x) : gelu_tanh_hot(x); }
/// gelu_tanh'(x) for every x.  All 2^32 inputs: max 1.683 ulp (x = -0.7346983).
ACTBENCH_HOT float gelu_tanh_deriv(float x) {
  return gelu_tanh_cold(x) ? gelu_tanh_deriv_slow(x) : gelu_tanh_deriv_hot(x);
}

}  // namespace f32
}  // namespace actbench
