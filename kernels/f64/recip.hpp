// actbench/kernels/f64/recip.hpp - 1/(d + dl) in double from the f32 SFU's reciprocal and two Newton steps.
//
// An IEEE double quotient is a branchy device sequence (MUFU.RCP64H, five fma, a range check and a call to a slow
// path), and a caller whose divisor is itself a pair needs four operations more to correct for its low part.
// This one seeds from the f32 reciprocal of d rounded to float (narrow::rcp_normal: rcp.approx.ftz.f32 on the
// device, 2^-23 relative; the IEEE f32 quotient on the host), then two Newton steps in double, the second one
// taking dl in: 2 conversions, 1 SFU and 5 fma, no branch.
#pragma once

#include "kernels/config.hpp"
#include "kernels/fp.hpp"
#include "kernels/narrow.hpp"  // rcp_normal: the SFU's f32 reciprocal on the device, the IEEE quotient on the host

namespace actbench {
namespace f64 {

/// One Newton step for 1/d from r ~ 1/d: r + r (1 - d r), two fma.
ACTBENCH_HOT double newton_step(double d, double r) { return fp::fma(r, fp::fma(-d, r, 1.0), r); }

/// The seed of 1/d: the f32 reciprocal of d rounded to float (narrow::rcp_normal: the SFU's on the device).
ACTBENCH_HOT double recip_seed(double d) { return static_cast<double>(narrow::rcp_normal(static_cast<float>(d))); }

/// The two Newton steps from a seed r0 ~ 1/d (the second one takes dl in).
ACTBENCH_HOT double recip_pair_from(double d, double dl, double r0) {
  const double r1 = newton_step(d, r0);
  return fp::fma(r1, fp::fma(-dl, r1, fp::fma(-d, r1, 1.0)), r1);
}

/// 1/(d + dl) for d in [2^-125, 2^125] (its float normal, its reciprocal too) and |dl| <= ulp(d).  The seed's
/// relative error e0 is below 2^-22.4 (the float rounding of d and the seed's own), the first step leaves
/// ~e0^2 < 2^-44, the second ~2^-88 plus its own rounding: the result is 1/(d + dl) correctly rounded except where
/// that lies within ~2^-86 relative of a midpoint between two doubles (then either neighbour), so host and device
/// (whose seeds differ) agree bit for bit except in such cases (tests/host/test_f64_exp.cpp perturbs the seed).
/// NaN propagates.
ACTBENCH_HOT double recip_pair(double d, double dl) {
  return recip_pair_from(d, dl, recip_seed(d));
}

/// 1/d without a low part: recip_pair's steps less the fma that takes dl in (4 fma), from a seed r0 ~ 1/d.
ACTBENCH_HOT double recip_from(double d, double r0) { return newton_step(d, newton_step(d, r0)); }

/// recip_pair(d, 0) in one fma fewer: the same range, rounding and seed independence.
ACTBENCH_HOT double recip(double d) {
  return recip_from(d, recip_seed(d));
}

}  // namespace f64
}  // namespace actbench
