// actbench/kernels/f32/activations.hpp - the precise f32 path of the exp-family activations: within
// 2 ulp of the exact value on every one of the 2^32 inputs, with no absolute allowance.
//
// Each function f (and its derivative f_deriv) comes in four pieces:
//   bool  f_cold(x)   cheap predicate: the rare inputs the hot path does not answer (NaN, infinities,
//                     far tails where a result or an intermediate leaves the normal range)
//   float f_hot(x)    branch-free (selects only), call-free, correct whenever !f_cold(x); a loop over it
//                     vectorizes (GCC, AVX2/AVX-512)
//   float f_slow(x)   out of line (ACTBENCH_COLD), correct for every x
//   float f(x)        f_cold(x) ? f_slow(x) : f_hot(x)
// and where the hot path is one long chain (sigmoid, tanh, softplus at beta = 1 and softplus', swish, mish), f_hot(x) =
// f_tail(x, f_head(x)), the head the exponential as a pair and the tail the rest, or, where the exponential is
// exp_pair_sigma's (expm1_pair's for tanh), f_tail(x, exp_sigma_pair(f_pre(x))) (f_tail(x, expm1_of_core(f_pre(x))))
// (kernels/f32/split.hpp: Staged, Staged3; the cpu backend runs the stages as loops of their own).
// Parameters (alpha, beta) are runtime floats.  Everything is float arithmetic through kernels/fp.hpp
// on the cores of kernels/f32/exp.hpp: no double, no libm, no SFU, so host and device compute the same
// bits and the host's exhaustive check (tools/exhaustive, all 2^32 inputs) holds on the device.
// The "measured" figures below are that check's (actbench_exhaustive_f32, path full, default parameters).
#pragma once

#include "kernels/config.hpp"
#include "kernels/f32/exp.hpp"
#include "kernels/fp.hpp"

#include <cmath>

