// actbench/kernels/fp.hpp - IEEE operations no compiler may fuse, and the error-free transformations
// built on them.
//
// nvcc contracts a*b + c into one FMA by default (--fmad=true), across inlined functions and named
// temporaries, and ptxas fuses PTX mul/add that carry no rounding modifier.  An error-free
// transformation (TwoSum, TwoProd, a Cody-Waite reduction, a compensated sum) then counts a rounding
// error twice or not at all, and the host, built with -ffp-contract=off, never sees it.  So every
// step whose rounding matters goes through these functions:
//   device  __fadd_rn / __fmul_rn / __dadd_rn / __dmul_rn (never contracted), fmaf / fma (one rounding)
//   host    plain + and * (the host build uses -ffp-contract=off); with ACTBENCH_FP_GUARD defined, every
//           operand and result passes through an empty asm barrier, so that a test build with
//           -ffp-contract=fast contracts everything *except* these operations: any compensated step
//           written with plain operators then changes its result on the host too, and the f32 accuracy
//           tests of that build (target actbench_contract_guard_tests) fail.
// With every step of the precise f32 path written this way (and no SFU, no libm), host and device
// compute the same bits: the host's exhaustive accuracy check is the device's.
#pragma once

#include "config.hpp"

#include <cmath>

namespace actbench {
namespace fp {

#if !ACTBENCH_DEVICE_PASS && defined(ACTBENCH_FP_GUARD) && (defined(__x86_64__) || defined(__i386__))
template <class C>
inline C opaque(C v) {
  asm volatile("" : "+x"(v));  // the compiler cannot see through it: no fusion across it
  return v;
}
#else
template <class C>
ACTBENCH_HD C opaque(C v) {
  return v;
}
#endif

/// a + b, rounded once, never fused with a neighbouring multiply.
ACTBENCH_HD float add(float a, float b) {
#if ACTBENCH_DEVICE_PASS
  return __fadd_rn(a, b);
#else
  return opaque(opaque(a) + opaque(b));
#endif
}
ACTBENCH_HD double add(double a, double b) {
#if ACTBENCH_DEVICE_PASS
  return __dadd_rn(a, b);
#else
  return opaque(opaque(a) + opaque(b));
#endif
}
/// a - b, rounded once, never fused.
ACTBENCH_HD float sub(float a, float b) {
#if ACTBENCH_DEVICE_PASS
  return __fsub_rn(a, b);
#else
  return opaque(opaque(a) - opaque(b));
#endif
}
ACTBENCH_HD double sub(double a, double b) {
#if ACTBENCH_DEVICE_PASS
  return __dsub_rn(a, b);
#else
  return opaque(opaque(a) - opaque(b));
#endif
}
/// a * b, rounded once, never fused into a following add.
ACTBENCH_HD float mul(float a, float b) {
#if ACTBENCH_DEVICE_PASS
  return __fmul_rn(a, b);
#else
  return opaque(opaque(a) * opaque(b));
#endif
}
ACTBENCH_HD double mul(double a, double b) {
#if ACTBENCH_DEVICE_PASS
  return __dmul_rn(a, b);
#else
  return opaque(opaque(a) * opaque(b));
#endif
}
/// a * b + c with one rounding (meant as a fused operation).
ACTBENCH_HD float fma(float a, float b, float c) {
#if ACTBENCH_DEVICE_PASS
  return __fmaf_rn(a, b, c);
#else
  return opaque(std::fma(opaque(a), opaque(b), opaque(c)));
#endif
}
ACTBENCH_HD double fma(double a, double b, double c) {
#if ACTBENCH_DEVICE_PASS
  return __fma_rn(a, b, c);
#else
  return opaque(std::fma(opaque(a), opaque(b), opaque(c)));
#endif
}

/// c[0] x^(N-1) + ... + c[N-1] by Horner with explicit fma (coefficients highest first).  A constant trip count:
/// unrolled by nvcc, and GCC is told to (an inner loop would keep the cpu backend's loop over the elements from
/// vectorizing; nvcc's front end does not know the pragma), so that the coefficients are constants of the code.
template <class C, int N>
ACTBENCH_HOT C horner(C x, const C (&c)[N]) {
  C p = c[0];
#if !defined(__CUDACC__)
#pragma GCC unroll 16
#endif
  for (int k = 1; k < N; ++k) p = fma(p, x, c[k]);
  return p;
}

/// A value with its rounding error: hi + lo.
template <class C>
struct Pair {
  C hi, lo;
};

/// a + b = hi + lo exactly (Knuth's TwoSum, any a, b; finite).
template <class C>
ACTBENCH_HD Pair<C> two_sum(C a, C b) {
  const C s = add(a, b);
  const C bb = sub(s, a);
  const C lo = add(sub(a, sub(s, bb)), sub(b, bb));
  return {s, lo};
}

/// a + b = hi + lo exactly when |a| >= |b| or a == 0 (Dekker's Fast2Sum).
template <class C>
ACTBENCH_HD Pair<C> fast_two_sum(C a, C b) {
  const C s = add(a, b);
  return {s, sub(b, sub(s, a))};
}

/// a * b = hi + lo exactly (no overflow, no underflow of the low part).
template <class C>
ACTBENCH_HD Pair<C> two_prod(C a, C b) {
  const C p = mul(a, b);
  return {p, fma(a, b, -p)};
}

}  // namespace fp
}  // namespace actbench
