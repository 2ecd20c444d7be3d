// actbench/kernels/narrow.hpp - cheap f32 math for 16-bit data (f16, bf16).
//
// A 16-bit result rounded from an f32 value whose relative error is e lands within 0.5 + e/2^-11
// (f16) or 0.5 + e/2^-8 (bf16) of its ulp: the precise bound for 16-bit data (0.5 + 2^-10 ulp,
// harness/bounds.cpp) leaves the f32 math a relative error of about 2^-21 (f16) / 2^-18 (bf16),
// a few f32 ulp.  Library f32 functions (expf, log1pf, expm1f, IEEE division) spend far more
// instructions than that needs, and at H100/H200 bandwidth a 16-bit element leaves ~20-30
// instructions of issue budget (docs/DESIGN.md, "Speed").  So 16-bit data use these primitives:
//
//   ex2(t)     2^t by the SFU (ex2.approx.ftz.f32, 1 instruction; CUDA documents exp2f, which is this
//              instruction, at 2 ulp).  Results below 2^-126 are flushed to zero, as the hardware does.
//   rcp(d)     1/d by the SFU (rcp.approx.ftz.f32, 1 ulp).  d must be normal and below 2^126.
//   exp2_scaled(h, hl)  2^(t + tl) for a caller's exact pair t + tl, given times kEx2Arg (bf16's t/2 on the
//              device, formed by the caller): ex2(h) (squared for bf16) (1 + tl ln2) (exp's second half).
//   exp(x)     e^x = 2^t with t = x log2(e) carried exactly as t + tl (two fma) and 2^tl = 1 + tl ln2:
//              ex2's error plus ~2^-24 (kExpRelErr).  kTiny (bf16): results below 2^-126 are kept
//              (2^t = ex2(t/2)^2, kExpTinyRelErr), for bf16's range is f32's; f16 results that small
//              round to 0 anyway.
//   recip(d), div(a, d)  1/d and a/d from rcp and one Newton / residual step (two fma): ~0.5 ulp +
//              rcp's error squared.
//   expm1(x)   e^x - 1 without the SFU: Cody-Waite reduction x = j ln2 + r, a degree-7 polynomial
//              for e^r - 1, and 2^j from the exponent bits: ~1 ulp, no cancellation near 0.
//   expm1_neg(x)  e^x - 1 for x <= 0: ex2 - 1 below -ln 4, a polynomial above (~13 instructions;
//              the host's cpu backend runs expm1 instead, the host model's test build this algorithm).
//   log1p_unit(e)  log(1 + e) for e in [0, 1]: 2 atanh(s), s = e/(2 + e) in [0, 1/3], an exact
//              identity (no rounding of 1 + e), and a degree-3 polynomial in s^2 (2^-27.5 relative).
//   sig(z)     sigma(z) and sigma(-z) from exp and rcp (refined once for f16 data).
//
// On the host ex2/exp/exp2_scaled are inline float code flushed like the SFU (on the cpu for f16 data: +0 from the
// scale itself below 2^-126.5, subnormals in [2^-126.5, 2^-126) kept, see exp): exp and exp2_scaled on the cpu
// backend a short Cody-Waite reduction and a degree-5 polynomial (host::exp_fast, 2^-23.4 relative: inside the
// SFU's 2^-22); ex2 (the device's algorithms run on the host for their tests), and exp and exp2_scaled in the
// host model's test build, ~0.7 ulp (the f32 path's exact reduction and polynomial, kernels/f32/exp.hpp), so that
// the perturbation below stands for the SFU's whole error; recip/div
// are IEEE divisions: the same functions within the device's error model, at a fraction of the cost
// of emulating the device's fma sequence, and without a libm call or a branch, so that the cpu
// backend's loops over 16-bit data vectorize.  In a test build with ACTBENCH_NARROW_HOST_MODEL defined,
// narrow::host_perturbation() scales the host's exp (and the ex2/rcp stand-ins) by (1 + delta), so that
// every 16-bit input runs with the device's worst-case error in either direction
// (tests/host/test_sfu_model.cpp); exp_split() is the device's
// algorithm, callable on the host for its own test (tests/host/test_narrow.cpp).  expm1, log1p_unit
// and the rest are plain f32 arithmetic with explicit fma, the same on both sides up to nvcc's
// contraction of a*b+c.
#pragma once