namespace actbench {
namespace f32 {

namespace detail {

/// The pieces every sigma-based function starts from, for a in [0, 80]: e = e^-a (pair, exp_pair_sigma, in a staged hot
/// path exp_sigma_pair of the first stage, kernels/f32/split.hpp),
/// d = 1 + e = dh + dl exactly, y = rcp_coarse(dh) ~ 1/d to ~2^-17: every use corrects it by its remainder
/// (quotient, recip_lo).  swish' builds one of its own from e = e^z, z in [-80, 80] (swish_deriv_core).
struct Sigma {
  Pair e;
  float dh, dl, y;
};
ACTBENCH_HOT Sigma sigma_from(Pair e) {
  const Pair d = fp::fast_two_sum(1.0f, e.hi);
  return {e, d.hi, fp::add(d.lo, e.lo), rcp_coarse(d.hi)};
}
/// The first stage of e^-|z| (exp_sigma_pre; exp_sigma_pair completes it) with |z| clamped to 80: sigma(z) for z >= -80
/// (sigmoid, silu, swish, softplus') and softplus.
ACTBENCH_HOT ExpSigmaPre exp_neg_abs_pre(float z) { return exp_sigma_pre(-clamp_above(::fabsf(z), 80.0f)); }

/// 1/d = y + ly to ~2^-34 (the residual of y, and dl).
ACTBENCH_HOT float recip_lo(const Sigma& s) {
  return fp::mul(fp::fma(-s.y, s.dl, fp::fma(-s.y, s.dh, 1.0f)), s.y);
}

/// sigma(z) as a pair for |z| <= 80 (z >= 0: 1/d, else e/d).
ACTBENCH_HOT Pair sigma_of(const Sigma& s, bool nonneg) {
  return quotient(select(nonneg, 1.0f, s.e.hi), select(nonneg, 0.0f, s.e.lo), s.dh, s.dl, s.y);
}
/// The same rounded once.
ACTBENCH_HOT float sigma_value(const Sigma& s, bool nonneg) {
  return quotient_value(select(nonneg, 1.0f, s.e.hi), select(nonneg, 0.0f, s.e.lo), s.dh, s.dl, s.y);
}

/// k e/d^2 = k sigma(a) sigma(-a) (k a power of two), one final rounding: e (y + ly)^2 with e y exact
/// as ah + al.
ACTBENCH_HOT float sigma_deriv(const Sigma& s, float k) {
  const float ly = recip_lo(s);
  const float ah = fp::mul(s.e.hi, s.y);
  const float al = fp::fma(s.e.hi, s.y, -ah);
  const float t = fp::fma(fp::fma(s.e.lo, s.y, al), s.y, fp::mul(fp::add(ah, ah), ly));
  const float v = fp::fma(ah, s.y, t);
  return k == 1.0f ? v : fp::mul(k, v);  // exact: k a power of two, v normal (e^-80/4 at least)
}

}  // namespace detail

// ---- sigmoid --------------------------------------------------------------------------------------

/// sigmoid: f = 1/(1 + e^-x).  x >= 0: 1/(1 + e), x < 0: e/(1 + e), e = e^-|x| as a pair, 1 + e exact
/// as a pair, the quotient compensated (remainder by fma).  Hot: x >= -80 (x > 80 evaluates at 80,
/// where f rounds to 1); cold: x < -80 and NaN, f = e^x (1 - e^x) = e^x to 2^-115.
ACTBENCH_HOT bool sigmoid_cold(float x) { return !(x >= -80.0f); }
ACTBENCH_HOT ExpSigmaPre sigmoid_pre(float x) { return detail::exp_neg_abs_pre(x); }
ACTBENCH_HOT float sigmoid_tail(float x, Pair e) { return detail::sigma_value(detail::sigma_from(e), x >= 0.0f); }
ACTBENCH_HOT float sigmoid_hot(float x) { return sigmoid_tail(x, exp_sigma_pair(sigmoid_pre(x))); }
ACTBENCH_COLD float sigmoid_slow(float x) {
  if (!sigmoid_cold(x)) return sigmoid_hot(x);
  return scaled_exp(1.0f, 0.0f, x);
}
ACTBENCH_HOT float sigmoid(float x) { return sigmoid_cold(x) ? sigmoid_slow(x) : sigmoid_hot(x); }

/// sigmoid': f' = e/(1 + e)^2, e = e^-|x|, with 1/(1 + e) and e (1/(1+e)) compensated, one rounding.
/// Hot: |x| <= 80; cold: |x| > 80 (f' = e^-|x| to 2^-114) and NaN.
ACTBENCH_HOT bool sigmoid_deriv_cold(float x) { return !(::fabsf(x) <= 80.0f); }
ACTBENCH_HOT ExpSigmaPre sigmoid_deriv_pre(float x) { return exp_sigma_pre(-::fabsf(x)); }
ACTBENCH_HOT float sigmoid_deriv_tail(float, Pair e) { return detail::sigma_deriv(detail::sigma_from(e), 1.0f); }
ACTBENCH_HOT float sigmoid_deriv_hot(float x) { return sigmoid_deriv_tail(x, exp_sigma_pair(sigmoid_deriv_pre(x))); }
ACTBENCH_COLD float sigmoid_deriv_slow(float x) {
  if (!sigmoid_deriv_cold(x)) return sigmoid_deriv_hot(x);
  return scaled_exp(1.0f, 0.0f, -::fabsf(x));
}
ACTBENCH_HOT float sigmoid_deriv(float x) {
  return sigmoid_deriv_cold(x) ? sigmoid_deriv_slow(x) : sigmoid_deriv_hot(x);
}

// ---- tanh -----------------------------------------------------------------------------------------

/// tanh: f = sign(x) m/(2 - m), -m = e^-2|x| - 1 as an exact-ish pair (no cancellation next to 0),
/// 2 + m as a pair, the quotient compensated.  Every input is hot (|x| > 10 evaluates at 10, where f
/// rounds to 1; NaN propagates): the cold predicate is false.
/// Staged in three (-m = expm1_of_core(tanh_pre(x)), then the tail).
ACTBENCH_HOT bool tanh_cold(float) { return false; }
ACTBENCH_HOT ExpCore tanh_pre(float x) { return exp_core(fp::mul(-2.0f, detail::clamp_above(::fabsf(x), 10.0f))); }
ACTBENCH_HOT float tanh_tail(float x, Pair m) {  // m = e^-2|x| - 1 (the -m above), in (-1, 0]
  const Pair d = fp::fast_two_sum(2.0f, m.hi);
  return ::copysignf(quotient_value(-m.hi, -m.lo, d.hi, fp::add(d.lo, m.lo), rcp(d.hi)), x);
}
ACTBENCH_HOT float tanh_hot(float x) { return tanh_tail(x, expm1_of_core(tanh_pre(x))); }
ACTBENCH_COLD float tanh_slow(float x) { return tanh_hot(x); }
ACTBENCH_HOT float tanh(float x) { return tanh_hot(x); }

/// tanh': f' = 1 - tanh^2 = 4 e/(1 + e)^2, e = e^-2|x| (4 sigmoid'(2|x|)).  Hot: |x| <= 40; cold:
/// |x| > 40 (f' = 4 e^-2|x| to 2^-114) and NaN.
ACTBENCH_HOT bool tanh_deriv_cold(float x) { return !(::fabsf(x) <= 40.0f); }
ACTBENCH_HOT ExpSigmaPre tanh_deriv_pre(float x) { return exp_sigma_pre(-fp::mul(2.0f, ::fabsf(x))); }
ACTBENCH_HOT float tanh_deriv_tail(float, Pair e) { return detail::sigma_deriv(detail::sigma_from(e), 4.0f); }
ACTBENCH_HOT float tanh_deriv_hot(float x) { return tanh_deriv_tail(x, exp_sigma_pair(tanh_deriv_pre(x))); }
ACTBENCH_COLD float tanh_deriv_slow(float x) {
  if (!tanh_deriv_cold(x)) return tanh_deriv_hot(x);
  return scaled_exp(4.0f, 0.0f, fp::mul(-2.0f, ::fabsf(x)));
}
ACTBENCH_HOT float tanh_deriv(float x) { return tanh_deriv_cold(x) ? tanh_deriv_slow(x) : tanh_deriv_hot(x); }

// ---- softsign -------------------------------------------------------------------------------------

/// softsign: f = x/(1 + |x|) = sign(x) a/d, a = |x|, d = 1 + a as an exact pair (TwoSum), the quotient compensated
/// (rcp_coarse corrected by the remainder), one rounding: 0.5007 ulp at most on all 2^32 inputs, where the generic
/// form's 1 - 1/d for a > 1 cancels (1.25 ulp).  No division: on the GPU an IEEE division is a long sequence with a
/// slow-path call (sm_90: 41 -> 17 hot instructions).  a > 2^30 evaluates at 2^30, where f rounds to 1 (infinities
/// included); NaN propagates (q = NaN a).  Every input is hot.
ACTBENCH_HOT float softsign(float x) {
  const float a = detail::clamp_above(::fabsf(x), 0x1p30f);
  const Pair d = fp::two_sum(1.0f, a);
  const float y = rcp_coarse(d.hi);
  const float q = fp::mul(a, y);
  const float r = fp::fma(-q, d.hi, a);  // the remainder, rounded by < 2^-41 a (q within 2^-17 of a/d)
  return detail::with_sign_of(fp::fma(fp::fma(-q, d.lo, r), y, q), x);
}

// ---- elu, selu, celu ------------------------------------------------------------------------------

/// elu(alpha): f = x > 0 ? x : alpha (e^x - 1), expm1 as a pair, alpha times it rounded once; x = +-0
/// gives x (alpha * +-0).  Every input is hot (x < -87 evaluates at -87, where f rounds to -alpha).
ACTBENCH_HOT bool elu_cold(float, float) { return false; }
ACTBENCH_HOT float elu_hot(float x, float alpha) {
  const Pair m = expm1_pair(select(x > 0.0f, 0.0f, detail::clamp_below(x, -87.0f)));
  const float y = fp::fma(alpha, m.hi, fp::mul(alpha, m.lo));
  return select(x > 0.0f, x, select(x == 0.0f, fp::mul(alpha, x), y));
}
ACTBENCH_COLD float elu_slow(float x, float alpha) { return elu_hot(x, alpha); }
ACTBENCH_HOT float elu(float x, float alpha) { return elu_hot(x, alpha); }

/// elu': f' = x > 0 ? 1 : alpha e^x (e^x as a pair, one rounding).  Hot: x >= -80; cold: x < -80
/// (alpha e^x scaled in two steps into the subnormal range) and NaN.
ACTBENCH_HOT bool elu_deriv_cold(float x, float) { return !(x >= -80.0f); }
ACTBENCH_HOT float elu_deriv_hot(float x, float alpha) {
  const Pair e = exp_pair(select(x > 0.0f, 0.0f, x));
  return select(x > 0.0f, 1.0f, fp::fma(alpha, e.hi, fp::mul(alpha, e.lo)));
}
ACTBENCH_COLD float elu_deriv_slow(float x, float alpha) {
  if (!elu_deriv_cold(x, alpha)) return elu_deriv_hot(x, alpha);
  return scaled_exp(alpha, 0.0f, x);
}
ACTBENCH_HOT float elu_deriv(float x, float alpha) {
  return elu_deriv_cold(x, alpha) ? elu_deriv_slow(x, alpha) : elu_deriv_hot(x, alpha);
}

/// selu's constants rounded to f32, and lambda*alpha as an exact pair (tools/gen_f32_coeffs.py).
constexpr float kSeluLambda = 1.05070102f;
constexpr float kSeluAlpha = 1.67326319f;
constexpr float kSeluLaHi = 1.75809932f;
constexpr float kSeluLaLo = 2.87923712e-08f;

/// selu: f = lambda (x > 0 ? x : alpha (e^x - 1)); (lambda alpha as a pair) * expm1 pair, one
/// rounding.  Every input is hot (as elu).
ACTBENCH_HOT bool selu_cold(float) { return false; }
ACTBENCH_HOT float selu_hot(float x) {
  const Pair m = expm1_pair(select(x > 0.0f, 0.0f, detail::clamp_below(x, -87.0f)));
  const float y = fp::fma(kSeluLaHi, m.hi, fp::fma(kSeluLaHi, m.lo, fp::mul(kSeluLaLo, m.hi)));
  return select(x > 0.0f, fp::mul(kSeluLambda, x), select(x == 0.0f, fp::mul(kSeluLaHi, x), y));
}
ACTBENCH_COLD float selu_slow(float x) { return selu_hot(x); }
ACTBENCH_HOT float selu(float x) { return selu_hot(x); }

/// selu': f' = x > 0 ? lambda : lambda alpha e^x.  Hot: x >= -80; cold: x < -80 and NaN.
ACTBENCH_HOT bool selu_deriv_cold(float x) { return !(x >= -80.0f); }
ACTBENCH_HOT float selu_deriv_hot(float x) {
  const Pair e = exp_pair(select(x > 0.0f, 0.0f, x));
  const float y = fp::fma(kSeluLaHi, e.hi, fp::fma(kSeluLaHi, e.lo, fp::mul(kSeluLaLo, e.hi)));
  return select(x > 0.0f, kSeluLambda, y);
}
ACTBENCH_COLD float selu_deriv_slow(float x) {
  if (!selu_deriv_cold(x)) return selu_deriv_hot(x);
  return scaled_exp(kSeluLaHi, kSeluLaLo, x);
}
ACTBENCH_HOT float selu_deriv(float x) { return selu_deriv_cold(x) ? selu_deriv_slow(x) : selu_deriv_hot(x); }

namespace detail {
/// beta x = hi + lo exactly (TwoProd); lo = 0 where |beta x| > 80: the functions there no longer depend
/// on it (and sigma's first-order correction would multiply a clamped e^-80 by a huge lo).
ACTBENCH_HOT Pair scaled(float beta, float x) {
  const Pair z = fp::two_prod(beta, x);
  return {z.hi, select(::fabsf(z.hi) <= 80.0f, z.lo, 0.0f)};
}

/// 1/p for a parameter p (|p| in [2^-100, 2^100]), with its sign: rcp, no division, no SFU.
ACTBENCH_HOT float param_rcp(float p) { return ::copysignf(rcp(::fabsf(p)), p); }

/// x/alpha = q + ql to ~2^-46: q = x (1/alpha) is within ~1.5 ulp of the quotient, so its remainder is
/// exact (fma); ql = remainder/alpha.  ql = 0 where q is not finite.
ACTBENCH_HOT Pair div_exact(float x, float alpha, float ralpha) {
  const float q = fp::mul(x, ralpha);
  const float ql = fp::mul(fp::fma(-q, alpha, x), ralpha);
  return {q, select(fp::sub(q, q) == 0.0f, ql, 0.0f)};
}
}  // namespace detail

/// celu(alpha): f = x > 0 ? x : alpha (e^(x/alpha) - 1).  alpha = 1 is elu.  Otherwise x/alpha = q + ql
/// (detail::div_exact), expm1(q + ql) = expm1(q) + e^q ql.  Hot: x >= 0, or q <= 80 (q < -87 evaluates at
/// -87, where expm1 rounds to -1); cold: q > 80 (alpha < 0: f = alpha e^q, overflowing) and NaN.
ACTBENCH_HOT bool celu_cold(float x, float alpha) {
  return !(x >= 0.0f || fp::mul(x, detail::param_rcp(alpha)) <= 80.0f);
}
ACTBENCH_HOT float celu_hot(float x, float alpha) {
  const Pair q = detail::div_exact(x, alpha, detail::param_rcp(alpha));
  const Pair m = expm1_pair(select(x > 0.0f, 0.0f, detail::clamp_below(q.hi, -87.0f)));
  const float lo = fp::fma(fp::add(1.0f, m.hi), q.lo, m.lo);  // + e^q ql
  const float y = fp::fma(alpha, m.hi, fp::mul(alpha, lo));
  return select(x >= 0.0f, x, y);
}
ACTBENCH_COLD float celu_slow(float x, float alpha) {
  if (!celu_cold(x, alpha)) return celu_hot(x, alpha);
  if (x != x) return x;
  const Pair q = detail::div_exact(x, alpha, detail::param_rcp(alpha));  // q > 80: alpha e^(q+ql), the -1 negligible
  if (q.hi > 200.0f) return fp::mul(alpha, INFINITY);                    // (ql may exceed 1 there)
  return scaled_exp(alpha, fp::mul(alpha, q.lo), q.hi);
}
ACTBENCH_HOT float celu(float x, float alpha) {
  if (alpha == 1.0f) return elu(x, 1.0f);
  return celu_cold(x, alpha) ? celu_slow(x, alpha) : celu_hot(x, alpha);
}

/// celu': f' = x > 0 ? 1 : e^(x/alpha) = e^q (1 + ql).  alpha = 1 is elu'.  Hot: x > 0 or q in
/// [-80, 80]; cold: the rest (scaled in two steps) and NaN.
ACTBENCH_HOT bool celu_deriv_cold(float x, float alpha) {
  const float q = fp::mul(x, detail::param_rcp(alpha));
  return !(x > 0.0f || (q >= -80.0f && q <= 80.0f));
}
ACTBENCH_HOT float celu_deriv_hot(float x, float alpha) {
  const Pair q = detail::div_exact(x, alpha, detail::param_rcp(alpha));
  const Pair e = exp_pair(select(x > 0.0f, 0.0f, q.hi));
  return select(x > 0.0f, 1.0f, fp::add(e.hi, fp::fma(e.hi, q.lo, e.lo)));
}
ACTBENCH_COLD float celu_deriv_slow(float x, float alpha) {
  if (!celu_deriv_cold(x, alpha)) return celu_deriv_hot(x, alpha);
  if (x != x) return x;
  const Pair q = detail::div_exact(x, alpha, detail::param_rcp(alpha));
  if (!(q.hi >= -200.0f && q.hi <= 200.0f)) return q.hi < 0.0f ? 0.0f : INFINITY;  // ql may exceed 1 there
  return scaled_exp(1.0f, q.lo, q.hi);
}
ACTBENCH_HOT float celu_deriv(float x, float alpha) {
  if (alpha == 1.0f) return elu_deriv(x, 1.0f);
  return celu_deriv_cold(x, alpha) ? celu_deriv_slow(x, alpha) : celu_deriv_hot(x, alpha);
}

// ---- softplus -------------------------------------------------------------------------------------

/// softplus (beta = 1): f = max(x, 0) + log(1 + e), e = e^-|x| (exp_pair_sigma, as the pair e/2),
/// half_log1p_pair; the sum rounded twice (log1p/2 to f32, then doubled and + x in one fma: <= 1 ulp as
/// log1p <= f).  Hot: x >= -80 (|x| > 80 evaluates the log
/// at 80, where it is below an ulp of x); cold: x < -80 (f = e^x (1 - e^x/2) = e^x to 2^-115) and NaN.
ACTBENCH_HOT bool softplus_cold(float x) { return !(x >= -80.0f); }
ACTBENCH_HOT ExpSigmaPre softplus_pre(float x) { return detail::exp_neg_abs_pre(x); }  // e/2: exp_sigma_pair<true>
ACTBENCH_HOT float softplus_tail(float x, Pair h) {
  return fp::fma(value(half_log1p_pair(h)), 2.0f, select(x > 0.0f, x, 0.0f));
}
ACTBENCH_HOT float softplus_hot(float x) { return softplus_tail(x, exp_sigma_pair<true>(softplus_pre(x))); }
ACTBENCH_COLD float softplus_slow(float x) {
  if (!softplus_cold(x)) return softplus_hot(x);
  return scaled_exp(1.0f, 0.0f, x);
}

/// softplus(beta), beta != 1: z = beta x = zh + zl exactly; log1p(e^-|z|) = L(|zh|) - sigma(-|zh|) sign(z)
/// zl; divided by beta with the remainder carried; + x where z > 0 (z/beta = x exactly).
/// Hot: zh in [-80, inf); cold: the rest (z < -80: f = e^z/beta) and NaN.
ACTBENCH_HOT bool softplus_beta_cold(float x, float beta) {
  const float z = fp::mul(beta, x);
  return !(z >= -80.0f && z < INFINITY);
}
ACTBENCH_HOT float softplus_beta_hot(float x, float beta) {
  const Pair z = detail::scaled(beta, x);
  const Pair e = exp_pair(-detail::clamp_above(::fabsf(z.hi), 80.0f));
  const Pair hl = half_log1p_pair({fp::mul(e.hi, 0.5f), fp::mul(e.lo, 0.5f)});
  const Pair l = {fp::add(hl.hi, hl.hi), fp::add(hl.lo, hl.lo)};  // log(1 + e), exact doublings
  const float sg = fp::mul(e.hi, rcp(fp::add(1.0f, e.hi)));  // sigma(-|zh|), a correction's factor
  const float corr = fp::mul(-sg, select(z.hi >= 0.0f, z.lo, -z.lo));
  const float rb = rcp(beta);  // (l + corr)/beta: the quotient compensated (its remainder by fma)
  const float q = fp::mul(l.hi, rb);
  const float lo = fp::mul(fp::add(fp::add(fp::fma(-q, beta, l.hi), l.lo), corr), rb);
  return fp::add(select(z.hi > 0.0f, x, 0.0f), fp::add(q, lo));
}
ACTBENCH_COLD float softplus_beta_slow(float x, float beta) {
  if (!softplus_beta_cold(x, beta)) return softplus_beta_hot(x, beta);
  const Pair z = fp::two_prod(beta, x);
  if (!(z.hi < -80.0f)) return x;   // NaN, +inf, or beta x overflowing: f = x
  if (z.hi < -200.0f) return 0.0f;  // (and e^(zh + zl) = e^zh (1 + zl) needs |zl| << 1)
  const float zl = z.lo;
  const float rb = rcp(beta);
  const float rbl = fp::mul(fp::fma(-rb, beta, 1.0f), rb);
  return scaled_exp(rb, fp::fma(rb, zl, rbl), z.hi);  // e^(zh + zl) / beta
}
ACTBENCH_HOT float softplus(float x, float beta) {
  if (beta == 1.0f) return softplus_cold(x) ? softplus_slow(x) : softplus_hot(x);
  return softplus_beta_cold(x, beta) ? softplus_beta_slow(x, beta) : softplus_beta_hot(x, beta);
}

/// softplus'(beta) = sigma(beta x): beta = 1 is sigmoid; otherwise sigma(zh) + sigma(zh) sigma(-zh) zl.
/// Hot: zh in [-80, inf); cold: the rest (z < -80: e^(zh + zl)) and NaN.
ACTBENCH_HOT bool softplus_beta_deriv_cold(float x, float beta) { return softplus_beta_cold(x, beta); }
ACTBENCH_HOT Pair softplus_beta_deriv_head(float x, float beta) {
  return exp_sigma_pair(detail::exp_neg_abs_pre(detail::scaled(beta, x).hi));
}
ACTBENCH_HOT float softplus_beta_deriv_tail(float x, Pair e, float beta) {
  const Pair z = detail::scaled(beta, x);  // z.hi: the head's
  const detail::Sigma s = detail::sigma_from(e);
  const Pair q = detail::sigma_of(s, z.hi >= 0.0f);
  const float corr = fp::mul(fp::mul(fp::mul(s.e.hi, s.y), s.y), z.lo);
  return fp::add(q.hi, fp::add(q.lo, corr));
}
ACTBENCH_HOT float softplus_beta_deriv_hot(float x, float beta) {
  return softplus_beta_deriv_tail(x, softplus_beta_deriv_head(x, beta), beta);
}
ACTBENCH_COLD float softplus_beta_deriv_slow(float x, float beta) {
  if (!softplus_beta_deriv_cold(x, beta)) return softplus_beta_deriv_hot(x, beta);
  const Pair z = fp::two_prod(beta, x);
  if (z.hi != z.hi) return z.hi;
  if (!(z.hi < -80.0f)) return 1.0f;
  if (z.hi < -200.0f) return 0.0f;
  return scaled_exp(1.0f, z.lo, z.hi);
}
ACTBENCH_HOT float softplus_deriv(float x, float beta) {
  if (beta == 1.0f) return sigmoid(x);
  return softplus_beta_deriv_cold(x, beta) ? softplus_beta_deriv_slow(x, beta) : softplus_beta_deriv_hot(x, beta);
}

// ---- swish / silu ---------------------------------------------------------------------------------

namespace detail {

/// x sigma(z), z = zh + zl (zl = 0 unless kLo), |zh| clamped to 80: sigma(zh) compensated, plus
/// sigma(zh) sigma(-zh) zl; one rounding.
template <bool kLo>
ACTBENCH_HOT float swish_core(float x, float zh, float zl, Pair e) {  // e = exp_sigma_pair(exp_neg_abs_pre(zh))
  const Sigma s = sigma_from(e);
  const Pair q = sigma_of(s, zh >= 0.0f);
  float lo = q.lo;
  if constexpr (kLo) lo = fp::fma(fp::mul(fp::mul(s.e.hi, s.y), s.y), zl, lo);
  return fp::fma(x, q.hi, fp::mul(x, lo));
}

/// swish'(x) = sigma(z) B(z), B(z) = 1 + z sigma(-z), z = zh + zl (zl = 0 unless kLo), zh in [-80, 80] (the callers'
/// hot range; f' rounds to 1 past ~20).  With E = e^z itself (E < 2^116) and d = 1 + E, sigma(z) = E/d and
/// sigma(-z) = 1/d for either sign of z: no selects.  Both as pairs (1/d and E/d compensated), z sigma(-z) as an
/// exact product, B by TwoSum; B vanishes at z0 = -1.27846 (its terms cancel): within 3/64 of z0, B = u + u^2 P(u),
/// u = z - z0 (B'(z0) = 1; tools/gen_f32_coeffs.py).  Outside, B's error is E's (the short exp: 2^-26.6 within 3/64
/// of z0, F32Core.ExpPairShort*) times sigma(z) ~ 0.22: up to 2^-24.3 of B at the band's edge.  One final rounding.
/// All 2^32 inputs: 1.171 ulp at most (x = -1.0387, where |r| is near ln2/2 and the short exp's rounding largest).
template <bool kLo>
ACTBENCH_HOT float swish_deriv_core(float z, float zl, Pair e) {  // e = exp_pair_short(z), 2^-25.1: its error scales
  const float zh = z;                                          // sigma's by E/(1 + E) or 1/(1 + E)
  // d = 1 + E: the low part E - (dh - 1) is exact for E <= 1 (Fast2Sum) and, dh - 1 being exact, for E < 2^24
  // too.  Past that (z > 16.6) it is off by up to 1, so sigma(z) = E/d is off by up to 1/E < 2^-24 of itself (B only
  // by z/E^2): where f' = 1 + (z - 1)/E is just above 1, up to 0.95 ulp (all 2^32 inputs: 0.948 in [16, 32)), inside
  // the bound.  Ordering 1 and E first (exact everywhere) would cost two instructions.
  const Pair d = fp::fast_two_sum(1.0f, e.hi);
  const Sigma s{e, d.hi, fp::add(d.lo, e.lo), rcp_coarse(d.hi)};
  float mh = s.y, ml = recip_lo(s);                                                    // sigma(-z) = 1/d
  const float sh = fp::mul(e.hi, s.y);                                                 // sigma(z) = E/d = sh + sl
  float sl = fp::fma(e.hi, ml, fp::fma(e.lo, s.y, fp::fma(e.hi, s.y, -sh)));
  if constexpr (kLo) {
    const float c = fp::mul(fp::mul(sh, mh), zl);
    sl = fp::add(sl, c);
    ml = fp::sub(ml, c);
  }
  const float ph = fp::mul(zh, mh);
  float pl = fp::fma(zh, mh, -ph);
  pl = fp::fma(zh, ml, pl);
  if constexpr (kLo) pl = fp::fma(zl, mh, pl);
  const Pair b = fp::fast_two_sum(1.0f, ph);  // exact: |ph| <= 1, or ph < -1 where 1 + ph is exact
  float bh = b.hi, bl = fp::add(b.lo, pl);
  // next to the zero
  const float uh = fp::sub(zh, -1.27846456f);  // exact (Sterbenz) in the band
  float p = -0.00471778587f;  // P, degree 2 on |u| <= 3/64: B to 2^-28 (tools/gen_f32_coeffs.py)
  p = fp::fma(p, uh, -0.0488779172f);
  p = fp::fma(p, uh, -0.108905852f);
  float band_lo;  // u's low part (zl - z0 lo, exactly where zl != 0) + u^2 P
  if constexpr (kLo) {
    const Pair ul = fp::two_sum(zl, -1.29792825e-08f);
    band_lo = fp::add(fp::fma(uh, fp::mul(uh, p), ul.hi), ul.lo);
  } else {
    band_lo = fp::fma(uh, fp::mul(uh, p), -1.29792825e-08f);
  }
  const bool band = ::fabsf(uh) < 0.046875f;
  bh = select(band, uh, bh);
  bl = select(band, band_lo, bl);
  // (sh + sl)(bh + bl), one rounding; in the band bl may be as large as bh (at x = z0 hi, bh = 0)
  return fp::fma(sh, bh, fp::fma(sh, bl, fp::mul(sl, fp::add(bh, bl))));
}

/// swish'(z) for z < -80 (or -inf): e^z (1 + z) to 2^-110 (sigma(z) = e^z, sigma(-z) = 1); with z = zh + zl,
/// e^zh (1 + zl) (1 + zh + zl) = e^zh ((1 + zh) + zl (2 + zh)) to first order; 1 + zh is exact there
/// (|zh| < 2^24) or e^zh is 0.
ACTBENCH_HOT float swish_deriv_far_tail(float zh, float zl) {
  if (zh == -INFINITY) return -0.0f;
  return scaled_exp(fp::add(1.0f, zh), fp::mul(zl, fp::add(2.0f, zh)), zh);
}

}  // namespace detail

/// silu (swish, beta = 1): f = x sigma(x), sigma compensated, one rounding.  Hot: x in [-80, inf);
/// cold: x < -80 (f = x e^x), x = +inf, NaN.
ACTBENCH_HOT bool silu_cold(float x) { return !(x >= -80.0f && x < INFINITY); }
ACTBENCH_HOT ExpSigmaPre silu_pre(float x) { return detail::exp_neg_abs_pre(x); }
ACTBENCH_HOT float silu_tail(float x, Pair e) { return detail::swish_core<false>(x, x, 0.0f, e); }
ACTBENCH_HOT float silu_hot(float x) { return silu_tail(x, exp_sigma_pair(silu_pre(x))); }
ACTBENCH_COLD float silu_slow(float x) {
  if (!silu_cold(x)) return silu_hot(x);
  if (!(x < -80.0f)) return x;  // NaN, +inf
  if (x == -INFINITY) return -0.0f;
  return scaled_exp(x, 0.0f, x);
}
ACTBENCH_HOT float silu(float x) { return silu_cold(x) ? silu_slow(x) : silu_hot(x); }

/// silu': f' = sigma(x) (1 + x sigma(-x)) (detail::swish_deriv_core).  Hot: x in [-80, 80] (the same compare pair
/// as silu's [-80, inf), and no clamp in the hot path); cold: x < -80 (f' = e^x (1 + x)), x > 80 (1), NaN.
ACTBENCH_HOT bool silu_deriv_cold(float x) { return !(x >= -80.0f && x <= 80.0f); }
ACTBENCH_HOT Pair silu_deriv_head(float x) { return exp_pair_short(x); }
ACTBENCH_HOT float silu_deriv_tail(float x, Pair e) { return detail::swish_deriv_core<false>(x, 0.0f, e); }
ACTBENCH_HOT float silu_deriv_hot(float x) { return silu_deriv_tail(x, silu_deriv_head(x)); }
ACTBENCH_COLD float silu_deriv_slow(float x) {
  if (!silu_deriv_cold(x)) return silu_deriv_hot(x);
  if (x != x) return x;
  if (x > 80.0f) return 1.0f;
  return detail::swish_deriv_far_tail(x, 0.0f);
}
ACTBENCH_HOT float silu_deriv(float x) { return silu_deriv_cold(x) ? silu_deriv_slow(x) : silu_deriv_hot(x); }

/// swish(beta), beta != 1: f = x sigma(z), z = beta x = zh + zl exactly (the reference's z is exact),
/// sigma(z) = sigma(zh) + sigma(zh) sigma(-zh) zl.  Hot: zh in [-80, inf) and x finite; cold: the rest.
ACTBENCH_HOT bool swish_beta_cold(float x, float beta) {
  const float z = fp::mul(beta, x);
  return !(z >= -80.0f && z < INFINITY && ::fabsf(x) < INFINITY);
}
ACTBENCH_HOT Pair swish_beta_head(float x, float beta) {
  return exp_sigma_pair(detail::exp_neg_abs_pre(detail::scaled(beta, x).hi));
}
ACTBENCH_HOT float swish_beta_tail(float x, Pair e, float beta) {
  const Pair z = detail::scaled(beta, x);  // z.hi: the head's
  return detail::swish_core<true>(x, z.hi, z.lo, e);
}
ACTBENCH_HOT float swish_beta_hot(float x, float beta) {
  return swish_beta_tail(x, swish_beta_head(x, beta), beta);
}
ACTBENCH_COLD float swish_beta_slow(float x, float beta) {
  if (!swish_beta_cold(x, beta)) return swish_beta_hot(x, beta);
  const Pair z = fp::two_prod(beta, x);
  if (!(z.hi < -80.0f)) return x;  // NaN, x = +inf, or beta x overflowing (sigma = 1)
  if (z.hi < -200.0f) return -0.0f;  // x e^z, x < 0
  return scaled_exp(x, fp::mul(x, z.lo), z.hi);
}
ACTBENCH_HOT float swish(float x, float beta) {
  if (beta == 1.0f) return silu(x);
  return swish_beta_cold(x, beta) ? swish_beta_slow(x, beta) : swish_beta_hot(x, beta);
}

/// swish'(beta), beta != 1: sigma(z) B(z) with z = beta x carried as zh + zl throughout (the band next
/// to the zero is in z: at z0/beta in x).  Hot: zh in [-80, 80] (x is then finite; data in [-8, 8] stay hot for beta
/// up to 10); cold: the rest (zh > 80: 1).
ACTBENCH_HOT bool swish_beta_deriv_cold(float x, float beta) {
  const float z = fp::mul(beta, x);
  return !(z >= -80.0f && z <= 80.0f);
}
ACTBENCH_HOT Pair swish_beta_deriv_head(float x, float beta) {
  // z.hi as the tail computes it: the same as fp::mul(beta, x), which as the head's form here moved a branch of the
  // GPU kernel (nvcc put the beta = 1 path, not this one, behind the jump: sm_90 silu' 55.3 -> 56.25 hot)
  return exp_pair_short(detail::scaled(beta, x).hi);
}
ACTBENCH_HOT float swish_beta_deriv_tail(float x, Pair e, float beta) {
  const Pair z = detail::scaled(beta, x);  // z.hi: the head's
  return detail::swish_deriv_core<true>(z.hi, z.lo, e);
}
ACTBENCH_HOT float swish_beta_deriv_hot(float x, float beta) {
  return swish_beta_deriv_tail(x, swish_beta_deriv_head(x, beta), beta);
}
ACTBENCH_COLD float swish_beta_deriv_slow(float x, float beta) {
  if (!swish_beta_deriv_cold(x, beta)) return swish_beta_deriv_hot(x, beta);
  const Pair z = fp::two_prod(beta, x);
  if (z.hi != z.hi) return z.hi;
  if (!(z.hi < -80.0f)) return 1.0f;
  if (z.hi < -200.0f) return -0.0f;  // e^z (1 + z)
  return detail::swish_deriv_far_tail(z.hi, z.lo);
}
ACTBENCH_HOT float swish_deriv(float x, float beta) {
  if (beta == 1.0f) return silu_deriv(x);
  return swish_beta_deriv_cold(x, beta) ? swish_beta_deriv_slow(x, beta) : swish_beta_deriv_hot(x, beta);
}

// ---- mish -----------------------------------------------------------------------------------------

namespace detail {

/// e = e^x (x <= 12: exp_pair_sigma for mish, exp_pair_short for mish'), N = e (e + 2), D = N + 2 = e^2 + 2e + 2, all
/// as pairs;
/// y = rcp_coarse(D.hi) ~ 1/D to ~2^-17: every use is a quotient that corrects it.
struct MishTerms {
  Pair e, u, n, d;
  float y;
};
/// x as mish and mish' take it: at most 12 (beyond, e^x's terms leave T and f' rounded to 1; e^x stays finite).
ACTBENCH_HOT float mish_arg(float x) { return clamp_above(x, 12.0f); }
ACTBENCH_HOT ExpSigmaPre mish_exp_pre(float x) { return exp_sigma_pre(mish_arg(x)); }
ACTBENCH_HOT MishTerms mish_terms(Pair e) {  // e = e^min(x, 12) as a pair (see MishTerms)
  // Fast2Sum(2, b) is exact for every b below 2^24 in magnitude (2 is a multiple of ulp(b)), also
  // where |b| > 2: checked for every such float (and N < 2^35 here: a lost low part is < 2^-33 N)
  Pair u = fp::fast_two_sum(2.0f, e.hi);
  u.lo = fp::add(u.lo, e.lo);
  const float nh = fp::mul(e.hi, u.hi);
  const float nl = fp::fma(e.hi, u.lo, fp::fma(e.lo, u.hi, fp::fma(e.hi, u.hi, -nh)));
  Pair d = fp::fast_two_sum(2.0f, nh);
  d.lo = fp::add(d.lo, nl);
  return {e, u, {nh, nl}, d, rcp_coarse(d.hi)};
}

}  // namespace detail

/// mish: f = x tanh(softplus x) = x N/D, N = e (e + 2), D = N + 2, e = e^x (T = N/D rounds to 1 for
/// x > 9: e^x evaluated at min(x, 12)); pairs throughout, the quotient compensated, one rounding.
/// Hot: x in [-80, inf); cold: x < -80 (f = x e^x (1 + O(e^x))), +inf, NaN.
ACTBENCH_HOT bool mish_cold(float x) { return !(x >= -80.0f && x < INFINITY); }
ACTBENCH_HOT ExpSigmaPre mish_pre(float x) { return detail::mish_exp_pre(x); }
ACTBENCH_HOT float mish_tail(float x, Pair e) {
  const detail::MishTerms m = detail::mish_terms(e);
  const Pair t = quotient(m.n.hi, m.n.lo, m.d.hi, m.d.lo, m.y);
  // mish(-0) = -0: at x = +-0, t.lo > 0 (rcp_coarse's y is below 1/D = 1/5, so q < 3/5): -0 t.hi + -0 t.lo = -0
  return fp::fma(x, t.hi, fp::mul(x, t.lo));
}
ACTBENCH_HOT float mish_hot(float x) { return mish_tail(x, exp_sigma_pair(mish_pre(x))); }
ACTBENCH_COLD float mish_slow(float x) {
  if (!mish_cold(x)) return mish_hot(x);
  if (!(x < -80.0f)) return x;  // NaN, +inf
  if (x == -INFINITY) return -0.0f;
  return scaled_exp(x, 0.0f, x);  // T = e^x (1 + e^x/2 + ...)
}
ACTBENCH_HOT float mish(float x) { return mish_cold(x) ? mish_slow(x) : mish_hot(x); }

/// mish': f' = T + x sigma(x) (1 - T^2) = g J, g = e/D, J = (e + 2) + 4x (1 + e)/D (from 1 - T^2 = 4(1+e)^2/D^2, sigma
/// = e/(1+e)), and since 4x (1 + e)/D = 2x - 2x e^2/D: J = (2x + u) - 2x e g, u = e + 2.  One compensated quotient (g),
/// where J's first form took a second one, (1 + e)/D, and its terms cancelled at |J| ~ 2.3 next to the zero x0 =
/// -1.19243 of J: in the second form 2x + u is exact there (Sterbenz) and the terms are ~0.08.  J = jh + jl: jh = (2x +
/// u) - 2x e g rounded, jl its error (Fast2Sum: |2x + u| > |2x e g| outside the band) and u's low part; 2x + u's own
/// rounding is left out (exact next to x0, not elsewhere): with it, three instructions more and mish' under 95% on the
/// H200, a prototype counted 12148464 hot inputs above 0.5 ulp, without it 112456613.  Within 1/8 of x0, J = u (J1 + u
/// P(u)), u = x - x0 (tools/gen_f32_coeffs.py: P of degree 3, 2^-29.2; J1 = 2.25 + r0, 2.25 uh exact).  e = e^x by the
/// short exp (exp_pair_short, 2^-25.1; the sigma family's took 4 instructions more).  All 2^32 inputs: max 1.6327 ulp
/// (x = -1.0084696, next to the band, where f' is most sensitive to e's error); 0.990 with the two quotients and
/// exp_pair_sigma, at 76 instructions on sm_90 where this takes 62.  Hot: x in [-80, inf) (e^x at min(x, 12): f' rounds
/// to 1 past 10.2); cold: x < -80 (f' = e^x (1 + x) to 2^-110), +inf, NaN.
ACTBENCH_HOT bool mish_deriv_cold(float x) { return mish_cold(x); }
ACTBENCH_HOT Pair mish_deriv_head(float x) { return exp_pair_short(detail::mish_arg(x)); }
ACTBENCH_HOT float mish_deriv_tail(float x, Pair e) {
  const float xc = detail::mish_arg(x);
  const detail::MishTerms m = detail::mish_terms(e);
  const Pair g = quotient(m.e.hi, m.e.lo, m.d.hi, m.d.lo, m.y);  // e/D
  const float gv = fp::add(g.hi, g.lo);
  const float s = fp::fma(2.0f, xc, m.u.hi);        // 2x + u
  const float b = fp::mul(xc, fp::mul(e.hi, gv));   // x e g (2b exact)
  float jh = fp::fma(-2.0f, b, s);
  float jl = fp::add(m.u.lo, fp::fma(-2.0f, b, fp::sub(s, jh)));
  // next to the zero: J = u (J1 + u P(u)), u = x - x0 = uh + ul (x0 = hi - ul), J1 = J'(x0) = 2.25 + kR0: uh has at
  // most 20 significant bits in the band (a multiple of 2^-23 below 1/8), 2.25 four, so bh = 2.25 uh is exact and
  // bl = uh (kR0 + uh P) + ul J1 carries the rest (2 ul uh P, ~2^-31 |J|, left out)
  const float uh = fp::sub(x, -1.19243121f);  // exact (Sterbenz) in the band
  constexpr float kR0 = 0.124140672f;         // J1 - 2.25 (J1 = 2.3741406735595475...)
  constexpr float kUlJ1 = 7.2267361e-09f;     // ul J1, ul = 3.04393755e-09
  float p = -0.00662515126f;  // P, degree 3 on |uh| <= 1/8: 2^-29.2 relative of J (tools/gen_f32_coeffs.py)
  p = fp::fma(p, uh, -0.0177721456f);
  p = fp::fma(p, uh, 0.00575524848f);
  p = fp::fma(p, uh, 0.14259091f);
  const float bh = fp::mul(uh, 2.25f);
  const float bl = fp::fma(uh, fp::fma(uh, p, kR0), kUlJ1);
  const bool band = ::fabsf(uh) < 0.125f;
  jh = select(band, bh, jh);
  jl = select(band, bl, jl);
  // g (jh + jl): g's low part times jh, the rounded g times the small jl (where jh = 0, at x = hi, f' = gv jl)
  return fp::fma(g.hi, jh, fp::fma(g.lo, jh, fp::mul(gv, jl)));
}
ACTBENCH_HOT float mish_deriv_hot(float x) { return mish_deriv_tail(x, mish_deriv_head(x)); }
ACTBENCH_COLD float mish_deriv_slow(float x) {
  if (!mish_deriv_cold(x)) return mish_deriv_hot(x);
  if (x != x) return x;
  if (x == INFINITY) return 1.0f;
  return detail::swish_deriv_far_tail(x, 0.0f);  // e^x (1 + x), as swish'
}
ACTBENCH_HOT float mish_deriv(float x) { return mish_deriv_cold(x) ? mish_deriv_slow(x) : mish_deriv_hot(x); }

}  // namespace f32
}  // namespace actbench
