// actbench/kernels/f64/exp.hpp - e^(xh + xl) in double from IEEE add/mul/fma only (kernels/fp.hpp).
//
// The f64 precise paths otherwise call the CUDA/libm double exp, whose device code is long (integer work
// for the scaling and the range checks) and whose result the host cannot reproduce bit for bit.  This one
// is a Cody-Waite reduction and a short fitted polynomial: the same bits on host and device, no branch, no lookup.
#pragma once

#include "kernels/config.hpp"
#include "kernels/dtype.hpp"
#include "kernels/fp.hpp"

#include <cstdint>

namespace actbench {
namespace f64 {

// tools/gen_f64_coeffs.py prints these.  21-bit constants (the low 32 bits zero) are immediates in SASS.
inline constexpr double kL2E = 0x1.71547p+0;                      // log2(e) to 21 bits: it only chooses j
inline constexpr double kLn2 = 0x1.62e42fefa39efp-1;              // ln2 rounded
inline constexpr double kLn2Lo = 0x1.abc9ep-56;                   // ln2 - kLn2 to 21 bits
inline constexpr double kShift = 0x1.8p52;                        // 1.5 * 2^52: adding it rounds to an integer
inline constexpr std::uint64_t kShiftBits = 0x4338000000000000u;  // its bits

/// exp_pair's Q, r^12 .. r^3 then 1/2, (e^r - 1 - r)/r^2 (highest first), as an ACTBENCH_TABLE (kernels/config.hpp):
/// in constant memory on the device, where its full-width doubles would otherwise be built by immediate moves at
/// every use.
ACTBENCH_TABLE(kExpQ, 0x1.1f678p-29, 0x1.af246p-26, 0x1.27e4e0f43a39bp-22, 0x1.71de164229c36p-19,
               0x1.a01a01a515263p-16, 0x1.a01a01a5b3952p-13, 0x1.6c16c16c1663fp-10, 0x1.1111111110ba9p-7,
               0x1.5555555555555p-5, 0x1.5555555555556p-3, 0.5);

/// e^(xh + xl) for xh in [-708.74, 709.43], where j = round(xh kL2E) is in [-1022, 1023] (below -708.40, the
/// result is under 2^-1022 and rounded twice, into m and into the subnormal range; past the ends the scale's
/// bits give 0 or inf, then wrap: callers keep xh inside, theirs stay within [-700, 603]) and |xl| <= 2^-30
/// (e^rl is taken as 1 + rl; the callers' |xl| is ~2^-44).  Reduction: T = xh kL2E + 1.5 2^52 rounded (one fma) carries j in its low bits, and
/// rh = xh - j kLn2 (one fma) is exact: for j != 0, |xh| > 0.34, so xh and j kLn2 are multiples of 2^-54 and
/// |rh| <= (1/2 + 709 |kL2E - log2 e|) ln2 < 0.3475 < 1/2 has at most 53 bits; rl = xl - j kLn2Lo (off by
/// < 2^-66).  Then e^rh = 1 + rh + rh^2/2 + rh^3 Q(rh), Q of degree 9 fitted near minimax (2^-59.2 relative with
/// its coefficients as stored), e^rl as 1 + rl, and m 2^j with 2^j built from j's bits (exact).  The last
/// addition's rounding dominates: about 0.62 ulp (tests/host/test_f64_exp.cpp).  NaN propagates.
ACTBENCH_HOT double exp_pair(double xh, double xl) {
  const double T = fp::fma(xh, kL2E, kShift);  // kShift + j: j in T's low bits
  const double j = fp::sub(T, kShift);
  const double rh = fp::fma(-j, kLn2, xh);  // exact
  const double rl = fp::fma(-j, kLn2Lo, xl);
  const double p = fp::horner(rh, ACTBENCH_TABLE_REF(kExpQ));
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