#include "config.hpp"
#include "dtype.hpp"
#include "f32/exp.hpp"
#include "fp.hpp"
#include "math.hpp"

#include <cmath>
#include <cstdint>
#include <type_traits>

namespace actbench {
namespace narrow {

#if !ACTBENCH_DEVICE_PASS && defined(ACTBENCH_NARROW_HOST_MODEL)
/// Test builds only (tests/host/test_sfu_model.cpp, its own executable): relative errors injected into
/// the host's stand-ins for the SFU instructions, 0 by default.  Production code has no such state.
struct Perturbation {
  float exp = 0.0f;  ///< scales exp() and ex2()
  float rcp = 0.0f;  ///< scales rcp()
};
inline Perturbation host_perturbation_value{};
inline Perturbation& host_perturbation() { return host_perturbation_value; }
inline float host_exp_scale() { return 1.0f + host_perturbation_value.exp; }
inline float host_rcp_scale() { return 1.0f + host_perturbation_value.rcp; }
#elif !ACTBENCH_DEVICE_PASS
inline constexpr float host_exp_scale() { return 1.0f; }
inline constexpr float host_rcp_scale() { return 1.0f; }
#endif

/// The documented worst-case relative errors of the SFU instructions used here.
inline constexpr float kEx2RelErr = 0x1p-22f;  // 2 ulp
inline constexpr float kRcpRelErr = 0x1p-23f;  // 1 ulp
/// exp(): ex2's error plus the roundings of the argument's correction (tl ln2, one fma).
inline constexpr float kExpRelErr = 0x1p-22f + 0x1p-23f;
/// exp<true>() (bf16 data): ex2(t/2) squared, twice ex2's error, plus the square's and the fma's roundings.
inline constexpr float kExpTinyRelErr = 0x1p-21f + 0x1p-23f;

inline constexpr float kL2E = 1.44269502e+00f;    // log2(e) rounded to f32
inline constexpr float kL2Elo = 1.92596299e-08f;  // log2(e) - kL2E
inline constexpr float kLn2 = 6.93147182e-01f;

#if !ACTBENCH_DEVICE_PASS
namespace host {
/// e^(x + xl) for x in [-105, 90] (or NaN), |xl| <= 2^-17, not flushed: kernels/f32/exp.hpp's exact
/// reduction x = j ln2 + r + d and polynomial (1 + ph + pl = e^(r + d) to 2^-28), e^xl as 1 + xl,
/// rounded once into m = (1 + ph + pl)(1 + xl) in [0.7, 1.42], then times 2^j as 2^j1 2^j2 (j1 = j/2
/// floored, both normal): the first product is exact, so a result in the subnormal range is rounded
/// once more from m, as libm's rounds once from the exact value.  About 0.7 ulp, like libm's expf far
/// inside the device's error model; inline float and integer code without a branch, so that the cpu
/// backend's loops over 16-bit data vectorize (a libm call per element does not).
ACTBENCH_HOT float exp_unflushed(float x, float xl) {
  const f32::ExpCore c = f32::exp_core(x);
  const f32::Pair e = f32::one_plus(c);
  const float m = fp::add(e.hi, fp::fma(xl, e.hi, e.lo));
  const std::uint32_t j = bit_cast<std::uint32_t>(c.t) - 0x4b400000u;  // f32::exponent(c.t), mod 2^32
  const std::uint32_t j1 = static_cast<std::uint32_t>(static_cast<std::int32_t>(j) >> 1);
  const float s1 = bit_cast<float>((j1 + 127u) << 23);
  const float s2 = bit_cast<float>((j - j1 + 127u) << 23);
  return fp::mul(fp::mul(m, s1), s2);
}
/// 2^t, not flushed: e^(t ln2) with t ln2 = x + xl carried exactly enough (|xl| < 2^-17); t is clamped
/// to [-152, 129] (NaN kept), where 2^t rounds to 0 and inf already.
ACTBENCH_HOT float ex2_unflushed(float t) {
  t = t < -152.0f ? -152.0f : (t > 129.0f ? 129.0f : t);
  const float x = fp::mul(t, kLn2);
  const float xl = fp::fma(t, f32::kLn2Lo, fp::fma(t, kLn2, -x));  // kLn2 = f32::kLn2Hi
  return exp_unflushed(x, xl);
}

/// The cpu backend's e^x and 2^t for 16-bit data: about a third of exp_unflushed's instructions, within the
/// SFU's error model (kEx2RelErr, 2^-22) rather than at 0.7 ulp.  e^r = 1 + r p(r) for |r| <= 0.348, p of
/// degree 5 (tools/gen_narrow_coeffs.py: fit_exp_host, 2^-25.7 relative), with r's and Horner's roundings: 2^-23.42
/// relative at most for e^x and 2^(t + tl) alike (a sweep of every float; tests/host/test_narrow.cpp checks every
/// 64th).
ACTBENCH_HOT float exp_reduced(float r) {
  constexpr float kP[] = {1.384326722e-03f, 8.374487981e-03f, 4.166802391e-02f, 1.666642725e-01f, 4.999999404e-01f,
                          1.0f};  // (e^r - 1)/r, highest degree first
  return fp::fma(r, fp::horner(r, kP), 1.0f);
}
/// m 2^j for the integer j that s = j + 1.5 2^23 carries in its low bits, j in [-152, 129]: as m 2^j1 2^j2
/// (j1 = j/2 floored, both factors normal), so that a subnormal result is rounded once, from m 2^j1.
/// kNormal: j in [-127, 127], one product (f16 data, whose results below 2^-126 round to 0); 2^-127 comes out as +0,
/// j = -128 as -inf and j = 128 as +inf (callers clamp before: exp's -88, exp2_scaled's -127).
template <bool kNormal = false>
ACTBENCH_HOT float times_2j(float m, float s) {
  const std::uint32_t j = bit_cast<std::uint32_t>(s) - 0x4b400000u;  // mod 2^32
  if (kNormal) return fp::mul(m, bit_cast<float>((j + 127u) << 23));
  const std::uint32_t j1 = static_cast<std::uint32_t>(static_cast<std::int32_t>(j) >> 1);
  const float s1 = bit_cast<float>((j1 + 127u) << 23);
  const float s2 = bit_cast<float>((j - j1 + 127u) << 23);
  return fp::mul(fp::mul(m, s1), s2);
}
/// e^x for x in [-104, 89] (or NaN), not flushed: x = j ln2 + r by Cody-Waite (j ln2's high part exact, as in
/// f32::exp_core; r rounded once, 2^-26 absolute at most), e^r by exp_reduced.  kNormal: j in [-127, 127] (x in
/// [-88.37, 88.37]; times_2j's one product, +0 for j = -127; beyond, -inf or +inf: the caller clamps).
template <bool kNormal = false>
ACTBENCH_HOT float exp_fast(float x) {
  const float s = fp::fma(x, f32::kLog2e, f32::kShift);
  const float j = fp::sub(s, f32::kShift);
  const float r = fp::fma(j, -f32::kLn2Lo, fp::fma(j, -f32::kLn2Hi, x));
  return times_2j<kNormal>(exp_reduced(r), s);
}
/// tanh x for 16-bit data on the cpu backend: a = |x| clamped to 5 (NaN kept; past 5 every f16 and bf16 result is 1,
/// tanh 5 = 1 - 2^-13.4), then a P(s)/Q(s), s = a^2, P of degree 4 and Q of degree 3 (tools/gen_narrow_coeffs.py
/// fit_tanh_rational: 2^-25.5 relative with its f32 coefficients), the products and the quotient rounded once each,
/// the sign of x put back by its bit (a zero keeps its sign, NaN propagates).  No exp, no select between two
/// formulas: 3.64 and 2.57 f32 ulp at most on the f16 and on the bf16 inputs up to 5 (past 5 the f32 value is tanh 5),
/// and every f16 and every bf16 input rounds to the 16-bit value nearest to tanh x (tests/host/test_narrow.cpp, every
/// one of them) - the f16 x whose tanh lies closest to a rounding midpoint of f16 among them (0.45 f32 ulp from it at
/// x = 0.0284, 1.41 at 1.69).  A tiny or subnormal a gives a itself (P(0) and Q(0) are 1).
ACTBENCH_HOT float tanh_16(float x) {
  constexpr float kP[] = {-1.070372235e-08f, 9.189691809e-06f, 2.934213029e-03f, 1.293630898e-01f, 1.0f};
  constexpr float kQ[] = {2.289014083e-04f, 2.383306436e-02f, 4.626964033e-01f, 1.0f};  // highest degree first
  const float a = f32::detail::clamp_above(::fabsf(x), 5.0f);
  const float s = fp::mul(a, a);
  return f32::detail::with_sign_of(fp::mul(a, fp::horner(s, kP)) / fp::horner(s, kQ), x);
}
/// 2^(t + tl) for |tl| <= 2^-10 and t in [-152, 129] (or NaN), not flushed: t = j + f, f exact, and
/// e^((f + tl) ln2) by exp_reduced (|f + tl| ln2 <= 0.348).  kNormal: t in [-127, 126] (+0 for j = -127).
template <bool kNormal = false>
ACTBENCH_HOT float exp2_fast(float t, float tl) {
  const float s = fp::add(t, f32::kShift);
  const float j = fp::sub(s, f32::kShift);
  return times_2j<kNormal>(exp_reduced(fp::fma(fp::sub(t, j), kLn2, fp::mul(tl, kLn2))), s);
}
}  // namespace host
#endif

/// fmaxf(x, lo) and fminf(x, hi) (a NaN x gives the bound): one FMNMX on the device; on the host the same
/// values as a compare and a blend, which GCC vectorizes (it leaves fmaxf/fminf loops scalar).  They differ
/// only for a zero x against a zero bound of the other sign, and for a NaN bound: bounds here are nonzero
/// constants.
ACTBENCH_HOT float max_num(float x, float lo) {
#if ACTBENCH_DEVICE_PASS
  return ::fmaxf(x, lo);
#else
  return f32::select(!(x >= lo), lo, x);
#endif
}
ACTBENCH_HOT float min_num(float x, float hi) {
#if ACTBENCH_DEVICE_PASS
  return ::fminf(x, hi);
#else
  return f32::select(!(x <= hi), hi, x);
#endif
}
/// An input range [lo, hi] (a functor's deriv_range: kernels/elementwise.hpp).
struct Range {
  float lo, hi;
};
/// x clamped to [lo, hi], a NaN x kept: max.NaN and min.NaN on the device (sm_80 and later: two instructions,
/// where the NaN-keeping compare and select take three or four), selects on the host.
ACTBENCH_HOT float clamp_keep_nan(float x, float lo, float hi) {
#if ACTBENCH_DEVICE_PASS && __CUDA_ARCH__ >= 800
  float y;
  asm("max.NaN.f32 %0, %1, %2;" : "=f"(y) : "f"(x), "f"(lo));
  asm("min.NaN.f32 %0, %1, %2;" : "=f"(y) : "f"(y), "f"(hi));
  return y;
#else
  return x < lo ? lo : (x > hi ? hi : x);
#endif
}
/// Whether this is the cpu backend's own code (neither the device pass nor the host model's test build, which runs
/// the device's algorithms): where the cpu takes a form of its own (Swish::deriv_narrow's clamp).
#if ACTBENCH_DEVICE_PASS || defined(ACTBENCH_NARROW_HOST_MODEL)
inline constexpr bool kCpuForms = false;
#else
inline constexpr bool kCpuForms = true;
#endif
/// x clamped to [-hi, hi] on its bits, for a positive finite hi: the magnitude's bits through an unsigned min, the
/// sign put back - integer code with no compare into a mask (a select cost the cpu's f16 loops ~1.1-1.4 cycles per
/// 16 elements on a Zen 5).  A NaN x gives +-hi: its caller must take the NaN through another operand.
ACTBENCH_HOT float clamp_magnitude_bits(float x, float hi) {
  const std::uint32_t m = bit_cast<std::uint32_t>(x) & 0x7fffffffu, h = bit_cast<std::uint32_t>(hi);
  return f32::detail::with_sign_of(bit_cast<float>(m < h ? m : h), x);
}

ACTBENCH_HOT float ex2(float t) {
#if ACTBENCH_DEVICE_PASS
  float y;
  asm("ex2.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(t));
  return y;
#else
  const float y = host::ex2_unflushed(t);
  return f32::select(y < 0x1p-126f, 0.0f, y) * host_exp_scale();  // .ftz
#endif
}

ACTBENCH_HOT float rcp(float d) {
#if ACTBENCH_DEVICE_PASS
  float y;
  asm("rcp.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(d));
  return y;
#else
  if (std::fabs(d) < 0x1p-126f) d = std::copysign(0.0f, d);  // .ftz input
  float y = 1.0f / d;
  if (std::fabs(y) < 0x1p-126f) y = std::copysign(0.0f, y);  // .ftz output
  return y * host_rcp_scale();
#endif
}

/// 1/d to rcp's 1 ulp for d normal and |d| < 2^126 (no flush to handle): rcp on the device and in the host model's
/// test build (where the perturbation reaches it); on the cpu backend the IEEE quotient (inside that error, and
/// without rcp's flush tests, which cost its vectorized loops ~7-9%).
ACTBENCH_HOT float rcp_normal(float d) {
#if ACTBENCH_DEVICE_PASS || defined(ACTBENCH_NARROW_HOST_MODEL)
  return rcp(d);
#else
  return 1.0f / d;
#endif
}

/// 1/d: rcp and one Newton step.  d normal, |d| < 2^126.
ACTBENCH_HOT float recip(float d) {
#if ACTBENCH_DEVICE_PASS
  const float r = rcp(d);
  return ::fmaf(r, ::fmaf(-d, r, 1.0f), r);
#else
  return 1.0f / d;
#endif
}

/// a/d: rcp and one residual step.  d normal, |d| < 2^126.
ACTBENCH_HOT float div(float a, float d) {
#if ACTBENCH_DEVICE_PASS
  const float r = rcp(d);
  const float q = a * r;
  return ::fmaf(::fmaf(-q, d, a), r, q);
#else
  return a / d;
#endif
}

/// What the SFU's algorithm is given of an exponent t: kTiny (bf16 data) takes 2^t as ex2(t/2)^2, so that results
/// in [2^-149, 2^-126), which ex2 flushes, are kept, at twice ex2's relative error (kExpTinyRelErr).
template <bool kTiny>
inline constexpr float kEx2Half = kTiny ? 0.5f : 1.0f;
/// What exp2_scaled's callers fold into the constants that form t (a power of two: the same bits): kEx2Half on the
/// device, which spares the halving there; 1 on the host, whose exp2_scaled takes t itself.
template <bool kTiny>
inline constexpr float kEx2Arg = ACTBENCH_DEVICE_PASS ? kEx2Half<kTiny> : 1.0f;

/// 2^t (1 + c) by the SFU from h = t kEx2Half, for a small correction c (|c| < 2^-10, the caller's residual):
/// ex2(h), squared for kTiny (one instruction more, without a compare).  t <= 128.5 (ex2(t/2)^2 overflows exactly
/// where 2^t does), NaN propagates.  ex2 flushes results below 2^-126; kTiny's ex2(t/2) is normal for t >= -252,
/// so its square keeps every result down to the last subnormal, 2^-149.
template <bool kTiny>
ACTBENCH_HOT float ex2_times_one_plus(float h, float c) {
  float e = ex2(h);
  if (kTiny) e = fp::mul(e, e);
  return ::fmaf(e, c, e);
}

/// 2^(t + tl) by the SFU for a small correction tl (|tl| < 2^-10), given h = t kEx2Half and hl = tl kEx2Half:
/// ex2(h)^(1/kEx2Half) (1 + tl ln2).  t below -150 gives 0, NaN propagates.
template <bool kTiny>
ACTBENCH_HOT float exp2_split(float h, float hl) {
  return ex2_times_one_plus<kTiny>(h, hl * (kLn2 / kEx2Half<kTiny>));
}

/// e^x by the SFU (the device's exp).  kTiny: keep results in [2^-149, 2^-126) (bf16 data); otherwise
/// those flush to 0.  NaN propagates; e^-inf = 0, e^inf = inf.  kInRange: the caller guarantees x in
/// [-104, 89] or NaN (clamp_keep_nan), and the clamp is left out.
template <bool kTiny, bool kInRange = false>
ACTBENCH_HOT float exp_split(float x) {
  if (!kInRange) x = x < -104.0f ? -104.0f : (x > 89.0f ? 89.0f : x);  // keeps NaN; e^-104 < 2^-150, e^89 > FLT_MAX
  // h = t kEx2Half, t = x log2(e) rounded (kEx2Half scales exactly): the very t of r below, never fused into it
  constexpr float s = kEx2Half<kTiny>;
  const float h = fp::mul(x, s * kL2E);
  // r = x - t ln2 = (x log2(e) - t) ln2 directly (|r| < 2^-17, to ~2^-40 absolute): e^x = 2^t e^r = ex2(t) (1 + r)
  // to 2^-35, one multiply fewer than t's rounding times ln2.  h ln2/s = t ln2 exactly.
  const float r = ::fmaf(h, -f32::kLn2Lo / s, ::fmaf(h, -kLn2 / s, x));  // kLn2 = f32::kLn2Hi
  return ex2_times_one_plus<kTiny>(h, r);
}

/// e^x: exp_split on the device; in the host model's test build e^x to ~0.7 ulp (host::exp_unflushed) scaled by
/// the host perturbation, on the cpu backend host::exp_fast (inside the SFU's error); flushed as the SFU flushes
/// (on the cpu with kNonPositive for f16 data: +0 below -87.68, subnormals above kept).
/// kNonPositive: the caller's x is <= 0 (or NaN), e.g. -|z|, or the caller discards the result wherever x > 0 (elu's,
/// selu's and celu's f', a select on x > 0 that a vectorized loop computes for every lane): on the cpu backend no upper
/// clamp, and for f16 data (!kTiny) one scale by 2^j (exp_fast<true>) - the same values where x <= 0 and e^x >= 2^-126.
/// On the cpu, for f16 data, results in [2^-126.5, 2^-126) are not flushed: a factor past 2^101 (elu's alpha, a finite
/// parameter; no other caller's factor, gradient included, comes near) makes them nonzero f16 values, where the device
/// gives 0 - closer to the exact value.
template <bool kTiny, bool kInRange = false, bool kNonPositive = false>
ACTBENCH_HOT float exp(float x) {
#if ACTBENCH_DEVICE_PASS
  return exp_split<kTiny, kInRange>(x);
#else
#if defined(ACTBENCH_NARROW_HOST_MODEL)
  if (!kInRange) x = x < -104.0f ? -104.0f : (x > 89.0f ? 89.0f : x);
  const float y = host::exp_unflushed(x, 0.0f);
  constexpr bool kFlush = !kTiny;
#else
  // kNormal (f16 data, x <= 0): clamped at -88, where j = -127, whose 2^j has the bits of +0 (times_2j<true>): e^x is
  // +0 for every x below -87.68 (j <= -127; the SFU flushes those too) with no flush test of its own, which cost the
  // cpu's vectorized f16 loops ~13% (sigmoid', an uncommitted micro-benchmark); the results in
  // [2^-126.5, 2^-126) come out unflushed (subnormals, rounded once), which f16 data round to 0 unless a factor past
  // 2^101 multiplies them
  // kInRange (x in [-104, 89], exp_fast's domain) spares the clamps but kNormal's
  constexpr bool kNormal = kNonPositive && !kTiny;
  constexpr float kLow = kNormal ? -88.0f : -104.0f;
  if (!kInRange || kNormal) x = f32::select(x < kLow, kLow, x);  // NaN kept
  if (!kInRange && !kNonPositive) x = f32::select(x > 89.0f, 89.0f, x);
  const float y = host::exp_fast<kNormal>(x);
  constexpr bool kFlush = !kTiny && !kNormal;  // kNormal: +0 from the scale itself
#endif
  return (kFlush ? f32::select(y < 0x1p-126f, 0.0f, y) : y) * host_exp_scale();
#endif
}

/// 2^(t + tl), |tl| < 2^-10, t <= 126 (gelu_tanh's v g(v), v <= 9.5), given h = t kEx2Arg and hl = tl kEx2Arg (the
/// callers fold kEx2Arg into their constants; on the host it is 1): exp2_split on the device; in the host model's
/// test build 2^t to ~0.7 ulp (host::ex2_unflushed) times (1 + tl ln2), scaled by the host perturbation, on the cpu
/// backend host::exp2_fast (one scale for f16 data, as exp's kNonPositive); flushed as the SFU flushes (on the cpu
/// for f16 data as exp's kNonPositive: +0 below t = -126.5, subnormals above kept).
template <bool kTiny>
ACTBENCH_HOT float exp2_scaled(float h, float hl) {
#if ACTBENCH_DEVICE_PASS
  return exp2_split<kTiny>(h, hl);
#else
  float t = h, tl = hl;  // kEx2Arg is 1 here
  static_assert(kEx2Arg<kTiny> == 1.0f, "the host's exp2_scaled takes t itself");
#if defined(ACTBENCH_NARROW_HOST_MODEL)
  float y = host::ex2_unflushed(t);
  y = ::fmaf(y, tl * kLn2, y);
  y = kTiny ? y : f32::select(y < 0x1p-126f, 0.0f, y);
#else
  // f16 data: clamped at -127, where 2^j (j = -127) has the bits of +0, so that 2^t is +0 below t = -126.5 without a
  // flush test, as exp's kNonPositive (results in [2^-126.5, 2^-126) come out as subnormals)
  constexpr float kLow = kTiny ? -152.0f : -127.0f;
  t = f32::select(t < kLow, kLow, t);  // NaN kept
  const float y = host::exp2_fast<!kTiny>(t, tl);
#endif
  return y * host_exp_scale();
#endif
}

/// a (e^x - 1), about 1 ulp, without the SFU, for a normal float a.  The scale folds into the last product, so
/// that a (e^x - 1) is finite wherever it fits in a float although e^x alone may overflow (|a| < 1).
/// kFull = false: x <= 0 only (expm1_neg's cpu path), without the wide range's compare and selects.
template <bool kFull = true>
ACTBENCH_HOT float expm1_times(float x, float a) {
  constexpr float kLn2Hi = 6.93145752e-01f;  // 0x3f317200: j * kLn2Hi exact for |j| < 2^9
  constexpr float kLn2Lo = 1.42860677e-06f;
  if (x != x || x == 0.0f) return a * x;  // NaN, and the sign of a zero
  constexpr float kTop = kFull ? 176.0f : 88.0f;  // 2^127 |a| e^176 overflows; kFull = false: a meaningless
  x = x < -30.0f ? -30.0f : (x > kTop ? kTop : x);  // finite value for x > 0; e^-30 - 1 rounds to -1
  const float j = ::rintf(x * kL2E);                // [-43, 254]
  const float r = ::fmaf(j, -kLn2Lo, ::fmaf(j, -kLn2Hi, x));  // |r| <= 0.347
  const float em = ::fmaf(detail::expm1_poly(r) * r, r, r);  // e^r - 1 = r + r^2 p(r)
  if (j == 0.0f) return a * em;
  if constexpr (!kFull) {  // e^x - 1 = 2^j (e^r - 1) + (2^j - 1), j in [-43, 127]
    const float s = bit_cast<float>(static_cast<std::uint32_t>(static_cast<int>(j) + 127) << 23);
    return a * ::fmaf(s, em, s - 1.0f);
  }
  // e^x - 1 = 2^j (e^r - 1) + (2^j - 1) = 2^m (h (e^r - 1) + (h - 2^-m)), h = 2^(j-m) from the exponent bits:
  // m = 1, or m = 127 for j > 127 (where 2^j - 1 rounds to 2^j).  The same roundings as with 2^j; 2^m a is
  // exact, or overflows only where the result does (|a| >= 2 with e^x > 2^127).
  const bool big = j > 127.0f;
  const int jm = static_cast<int>(j) - (big ? 127 : 1);
  const float h = bit_cast<float>(static_cast<std::uint32_t>(jm + 127) << 23);
  return (big ? a * 0x1p127f : a + a) * ::fmaf(h, em, big ? h : h - 0.5f);
}
/// e^x - 1, about 1 ulp, without the SFU; +inf past e^x's range (x > 88.72).
ACTBENCH_HOT float expm1(float x) {
  return expm1_times(x, 1.0f);
}

/// The device's e^x - 1 for x <= 0 (expm1_neg), callable on the host for its own test: 2^-22.5 relative
/// (2.07 f32 ulp, all floats in [-104, 0) on the host), branch-free (a third of expm1's instructions).
/// Below -ln 4: 2^(x log2 e) by the SFU, minus 1 - e^x <= 1/4 there, so ex2's error and t's rounding
/// (|t| 2^-24 relative in 2^t) reach the result scaled by e^x/(1 - e^x) <= 1/3.  Above: x + x^2 q(x), q of
/// degree 6 fitted on [-ln 4, 0] (tools/gen_narrow_coeffs.py, 2^-25.5 relative), as x (1 + x q(x)): two
/// more roundings (2^-23 at most) and the sign of a zero x kept.  x > 0 gives a meaningless value (callers
/// select x there).  NaN propagates (through q), -inf gives -1.
ACTBENCH_HOT float expm1_neg_split(float x) {
  constexpr float kLn4 = 1.38629436f;
  float q = 1.467889342e-05f;
  q = ::fmaf(q, x, 1.809732494e-04f);
  q = ::fmaf(q, x, 1.373227220e-03f);
  q = ::fmaf(q, x, 8.325963281e-03f);
  q = ::fmaf(q, x, 4.166499898e-02f);
  q = ::fmaf(q, x, 1.666665226e-01f);
  q = ::fmaf(q, x, 0.5f);
  const float near = x * ::fmaf(x, q, 1.0f);
  const float far = ex2(x * kL2E) - 1.0f;
  return f32::select(x < -kLn4, far, near);
}

/// e^x - 1 for x <= 0: expm1_neg_split on the device, and in the host model's test build (where the SFU
/// perturbation reaches its ex2); on the cpu backend expm1 (~1 ulp, inside the device's error), which costs
/// there half of expm1_neg_split with ex2's exact host stand-in.
ACTBENCH_HOT float expm1_neg(float x) {
#if ACTBENCH_DEVICE_PASS || defined(ACTBENCH_NARROW_HOST_MODEL)
  return expm1_neg_split(x);
#else
  return expm1_times<false>(x, 1.0f);
#endif
}

/// a (e^(x/a) - 1) for x < 0 and a != 0 (celu): q = div(x, a); for a > 0 (a kernel parameter: one way for every
/// thread) on the device a expm1_neg_split(max(q, -104)) (a quotient that overflows, or x = -inf, is NaN or
/// below -104, where e^q is 0 anyway), otherwise expm1_times(q, a): for a < 0 finite wherever the result is,
/// -inf at x = -inf.  On the cpu backend the latter for every a: one expm1 per element.
ACTBENCH_HOT float expm1_ratio_times(float x, float a) {
  const float q = div(x, a);
#if ACTBENCH_DEVICE_PASS || defined(ACTBENCH_NARROW_HOST_MODEL)
  if (a > 0.0f) return a * expm1_neg_split(max_num(q, -104.0f));
#endif
  return expm1_times(q, a);
}

/// log(1 + e) for e in [0, 1]: 2 atanh(s), s = e/(2 + e).
ACTBENCH_HOT float log1p_unit(float e) {
  const float s = div(e, 2.0f + e);
  const float s2 = s * s;  // <= 1/9
  // atanh(s)/s - 1 = s^2 p(s^2), p of degree 3 fitted on [0, 1/9] (tools/gen_narrow_coeffs.py: fit_atanh; the
  // series 1/3 + s^2/5 + ... would need degree 5): 2^-27.5 relative in atanh(s)
  float p = 1.400599331e-01f;
  p = ::fmaf(p, s2, 1.400090307e-01f);
  p = ::fmaf(p, s2, 2.001076341e-01f);
  p = ::fmaf(p, s2, 3.333320916e-01f);
  const float w = s + s;
  return ::fmaf(w * s2, p, w);
}

/// sigma(z) and sigma(-z) from e = e^-|z|: r = 1/(1 + e), then p = r, q = e r.  r is refined once for f16 data;
/// bf16 data (kTiny), whose budget is 2^-18, take rcp's 1 ulp as it is (two fma fewer).
struct Sig {
  float s, sc;  ///< sigma(z), sigma(-z)
  float e, r;   ///< e^-|z|, 1/(1 + e^-|z|)
};
/// 1/(1 + e) for e in [0, 2^125) (or NaN): refined once (recip) for f16 data, rcp's 1 ulp alone for bf16 (kTiny).
template <bool kTiny>
ACTBENCH_HOT float recip_one_plus(float e) {
  return kTiny ? rcp_normal(1.0f + e) : recip(1.0f + e);
}
template <bool kTiny, bool kInRange = false>
ACTBENCH_HOT Sig sig(float z) {
  const float e = exp<kTiny, kInRange, true>(-::fabsf(z));  // kInRange: z in [-104, 104] or NaN
  const float r = recip_one_plus<kTiny>(e);
  const float q = e * r;
  return z >= 0.0f ? Sig{r, q, e, r} : Sig{q, r, e, r};
}

}  // namespace narrow

/// true for bf16 storage: 16-bit results as small as 2^-133 exist (f32's exponent range).
template <class S>
inline constexpr bool kTinyResults = sizeof(S) == 2 && std::is_same<S, bf16_t>::value;

}  // namespace actbench
