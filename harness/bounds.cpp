// actbench/harness/bounds.cpp - the accuracy bound of every (activation, direction, dtype, variant).
//
// precise   f16/bf16: 0.5 ulp + 2^-10 (correctly rounded up to the f32 math's error, which is
//           2^13 (f16) / 2^16 (bf16) times smaller than a 16-bit ulp).  16-bit data run the narrow
//           paths of kernels/narrow.hpp (SFU exp2/rcp, series, no double); the host tests hold every
//           16-bit input to this bound also with the SFU results at their documented worst error.
//           f32: 2 ulp on every input (kernels/f32: float only, no library call, so the host's exhaustive
//           check is the device's; CUDA's own libdevice functions are 1-4 ulp).  f64: measured on the host against
//           the long-double reference (tests/host/test_precise_vs_reference.cpp prints the table).
//           Derivatives with an interior zero (swish, gelu, gelu_tanh, mish, hardswish) also pass
//           within an absolute error of a few eps of the compute type: next to the zero the ULP
//           error of any formula evaluated in that type explodes (docs/ACCURACY.md).
// bwd       2x the derivative's bound + 0.5 for f32/f64 (the product dy*f'(x) rounded once in the
//           compute type, f' and the product possibly in binades of different relative ulp size);
//           16-bit data computes the product in f32 and rounds once to 16 bits, so it adds only
//           the f32 product's rounding (2^-13 / 2^-16 of a 16-bit ulp): + 2^-10.
// fast      f32 data only: from CUDA's documented errors (programming guide, CUDA 13, "intrinsic
//           functions"): see fast_bound() below.  The host has no intrinsics (its fast functors run the
//           stable formulas on libm float math), so host tests see only part of this error; the GPU
//           tests and a GPU run measure the rest.
// The per-activation inputs (f64 bound, fast error, interior-zero allowances) are in each activation's
// catalog row (kernels/activations.hpp, BoundInputs); this file holds the reasoning that combines them.
// textbook  held to the precise bound: the textbook formulas are expected to fail it.
#include "harness/bounds.hpp"

#include "kernels/catalog.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>

