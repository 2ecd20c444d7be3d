// actbench/harness/ulp.cpp - see ulp.hpp.
#include "harness/ulp.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

namespace actbench {
namespace {

using L = long double;

/// Round a (finite, non-zero, positive) to precision p with minimum normal exponent e_min, ties to
/// even, directly from long double.  The result is exact in long double (it may exceed the format's
/// largest finite value; the caller maps that to inf).
L round_binary(L a, int p, int e_min) {
  int e = std::ilogb(a);
  if (e < e_min) e = e_min;
  const L q = std::ldexp(1.0L, e - p + 1);
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

L min_normal(DType t) { return std::ldexp(1.0L, dtype_info(t).emin); }

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
  int e = (y == 0 || !std::isfinite(y)) ? e_min : std::ilogb(y);
  e = std::max(e, e_min);
  return std::ldexp(1.0L, e - p + 1);
}

long double ulp(DType t, long double y) {
  const DTypeInfo i = dtype_info(t);
  return ulp(i.precision, i.emin, y);
}

UlpError ulp_error(DType t, std::uint64_t result_bits, long double exact) {
  UlpError r;
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
