// actbench/harness/ulp.hpp - the ULP metric of docs/ACCURACY.md, bit patterns and their formatting.
//
//   ulp(y) = 2^(max(floor(log2|y|), e_min) - p + 1)      err = |yhat - y| / ulp(y)
//
// y is the exact value (the reference, in long double), yhat the kernel's result decoded from its
// bit pattern.  Bit patterns of every dtype travel as std::uint64_t (low bits used).
#pragma once

#include "kernels/dtype.hpp"

#include <cstdint>
#include <string>

namespace actbench {

/// The value of a bit pattern of dtype t (exact: every value of every dtype is a long double).
long double decode(DType t, std::uint64_t bits);

/// v rounded to nearest, ties to even, into dtype t, directly from long double (no double
/// rounding through float or double): overflow to +-inf, subnormals kept, sign of zero kept,
/// NaN -> the dtype's quiet NaN with v's sign.
std::uint64_t encode(DType t, long double v);

/// v rounded to dtype t and back: the value a correctly rounded kernel returns.
inline long double round_to(DType t, long double v) { return decode(t, encode(t, v)); }

/// ulp of the exact value y in dtype t (docs/ACCURACY.md).  ulp(0) = the smallest subnormal.
/// y must be finite.
long double ulp(DType t, long double y);

/// The same for a format given by precision p and minimum normal exponent e_min
/// (e.g. p = 64, e_min = -16382 for x87 long double).
long double ulp(int p, int e_min, long double y);

/// How one result compares with the exact value.
enum class UlpClass {
  finite,             ///< both finite (after rounding the exact value to t): err is meaningful
  nonfinite_match,    ///< NaN vs NaN, or the same infinity (the exact value may round to it)
  nonfinite_mismatch  ///< NaN/inf where the rounded exact value is finite, or the reverse
};

struct UlpError {
  UlpClass cls = UlpClass::finite;
  long double ulp = 0;      ///< |yhat - y| / ulp(y); 0 unless cls == finite
  long double abs_err = 0;  ///< |yhat - y|; 0 unless cls == finite
  long double rel_err = 0;  ///< abs_err / |y|; 0 when y == 0
  bool signed_zero_mismatch = false;  ///< yhat is a zero and the rounded exact value a zero of the other sign
  bool flushed_subnormal = false;     ///< the rounded exact value is a non-zero subnormal of t, yhat is 0
};

/// Compare the result bits of dtype t with the exact value (docs/ACCURACY.md's rules).
UlpError ulp_error(DType t, std::uint64_t result_bits, long double exact);

/// "0x3c00": hex of the pattern, zero-padded to the dtype's width (4, 8 or 16 digits).
std::string hex_bits(DType t, std::uint64_t bits);

/// Shortest decimal that reads back (strtold) to exactly v; "inf", "-inf", "nan".
std::string decimal(long double v);

/// Shortest decimal that reads back to the same value of dtype t (v should be a value of t; at most
/// 9 significant digits for f32, 17 for f64, 5 for f16, 4 for bf16); "inf", "-inf", "nan".
std::string decimal(DType t, long double v);

}  // namespace actbench
