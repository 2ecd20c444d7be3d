// actbench/kernels/f64/exp.hpp - 2^(th + tl) in double from IEEE add/mul/fma only (kernels/fp.hpp).
//
// The f64 precise paths otherwise call the CUDA/libm double exp, whose device code is long (integer work
// for the scaling and the range checks) and whose result the host cannot reproduce bit for bit.  This one
// is a Cody-Waite reduction in base 2 and a Taylor polynomial: the same bits on host and device, no branch,
// no table.  Coefficients: 1/k! rounded to double.
#pragma once

#include "kernels/config.hpp"
#include "kernels/dtype.hpp"
#include "kernels/fp.hpp"

#include <cstdint>

namespace actbench {
namespace f64 {

inline constexpr double kLn2 = 0x1.62e42fefa39efp-1;     // ln2 rounded
inline constexpr double kLn2Lo = 0x1.abc9e3b39803fp-56;  // ln2 - kLn2
inline constexpr double kShift = 0x1.8p52;               // 1.5 * 2^52: adding it rounds to an integer
inline constexpr std::uint64_t kShiftBits = 0x4338000000000000u;  // its bits

/// 2^(th + tl) for th in [-1022, 1023] (a normal result; the formula holds for th in [-1022.5, 1023.5), outside
/// it the scale's bits wrap and the result is garbage, not saturated: callers keep th inside) and |tl| <= 2^-30
/// (e^rl is taken as 1 + rl; the callers' |tl| is ~2^-42): th = j + f (j an integer, f exact,
/// |f| <= 1/2), r = (f + tl) ln2 = rh + rl (|rh| <= 0.3466), e^rh = 1 + rh + rh^2 P(rh) with P the Taylor
/// polynomial to 1/13! (truncation < 2^-57 relative), e^rl as 1 + rl, then m 2^j with 2^j built from j's bits
/// (exact).  The last addition's rounding dominates: 0.63 ulp measured (tests/host/test_f64_exp.cpp).  NaN
/// propagates.
ACTBENCH_HOT double exp2_pair(double th, double tl) {
  const double T = fp::add(th, kShift);  // kShift + j: j in T's low bits
  const double j = fp::sub(T, kShift);
  const double f = fp::sub(th, j);  // exact
  const double rh = fp::mul(f, kLn2);
  const double rl = fp::fma(tl, kLn2, fp::fma(f, kLn2Lo, fp::fma(f, kLn2, -rh)));
  double p = 0x1.6124613a86d09p-33;  // 1/13!
  p = fp::fma(p, rh, 0x1.1eed8eff8d898p-29);
  p = fp::fma(p, rh, 0x1.ae64567f544e4p-26);
  p = fp::fma(p, rh, 0x1.27e4fb7789f5cp-22);
  p = fp::fma(p, rh, 0x1.71de3a556c734p-19);
  p = fp::fma(p, rh, 0x1.a01a01a01a01ap-16);
  p = fp::fma(p, rh, 0x1.a01a01a01a01ap-13);
  p = fp::fma(p, rh, 0x1.6c16c16c16c17p-10);
  p = fp::fma(p, rh, 0x1.1111111111111p-7);
  p = fp::fma(p, rh, 0x1.5555555555555p-5);
  p = fp::fma(p, rh, 0x1.5555555555555p-3);
  p = fp::fma(p, rh, 0.5);
  // e^(rh + rl) = (1 + rh) + rh^2 p + rl e^rh: 1 + rh = A + Al exactly (Fast2Sum, |rh| < 1), the small terms
  // (< 0.07) summed into Al, and A + that rounded once
  const double A = fp::add(1.0, rh);
  const double Al = fp::add(fp::sub(1.0, A), rh);
  const double t0 = fp::fma(fp::mul(rh, rh), p, Al);
  const double m = fp::add(A, fp::fma(rl, fp::add(A, t0), t0));
  const std::uint64_t jb = bit_cast<std::uint64_t>(T) - kShiftBits;  // j mod 2^64
  return fp::mul(m, bit_cast<double>((jb + 1023u) << 52));
}

}  // namespace f64
}  // namespace actbench
