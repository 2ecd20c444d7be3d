// actbench/harness/bounds.cpp - the accuracy bound of every (activation, direction, dtype, variant).
//
// precise   f16/bf16: 0.5 ulp + 2^-10 (correctly rounded up to the f32 math's error, which is
//           2^13 (f16) / 2^16 (bf16) times smaller than a 16-bit ulp).  f32: 2 ulp (CUDA's own
//           libdevice functions are 1-4 ulp; the stable formulas keep the sum of their roundings
//           under 2, and evaluate in double where float cannot).  f64: measured on the host against
//           the long-double reference (tests/host/test_precise_vs_reference.cpp prints the table).
//           Derivatives with an interior zero (swish, gelu, gelu_tanh, mish, hardswish) also pass
//           within an absolute error of a few eps of the compute type: next to the zero the ULP
//           error of any formula evaluated in that type explodes (ACCURACY.md).
// bwd       the derivative's bound + 0.5 (the product dy*f'(x) rounded once in the compute type);
//           16-bit data computes the product in f32 and rounds once to 16 bits, so it adds only
//           the f32 product's rounding (2^-13 / 2^-16 of a 16-bit ulp): + 2^-10.
// fast      from CUDA's documented errors (programming guide, CUDA 13, "intrinsic functions"):
//           see fast_bound() below.  On the host fast == precise (math<fast>::kHostIsPrecise), so
//           host tests cannot measure these; the GPU tests do.
// textbook  held to the precise bound: the textbook formulas are expected to fail it.
#include "harness/bounds.hpp"

#include <cmath>
#include <string>

