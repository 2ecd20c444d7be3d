// actbench/kernels/math.hpp - the math primitives each variant computes with.
//
// math<Variant::precise>  accurate library math: CUDA libdevice on the device, libm on the host;
//                         exp(float) is detail::exp_f32, the same bits on both sides.
// math<Variant::fast>     hardware approximations on the device (f32 only): __expf, ex2.approx,
//                         tanh.approx, rcp.approx, __fdividef, __logf.  On the host (no intrinsics)
//                         these primitives are precise's; the fast *functors* still differ from the
//                         precise ones on the host, since fast never widens to double
//                         (kernels/activations.hpp), so host tests see part of fast's error only.
// math<Variant::textbook> the same primitives as precise; the textbook variant differs in its
//                         *formulas* (activations.hpp), not in its library calls.
//
// Each primitive is overloaded for float and double.  Fast f64 math is the precise math: the
// hardware approximations are f32-only.  Besides the library functions there are the exact helpers
// every stable formula needs (fabs, copysign, fma, the error-free two_prod) and infinity<C>().
#pragma once

#include "axes.hpp"
#include "config.hpp"
#include "dtype.hpp"
#include "fp.hpp"

#include <cmath>
#include <cstdint>
#include <limits>

namespace actbench {

template <Variant V>
struct math;

namespace detail {
/// e^x in f32 from plain arithmetic (no libm, no SFU), so that host and device compute the same bits
/// (up to nvcc's contraction, which this function leaves nothing to contract): Cody-Waite reduction
/// x = j ln2 + r, |r| <= 0.347, e^r = 1 + (r + r^2 p(r)) with p the degree-5 Taylor polynomial of
/// (e^r - 1 - r)/r^2 (truncation < 2^-26), then 2^j from the exponent bits, in two steps where 2^j
/// is not a normal float (one rounding into the subnormal range).  At most ~0.82 ulp
/// (tests/host/test_narrow.cpp); subnormal results, overflow to inf, e^-inf = 0, NaN kept.
/// CUDA's expf is documented at 2 ulp and glibc's at < 1: f32 bounds measured on the host with either
/// would not carry over to the device; with this one they do.
/// (e^r - 1 - r)/r^2 for |r| <= 0.347: the degree-5 Taylor polynomial 1/2 + r/6 + ... + r^5/5040
/// (truncation < 2^-26 relative to e^r - 1).  Shared by exp_f32 and narrow::expm1.
ACTBENCH_HOT float expm1_poly(float r) {
  float p = 1.98412701e-04f;
  p = ::fmaf(p, r, 1.38888892e-03f);
  p = ::fmaf(p, r, 8.33333377e-03f);
  p = ::fmaf(p, r, 4.16666679e-02f);
  p = ::fmaf(p, r, 1.66666672e-01f);
  return ::fmaf(p, r, 0.5f);
}

ACTBENCH_HD float exp_f32(float x) {
  if (!(x > -104.0f)) return x != x ? x : 0.0f;  // below 2^-150: 0 (and -inf)
  if (x > 89.0f) return fp::mul(fp::mul(x, 0x1p127f), 2.0f);  // inf (x finite or inf); keeps NaN out of the way
  const float j = ::rintf(x * 1.44269502e+00f);  // |j| <= 129
  float r = ::fmaf(j, -6.93145752e-01f, x);      // j * ln2_hi exact (ln2_hi has 9 trailing zero bits)
  r = ::fmaf(j, -1.42860677e-06f, r);
  const float p = expm1_poly(r);
  // y = (1 + r) + r^2 p with the rounding of 1 + r carried (Fast2Sum): one final rounding.
  const float s = 1.0f + r;
  const float y = s + ::fmaf(p * r, r, (1.0f - s) + r);
  const int k = static_cast<int>(j);
  const int k1 = k / 2, k2 = k - k1;  // each in [-75, 65]: 2^k1, 2^k2 normal
  const float s1 = bit_cast<float>(static_cast<std::uint32_t>(k1 + 127) << 23);
  const float s2 = bit_cast<float>(static_cast<std::uint32_t>(k2 + 127) << 23);
  return fp::mul(fp::mul(y, s1), s2);  // sealed: a caller's add never fuses with the scaling
}
}  // namespace detail

template <>
struct math<Variant::precise> {
  // float
  static ACTBENCH_HD float exp(float x) { return detail::exp_f32(x); }  // the same bits on host and device
  static ACTBENCH_HD float expm1(float x) { return ::expm1f(x); }
  static ACTBENCH_HD float log1p(float x) { return ::log1pf(x); }
  static ACTBENCH_HD float log(float x) { return ::logf(x); }
  static ACTBENCH_HD float tanh(float x) { return ::tanhf(x); }
  static ACTBENCH_HD float erf(float x) { return ::erff(x); }
  static ACTBENCH_HD float erfc(float x) { return ::erfcf(x); }
  static ACTBENCH_HD float rcp(float x) { return 1.0f / x; }
  static ACTBENCH_HD float div(float a, float b) { return a / b; }
  // exact helpers (identical in every variant)
  static ACTBENCH_HD float fabs(float x) { return ::fabsf(x); }
  static ACTBENCH_HD float copysign(float x, float s) { return ::copysignf(x, s); }
  static ACTBENCH_HD float fma(float a, float b, float c) { return ::fmaf(a, b, c); }
  // double
  static ACTBENCH_HD double exp(double x) { return ::exp(x); }
  static ACTBENCH_HD double expm1(double x) { return ::expm1(x); }
  static ACTBENCH_HD double log1p(double x) { return ::log1p(x); }
  static ACTBENCH_HD double log(double x) { return ::log(x); }
  static ACTBENCH_HD double tanh(double x) { return ::tanh(x); }
  static ACTBENCH_HD double erf(double x) { return ::erf(x); }
  static ACTBENCH_HD double erfc(double x) { return ::erfc(x); }
  static ACTBENCH_HD double rcp(double x) { return 1.0 / x; }
  static ACTBENCH_HD double div(double a, double b) { return a / b; }
  static ACTBENCH_HD double fabs(double x) { return ::fabs(x); }
  static ACTBENCH_HD double copysign(double x, double s) { return ::copysign(x, s); }
  static ACTBENCH_HD double fma(double a, double b, double c) { return ::fma(a, b, c); }