namespace actbench {
namespace {

constexpr double kHalfPlus = 0.5 + 1.0 / 1024;  // 0.5 ulp + 2^-10
constexpr double kFltMin = 1.1754943508222875e-38;      // 2^-126

/// The absolute allowance of a derivative next to its interior zero (the row's BoundInputs), where the ULP
/// error of any formula evaluated in the compute type explodes (docs/ACCURACY.md).  Only where the precise
/// form needs one, sized from the measured worst absolute error there (test_precise_vs_reference prints
/// ulp|abs), with margin: a wider allowance would also hide real failures in the derivative's tail
/// (textbook gelu'(-6)).  Today only swish' with beta != 1, whose zero moves off the expansions: f16 2^-20,
/// f64 2^-52.  f32 needs none (kernels/f32 expands f' around its zero in z = beta x, so for every beta); the
/// f64 and 16-bit gelu_tanh', mish' and silu' are expanded around their zeros, and gelu' carries its zero in a factor
/// a0 - |x| (kernels/activations.hpp).
double interior_zero_abs(Activation a, DType t, const Params& params) {
  // swish' at beta = 1 (silu') is expanded around its zero in every dtype: no allowance
  if (a == Activation::swish && params.swish_beta == 1.0) return 0.0;
  const BoundInputs& b = info(a).bounds;
  switch (t) {
    case DType::f16: return b.zero_abs_f16;
    case DType::bf16: return 0.0;
    case DType::f32: return b.zero_abs_f32;
    case DType::f64: return b.zero_abs_f64;
  }
  return 0.0;
}

bool is_16bit(DType t) { return t == DType::f16 || t == DType::bf16; }

AccuracyBound precise_bound(Activation a, Direction d, DType t, const Params& params) {
  AccuracyBound b;
  const double zabs = d != Direction::fwd ? interior_zero_abs(a, t, params) : 0.0;
  const bool zero = zabs > 0;
  b.abs = zabs;
  switch (t) {
    case DType::f16:
    case DType::bf16:
      b.ulp = kHalfPlus;
      b.why = std::string("16-bit data, f32 math rounded once: correctly rounded up to the f32 error (") +
              (t == DType::f16 ? "2^-13" : "2^-16") + " of a 16-bit ulp per f32 ulp): 0.5 ulp + 2^-10";
      if (zero)
        b.why += "; for beta != 1, near the interior zero of f' the f32 evaluation's absolute error (~2^-24) "
                 "exceeds the ulp of a small 16-bit result: abs 2^-20";
      break;
    case DType::f32:
      b.ulp = 2.0;
      b.why = "f32: float only (kernels/f32: exact argument reductions, float pairs, fitted polynomials; no double, "
              "no libm or SFU call), the same bits on host and device: <= 2 ulp on every one of the 2^32 inputs";
      if (zero)
        b.why += "; for parameters other than the default the zero of f' moves off the fitted expansion: abs "
                 "allowance (docs/ACCURACY.md)";
      break;
    case DType::f64:
      b.ulp = info(a).bounds.f64_ulp;
      b.why = "f64: the stable formulas in double (fma-compensated arguments and divisions; kernels/f64/ and "
              "fitted rational functions where a library call was the cost); bound = the maximum measured on the "
              "host against the long-double reference, rounded up, plus CUDA's extra error over glibc where a "
              "library function remains (exp/expm1/log1p/tanh 1 ulp, erfc 5 ulp on CUDA)";
      if (zero)
        b.why += "; for beta != 1, near the interior zero of f' (off the beta = 1 expansion) the terms cancel in "
                 "f64: abs 2^-52 (measured <= 1e-16)";
      break;
  }
  if (d == Direction::bwd) {
    if (is_16bit(t)) {
      b.ulp += 1.0 / 1024;
      b.why += "; bwd: dy*f' in f32 then one rounding to 16 bits: + 2^-10";
    } else {
      // b ulp of f' is a relative error of up to b*2^(1-p); the product may sit just under a power
      // of two where its ulp is half as large relative to it: 2b ulp, plus the product's rounding.
      b.ulp = 2 * b.ulp + 0.5;
      b.why += "; bwd: 2x the derivative's bound (f' and dy*f' may fall in binades of different relative "
               "ulp size) + 0.5 ulp for the rounding of dy*f'";
    }
    if (zero) b.why += " (abs x4: |dy| <= 4 in the accuracy inputs)";
    b.abs *= 4;  // |dy| <= 4 in the accuracy inputs (bwd_dy)
  }
  return b;
}

/// fast: what the intrinsics cost, relative to the f32 result (the row's fast_rel_ulp_*), then expressed
/// per dtype.  The rows' figures come from CUDA's documented errors:
///   __expf(a): 2 + floor(1.173|a|) ulp; the exp arguments of a non-zero f32 result reach |a| ~ 104
///     (e^-104 is the last f32 subnormal), so up to ~124 ulp = 2^-16 relative (exp-based: 140).
///   __logf: 2^-21.41 absolute on [0.5, 2]: log1p(e) ~ e >= 2^-7 then carries up to 2^-14.4 relative
///     (softplus fwd: 1024).
///   tanh.approx.f32: 2^-11 relative (tanh fwd: 8192).  __fdividef: 2 ulp.  rcp.approx: 1 ulp (softsign: 4).
///   expm1 (polynomial below 2^-6, __expf(x)-1 above): 64 (elu, selu, celu); erfcf 4 ulp + __expf in the
///   argument correction: 16 (gelu).
///   The .ftz forms flush f32 subnormal results to zero: abs 2^-126 covers them.
double fast_rel_ulp(Activation a, Direction d) {
  const BoundInputs& b = info(a).bounds;
  return d == Direction::fwd ? b.fast_rel_ulp_fwd : b.fast_rel_ulp_deriv;
}

AccuracyBound fast_bound(Activation a, Direction d, DType t, const Params& params) {
  if (t == DType::f64) {
    AccuracyBound b = precise_bound(a, d, t, params);
    b.why = "fast f64 = precise f64 (the hardware approximations are f32-only); " + b.why;
    return b;
  }
  const Direction dd = d == Direction::bwd ? Direction::deriv : d;
  const double rel = fast_rel_ulp(a, dd);
  AccuracyBound p = precise_bound(a, d, t, params);
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
  if (d == Direction::bwd) b.ulp = t == DType::f32 ? 2 * b.ulp + 0.5 : b.ulp + 1.0 / 1024;
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

AccuracyBound accuracy_bound(Activation a, Direction d, DType t, Variant v, const Params& params) {
  switch (v) {
    case Variant::fast: return fast_bound(a, d, t, params);
    case Variant::textbook: {
      AccuracyBound b = precise_bound(a, d, t, params);
      b.why = "textbook is held to the precise bound (it is expected to fail it: that is the point): " + b.why;
      return b;
    }
    case Variant::precise: break;
  }
  return precise_bound(a, d, t, params);
}

}  // namespace actbench