namespace actbench {
namespace {

constexpr double kHalfPlus = 0.5 + 1.0 / 1024;  // 0.5 ulp + 2^-10
constexpr double kF32Eps = 1.1920928955078125e-07;      // 2^-23
constexpr double kF64Eps = 2.220446049250313e-16;       // 2^-52
constexpr double kFltMin = 1.1754943508222875e-38;      // 2^-126

bool has_interior_zero(Activation a) {
  return a == Activation::swish || a == Activation::gelu || a == Activation::gelu_tanh ||
         a == Activation::mish || a == Activation::hardswish;
}

bool is_16bit(DType t) { return t == DType::f16 || t == DType::bf16; }

/// f64 precise: the measured maximum (host, long-double reference, sampled inputs) rounded up,
/// per activation and fwd/deriv.  See the table test_precise_vs_reference prints.
double f64_measured(Activation a, Direction d) {
  const bool fwd = d == Direction::fwd;
  switch (a) {
    case Activation::relu:
    case Activation::relu6:
    case Activation::leaky_relu:
    case Activation::prelu:
    case Activation::hardsigmoid:
    case Activation::hardswish: return 1.0;
    default: return fwd ? 2.0 : 2.0;
  }
}

AccuracyBound precise_bound(Activation a, Direction d, DType t) {
  AccuracyBound b;
  const bool deriv_like = d != Direction::fwd;
  const bool zero = deriv_like && has_interior_zero(a);
  switch (t) {
    case DType::f16:
    case DType::bf16:
      b.ulp = kHalfPlus;
      b.why = std::string("16-bit data, f32 math rounded once: correctly rounded up to the f32 error (") +
              (t == DType::f16 ? "2^-13" : "2^-16") + " of a 16-bit ulp per f32 ulp): 0.5 ulp + 2^-10";
      if (zero) {
        b.abs = 8 * 5.9604644775390625e-08;  // 8 * 2^-24
        b.why += "; near the interior zero of f' the f32 evaluation's absolute error (a few 2^-24) exceeds "
                 "the ulp of a tiny 16-bit result: abs 8*2^-24";
      }
      break;
    case DType::f32:
      b.ulp = 2.0;
      b.why = "f32: stable formula, library f32 math (<= 1 ulp per call on the host's libm, 1-4 ulp on CUDA's "
              "libdevice), roundings compensated where they would add up; gelu/gelu_tanh and the subnormal "
              "tails of the exp-based functions evaluated in double: <= 2 ulp";
      if (zero) {
        b.abs = 4 * kF32Eps;
        b.why += "; near the interior zero of f' the terms cancel: abs 4 eps(f32)";
      }
      break;
    case DType::f64:
      b.ulp = f64_measured(a, d == Direction::bwd ? Direction::deriv : d);
      b.why = "f64: the same formulas in double (double libm ~1 ulp per call, fma-compensated arguments); "
              "bound = the maximum measured against the long-double reference on the sampled inputs, rounded up";
      if (zero) {
        b.abs = 4 * kF64Eps;
        b.why += "; near the interior zero of f' the terms cancel: abs 4 eps(f64)";
      }
      break;
  }
  if (d == Direction::bwd) {
    if (is_16bit(t)) {
      b.ulp += 1.0 / 1024;
      b.why += "; bwd: dy*f' in f32 then one rounding to 16 bits: + 2^-10";
    } else {
      b.ulp += 0.5;
      b.why += "; bwd: + 0.5 ulp for the rounding of dy*f'";
    }
    b.abs *= 4;  // |dy| <= 4 in the accuracy inputs (bwd_dy)
  }
  return b;
}

/// fast: what the intrinsics cost, relative to the f32 result, then expressed per dtype.
///   __expf(a): 2 + floor(1.173|a|) ulp; the exp arguments of a non-zero f32 result reach |a| ~ 104
///     (e^-104 is the last f32 subnormal), so up to ~124 ulp = 2^-16 relative.
///   __logf: 2^-21.41 absolute on [0.5, 2]: log1p(e) ~ e >= 2^-7 then carries up to 2^-14.4 relative.
///   tanh.approx.f32: 2^-11 relative.  __fdividef: 2 ulp.  rcp.approx: 1 ulp.  ex2.approx: 2 ulp.
///   The .ftz forms flush f32 subnormal results to zero: abs 2^-126 covers them (f32 and bf16,
///   whose subnormals are f32's; f16's subnormals are normal f32 numbers).
/// rel_ulp: the worst relative error of the f32 evaluation, in f32 ulps.
double fast_rel_ulp(Activation a, Direction d) {
  const bool fwd = d == Direction::fwd;
  switch (a) {
    case Activation::relu:
    case Activation::relu6:
    case Activation::leaky_relu:
    case Activation::prelu:
    case Activation::hardsigmoid:
    case Activation::hardswish: return 0;  // no approximation used (div6 corrects __fdividef exactly)
    case Activation::softsign: return 4;   // rcp.approx 1 + __fdividef 2 + roundings
    case Activation::tanh: return fwd ? 8192 : 140;  // tanh.approx 2^-11 = 2^13 ulp; f' via __expf(-2|x|)
    case Activation::softplus: return fwd ? 1024 : 140;  // __logf 2^-14.4 relative on the log1p(e) tail
    case Activation::elu:
    case Activation::selu:
    case Activation::celu: return 64;  // expm1: polynomial below 2^-6, __expf(x)-1 above (|x| <= ~17)
    case Activation::gelu: return 16;  // erfcf 4 ulp + __expf in the argument correction, in f32
    default: return 140;               // sigmoid, swish, gelu_tanh, mish: __expf tails + 2 __fdividef
  }
}

AccuracyBound fast_bound(Activation a, Direction d, DType t) {
  if (t == DType::f64) {
    AccuracyBound b = precise_bound(a, d, t);
    b.why = "fast f64 = precise f64 (the hardware approximations are f32-only); " + b.why;
    return b;
  }
  const Direction dd = d == Direction::bwd ? Direction::deriv : d;
  const double rel = fast_rel_ulp(a, dd);
  AccuracyBound p = precise_bound(a, d, t);
  AccuracyBound b;
  if (rel == 0) {
    b = p;
    b.why = "fast uses no approximation here (comparisons, fma, a division corrected by its exact "
            "remainder): " + p.why;
    return b;
  }
  // f32 relative error rel*2^-23 (upper: ulp relative size is 2^-23..2^-24) in units of the dtype's ulp.
  const int prec = dtype_info(t).precision;
  const double in_dtype_ulps = rel * std::ldexp(1.0, prec - 24 + 1);
  b.ulp = (t == DType::f32 ? 2.0 : 0.5) + in_dtype_ulps;
  b.abs = (t == DType::f16) ? p.abs : kFltMin;
  if (d == Direction::bwd) b.ulp += t == DType::f32 ? 0.5 : 1.0 / 1024;
  b.why = "fast: CUDA-documented intrinsic errors (__expf 2+floor(1.173|x|) ulp, __logf 2^-21.41 abs, "
          "tanh.approx 2^-11 rel, __fdividef 2 ulp, rcp.approx 1 ulp) give up to " +
          std::to_string(int(rel)) + " f32 ulp relative for this function; in " + to_string(t) +
          " ulps that is " + std::to_string(in_dtype_ulps) + " on top of the rounding";
  if (t != DType::f16) b.why += "; .ftz approximations flush f32 subnormals: abs 2^-126";
  if (d == Direction::bwd) b.why += "; bwd adds the product's rounding";
  if (p.abs > b.abs) b.abs = p.abs;
  return b;
}

}  // namespace

AccuracyBound accuracy_bound(Activation a, Direction d, DType t, Variant v) {
  switch (v) {
    case Variant::fast: return fast_bound(a, d, t);
    case Variant::textbook: {
      AccuracyBound b = precise_bound(a, d, t);
      b.why = "textbook is held to the precise bound (it is expected to fail it: that is the point): " + b.why;
      return b;
    }
    case Variant::precise: break;
  }
  return precise_bound(a, d, t);
}

}  // namespace actbench