  template <class C>
  static ACTBENCH_HD C infinity() {
    return std::numeric_limits<C>::infinity();
  }
};

template <>
struct math<Variant::textbook> : math<Variant::precise> {};

template <>
struct math<Variant::fast> : math<Variant::precise> {
  using math<Variant::precise>::exp;
  using math<Variant::precise>::expm1;
  using math<Variant::precise>::tanh;
  using math<Variant::precise>::rcp;
  using math<Variant::precise>::div;
  using math<Variant::precise>::log1p;
  using math<Variant::precise>::log;
#if ACTBENCH_DEVICE_PASS
  /// 2^x by the SFU: ex2.approx.ftz.f32, 2 ulp (documented), subnormal results flushed.
  static __device__ __forceinline__ float exp2(float x) {
    float y;
    asm("ex2.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(x));
    return y;
  }
  /// __expf: 2 + floor(1.173|x|) ulp (ex2.approx of x*log2e).
  static __device__ __forceinline__ float exp(float x) { return __expf(x); }
  /// e^x - 1 with the leading cancellation kept for small |x| (|x| < 2^-6: x + x^2/2 + x^3/6);
  /// elsewhere __expf(x) - 1 (absolute error ~2^-22 near 0: the fast bound states it).
  static __device__ __forceinline__ float expm1(float x) {
    if (::fabsf(x) < 0.015625f) return ::fmaf(x * x, ::fmaf(x, 0.16666667f, 0.5f), x);
    return __expf(x) - 1.0f;
  }
  static __device__ __forceinline__ float log(float x) { return __logf(x); }
  /// log(1+x): __logf(1+x), with x kept for tiny x (where 1+x rounds to 1).
  static __device__ __forceinline__ float log1p(float x) {
    if (::fabsf(x) < 0.0078125f) return x * ::fmaf(x, ::fmaf(x, 0.33333334f, -0.5f), 1.0f);
    return __logf(1.0f + x);
  }
  /// tanh.approx.f32: 2^-11 relative error (sm_75+).
  static __device__ __forceinline__ float tanh(float x) {
    float y;
    asm("tanh.approx.f32 %0, %1;" : "=f"(y) : "f"(x));
    return y;
  }
  /// rcp.approx.ftz.f32: 1 ulp, subnormal results flushed.
  static __device__ __forceinline__ float rcp(float x) {
    float y;
    asm("rcp.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(x));
    return y;
  }
  /// __fdividef: 2 ulp for |b| in [2^-126, 2^126]; 0 for 2^126 < |b| < 2^128.
  static __device__ __forceinline__ float div(float a, float b) { return __fdividef(a, b); }
#endif
};

}  // namespace actbench
