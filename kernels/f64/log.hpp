// actbench/kernels/f64/log.hpp - log(1 + e) for e in [0, 1] in double from IEEE add/mul/fma and
// f64::recip_pair: softplus's log1p(e^-|x|) without a libm call.
#pragma once

#include "kernels/config.hpp"
#include "kernels/f64/exp.hpp"
#include "kernels/f64/recip.hpp"
#include "kernels/fp.hpp"

namespace actbench {
namespace f64 {

/// log(1 + e) for e in [0, 1] (NaN propagates).  With k = [e > 1/2] and f = e (k = 0) or (e - 1)/2 (k = 1; exact,
/// e - 1 by Sterbenz), 1 + e = 2^k (1 + f) and f is in (-1/4, 1/2], exact, so that no rounding of 1 + e is
/// carried.  log(1 + f) = 2 atanh(s), s = f/(2 + f) in [-1/7, 1/5], written as f - (f^2/2 - s (f^2/2 + R)) with
/// R = z P(z) = 2 atanh(s)/s - 2, z = s^2 <= 0.04, P of degree 7 (tools/gen_f64_coeffs.py: 2^-59.2 absolute), and
/// k ln2 added as kLn2 + kLn2Lo (the form of fdlibm's log1p).  f's exactness leaves the roundings of f^2/2, of the
/// correction and of the last subtractions: about 1 ulp (tests/host/test_f64_exp.cpp measures it).
ACTBENCH_HOT double log1p_unit(double e) {
  const bool k = e > 0.5;
  const double f = k ? fp::mul(fp::sub(e, 1.0), 0.5) : e;
  const double s = fp::mul(f, recip_pair(fp::add(2.0, f), 0.0));  // its error enters only times s (< 0.07 of f)
  const double z = fp::mul(s, s);
  constexpr double kP[] = {0x1.169c38cc826bep-3, 0x1.0e8c55b42945fp-3, 0x1.3b29d0452d426p-3,
                           0x1.745cac43cc003p-3, 0x1.c71c72df580fcp-3, 0x1.24924923de6edp-2,
                           0x1.9999999999f17p-2, 0x1.5555555555555p-1};  // z^7 .. z^0
  const double p = fp::horner(z, kP);
  const double hf = fp::mul(0.5, f);
  const double hfsq = fp::mul(hf, f), hfsql = fp::fma(hf, f, -hfsq);  // f^2/2 exactly
  const double corr = fp::sub(hfsq, fp::sub(fp::fma(s, fp::fma(z, p, hfsq), k ? kLn2Lo : 0.0), hfsql));
  return fp::sub(k ? kLn2 : 0.0, fp::sub(corr, f));
}

}  // namespace f64
}  // namespace actbench
