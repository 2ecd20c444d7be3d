// actbench/harness/ulp.cpp - see ulp.hpp.
#include "harness/ulp.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <cstdio>
#include <cstdlib>
#include <limits>

namespace actbench {
namespace {

using L = long double;

#if LDBL_MANT_DIG == 64 && LDBL_MAX_EXP == 16384
// x87 extended precision: the bit layout is known (64-bit significand with explicit leading bit,
// 15-bit biased exponent), so exponents and powers of two are integer operations.  libm's ilogbl,
// ldexpl and nearbyintl cost hundreds of ns each, and the accumulator sees millions of values.
constexpr bool kX87 = true;

inline int exponent_of(L a) {  // floor(log2 |a|) for finite non-zero a
  unsigned char b[sizeof(L)];
  std::memcpy(b, &a, sizeof(L));
  const int biased = (b[8] | (b[9] << 8)) & 0x7fff;
  if (biased == 0) return std::ilogb(a);  // long double subnormal: rare, slow path
  return biased - 16383;
}

inline L pow2(int k) {  // 2^k, for k in long double's normal range
  if (k < -16382 || k > 16383) return std::ldexp(1.0L, k);
  L v = 0;
  unsigned char b[sizeof(L)] = {};
  const std::uint64_t m = std::uint64_t{1} << 63;
  std::memcpy(b, &m, 8);
  const unsigned e = static_cast<unsigned>(k + 16383);
  b[8] = static_cast<unsigned char>(e & 0xff);
  b[9] = static_cast<unsigned char>(e >> 8);
  std::memcpy(&v, b, sizeof(L));
  return v;
}

inline std::uint64_t significand_of(L a) {  // the 64-bit integer significand (explicit leading bit)
  std::uint64_t m;
  std::memcpy(&m, &a, 8);
  return m;
}
#else
constexpr bool kX87 = false;
inline int exponent_of(L a) { return std::ilogb(a); }
inline L pow2(int k) { return std::ldexp(1.0L, k); }
inline std::uint64_t significand_of(L) { return 0; }
#endif

/// Round a (finite, non-zero, positive) to precision p with minimum normal exponent e_min, ties to
/// even, directly from long double.  The result is exact in long double (it may exceed the format's
/// largest finite value; the caller maps that to inf).
L round_binary(L a, int p, int e_min) {
  const int ea = exponent_of(a);
  const int e = ea < e_min ? e_min : ea;
  if (kX87 && p <= 53 && a >= std::numeric_limits<L>::min()) {
    // a = m * 2^(ea - 63); keep the bits at and above 2^(e - p + 1).
    const std::uint64_t m = significand_of(a);
    const int shift = (e - p + 1) - (ea - 63);  // >= 64 - p >= 11
    std::uint64_t q;
    if (shift > 64) {
      q = 0;  // below half the quantum
    } else if (shift == 64) {
      q = m > (std::uint64_t{1} << 63) ? 1 : 0;  // exactly half rounds to even (0)
    } else {
      q = m >> shift;
      const std::uint64_t rem = m & ((std::uint64_t{1} << shift) - 1);
      const std::uint64_t half = std::uint64_t{1} << (shift - 1);
      if (rem > half || (rem == half && (q & 1u))) ++q;
    }
    return static_cast<L>(q) * pow2(e - p + 1);
  }
  const L q = pow2(e - p + 1);
  return std::nearbyint(a / q) * q;  // a / q and the product are exact (powers of two)
}

std::uint16_t encode16(L v, bool bf) {
  const std::uint16_t sign = std::signbit(v) ? 0x8000u : 0u;
  if (std::isnan(v)) return static_cast<std::uint16_t>(sign | (bf ? 0x7fc0u : 0x7e00u));
  if (std::isinf(v)) return static_cast<std::uint16_t>(sign | (bf ? 0x7f80u : 0x7c00u));
  if (v == 0) return sign;
  const L r = bf ? round_binary(std::fabs(v), 8, -126) : round_binary(std::fabs(v), 11, -14);
  // r is a value of the 16-bit type (or beyond its range): exact in float, or inf.
  const float f = static_cast<float>(r);
  const std::uint16_t mag = bf ? detail::f32_to_bf16_bits(f) : detail::f32_to_f16_bits(f);
  return static_cast<std::uint16_t>(sign | (mag & 0x7fffu));
}

L min_normal(DType t) { return pow2(dtype_info(t).emin); }

}  // namespace

long double decode(DType t, std::uint64_t bits) {
  switch (t) {
    case DType::f32: return bit_cast<float>(static_cast<std::uint32_t>(bits));
    case DType::f16: return detail::f16_bits_to_f32(static_cast<std::uint16_t>(bits));
    case DType::bf16: return detail::bf16_bits_to_f32(static_cast<std::uint16_t>(bits));
    case DType::f64: return bit_cast<double>(bits);
  }
  return std::numeric_limits<L>::quiet_NaN();
}

std::uint64_t encode(DType t, long double v) {
  switch (t) {
    case DType::f32: {
      if (std::isnan(v)) return std::signbit(v) ? 0xffc00000u : 0x7fc00000u;
      // long double -> float is one correctly rounded conversion (no double rounding).
      return bit_cast<std::uint32_t>(static_cast<float>(v));
    }
    case DType::f64: {
      if (std::isnan(v)) return std::signbit(v) ? 0xfff8000000000000ull : 0x7ff8000000000000ull;
      return bit_cast<std::uint64_t>(static_cast<double>(v));
    }
    case DType::f16: return encode16(v, false);
    case DType::bf16: return encode16(v, true);
  }
  return 0;
}

long double ulp(int p, int e_min, long double y) {
  int e = (y == 0 || !std::isfinite(y)) ? e_min : exponent_of(y);
  e = std::max(e, e_min);
  return pow2(e - p + 1);
}

long double ulp(DType t, long double y) {
  const DTypeInfo i = dtype_info(t);
  return ulp(i.precision, i.emin, y);
}

namespace {

/// ulp_error for f32 results in double arithmetic (an exhaustive f32 case compares 2^32 results: the long-double
/// path's rounding and scaling functions cost ~5x more).  Same rules; taken where exact is finite and its
/// rounding to double cannot move a decision: the double is not a midpoint between two floats (where rounding
/// exact to float directly and through double may differ).  err then differs from the long-double path's by
/// at most 2^-29 ulp.  Returns false where the caller must take the long-double path.
bool ulp_error_f32(std::uint64_t result_bits, long double exact, UlpError& r) {
  const double e = static_cast<double>(exact);
  const double ae = std::fabs(e);
  if (!(ae < 0x1.ffffffp127)) return false;  // NaN, inf, or rounds to inf
  std::uint64_t eb;
  std::memcpy(&eb, &ae, sizeof eb);
  // ulp(exact) in f32 = 2^(max(floor(log2 |e|), -126) - 23), from the exponent field (the sample's exact values
  // are doubles in f32's range or below it, never double subnormals that matter: those are f32 zeros).
  const int ex = std::max(static_cast<int>(eb >> 52) - 1023, -126);
  const bool pow2 = (eb & 0xfffffffffffffull) == 0;
  if (pow2 && ae != 0 && static_cast<long double>(e) != exact) return false;  // exact's binade unsure
  const std::uint64_t ub = static_cast<std::uint64_t>(ex - 23 + 1023) << 52;  // 2^(ex - 23)
  const std::uint64_t ib = static_cast<std::uint64_t>(1023 - ex + 23) << 52;  // its inverse
  double u, inv_u;
  std::memcpy(&u, &ub, sizeof u);
  std::memcpy(&inv_u, &ib, sizeof inv_u);
  const float yr = static_cast<float>(e);
  const double rem = std::fabs(e - static_cast<double>(yr));
  if (rem != 0 && (rem == 0.5 * u || rem == u)) return false;  // a midpoint (u at a power of two from above)
  std::uint32_t b = static_cast<std::uint32_t>(result_bits);
  float yh;
  std::memcpy(&yh, &b, sizeof yh);
  if (std::isnan(yh)) {
    r.cls = UlpClass::nonfinite_mismatch;
    return true;
  }
  if (std::isinf(yh)) {
    r.cls = UlpClass::nonfinite_mismatch;  // yr is finite here
    return true;
  }
  r.cls = UlpClass::finite;
  const double ad = std::fabs(static_cast<double>(yh) - e);
  r.abs_err = ad;
  r.ulp = ad * inv_u;
  r.rel_err = e != 0 ? ad / ae : 0.0;
  if (yh == 0) {
    if (yr == 0) {
      r.signed_zero_mismatch = std::signbit(yh) != std::signbit(yr);
    } else if (std::fabs(yr) < FLT_MIN) {
      r.flushed_subnormal = true;
    }
  }
  return true;
}

}  // namespace

UlpError ulp_error(DType t, std::uint64_t result_bits, long double exact) {
  UlpError r;
  if (t == DType::f32 && ulp_error_f32(result_bits, exact, r)) return r;
  const L yh = decode(t, result_bits);
  if (std::isnan(yh) || std::isnan(exact)) {
    r.cls = (std::isnan(yh) && std::isnan(exact)) ? UlpClass::nonfinite_match : UlpClass::nonfinite_mismatch;
    return r;
  }
  const L yr = round_to(t, exact);
  if (std::isinf(yh) || std::isinf(yr)) {
    r.cls = (yh == yr) ? UlpClass::nonfinite_match : UlpClass::nonfinite_mismatch;
    return r;
  }
  r.cls = UlpClass::finite;
  r.abs_err = std::fabs(yh - exact);
  r.ulp = r.abs_err / ulp(t, exact);
  r.rel_err = exact != 0 ? r.abs_err / std::fabs(exact) : 0.0L;
  if (yh == 0) {
    if (yr == 0) {
      r.signed_zero_mismatch = std::signbit(yh) != std::signbit(yr);
    } else if (std::fabs(yr) < min_normal(t)) {
      r.flushed_subnormal = true;
    }
  }
  return r;
}

std::string hex_bits(DType t, std::uint64_t bits) {
  const int width = 2 * dtype_info(t).size_bytes;
  if (width < 16) bits &= (std::uint64_t{1} << (4 * width)) - 1u;
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%0*llx", width, static_cast<unsigned long long>(bits));
  return buf;
}

namespace {
std::string nonfinite_text(long double v) {
  if (std::isnan(v)) return "nan";
  return v > 0 ? "inf" : "-inf";
}
}  // namespace

std::string decimal(long double v) {
  if (!std::isfinite(v)) return nonfinite_text(v);
  char buf[64];
  for (int prec = 1; prec <= 21; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*Lg", prec, v);
    if (std::strtold(buf, nullptr) == v) break;
  }
  return buf;
}

std::string decimal(DType t, long double v) {
  if (!std::isfinite(v)) return nonfinite_text(v);
  const std::uint64_t want = encode(t, v);
  char buf[64];
  for (int prec = 1; prec <= 21; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*Lg", prec, v);
    if (encode(t, std::strtold(buf, nullptr)) == want) break;
  }
  return buf;
}

}  // namespace actbench
