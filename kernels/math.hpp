// actbench/kernels/math.hpp - the math primitives each variant computes with.
//
// math<Variant::precise>  accurate library math (CUDA libdevice on the device, libm on the host).
// math<Variant::fast>     hardware approximations on the device: __expf / ex2.approx, tanh.approx,
//                         rcp.approx, __fdividef, __logf.  A host build cannot use device intrinsics:
//                         there `fast` computes exactly what `precise` computes (libm), and
//                         math<fast>::kHostIsPrecise says so.
// math<Variant::textbook> the same primitives as precise; the textbook variant differs in its
//                         *formulas* (activations.hpp), not in its library calls.
//
// Each primitive is overloaded for float and double.  Fast f64 math is the precise math:
// the hardware approximations are f32-only.
#pragma once

#include "catalog.hpp"
#include "config.hpp"

#include <cmath>

namespace actbench {

template <Variant V>
struct math;

template <>
struct math<Variant::precise> {
  // float
  static ACTBENCH_HD float exp(float x) { return ::expf(x); }
  static ACTBENCH_HD float expm1(float x) { return ::expm1f(x); }
  static ACTBENCH_HD float log1p(float x) { return ::log1pf(x); }
  static ACTBENCH_HD float log(float x) { return ::logf(x); }
  static ACTBENCH_HD float tanh(float x) { return ::tanhf(x); }
  static ACTBENCH_HD float erf(float x) { return ::erff(x); }
  static ACTBENCH_HD float erfc(float x) { return ::erfcf(x); }
  static ACTBENCH_HD float rcp(float x) { return 1.0f / x; }
  static ACTBENCH_HD float div(float a, float b) { return a / b; }
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
};

template <>
struct math<Variant::textbook> : math<Variant::precise> {};

template <>
struct math<Variant::fast> : math<Variant::precise> {
  /// True when this build's host code computes fast == precise (always: no intrinsics on the host).
  static constexpr bool kHostIsPrecise = true;
  using math<Variant::precise>::exp;
  using math<Variant::precise>::expm1;
  using math<Variant::precise>::tanh;
  using math<Variant::precise>::rcp;
  using math<Variant::precise>::div;
  using math<Variant::precise>::log1p;
  using math<Variant::precise>::log;
#if ACTBENCH_DEVICE_PASS
  static __device__ __forceinline__ float exp(float x) { return __expf(x); }
  static __device__ __forceinline__ float expm1(float x) { return __expf(x) - 1.0f; }
  static __device__ __forceinline__ float log(float x) { return __logf(x); }
  static __device__ __forceinline__ float log1p(float x) { return __logf(1.0f + x); }
  static __device__ __forceinline__ float tanh(float x) {
    float y;
    asm("tanh.approx.f32 %0, %1;" : "=f"(y) : "f"(x));
    return y;
  }
  static __device__ __forceinline__ float rcp(float x) {
    float y;
    asm("rcp.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(x));
    return y;
  }
  static __device__ __forceinline__ float div(float a, float b) { return __fdividef(a, b); }
#endif
};

}  // namespace actbench
