// Tests of harness/ulp: the ULP metric of docs/ACCURACY.md on hand-made cases, encode/decode, formatting.
#include "harness/ulp.hpp"

#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstring>
#include <random>
#include <cstdlib>

namespace actbench {
namespace {

using L = long double;
constexpr L kInf = INFINITY;

std::uint64_t f32bits(float f) { return bit_cast<std::uint32_t>(f); }

TEST(Ulp, UlpOfExactValue) {
  EXPECT_EQ(ulp(DType::f32, 1.0L), std::ldexp(1.0L, -23));
  EXPECT_EQ(ulp(DType::f32, 1.5L), std::ldexp(1.0L, -23));
  EXPECT_EQ(ulp(DType::f32, -2.0L), std::ldexp(1.0L, -22));
  EXPECT_EQ(ulp(DType::f32, std::nextafter(1.0L, 0.0L)), std::ldexp(1.0L, -24));  // changes at powers of 2
  EXPECT_EQ(ulp(DType::f32, 0.0L), std::ldexp(1.0L, -149));
  EXPECT_EQ(ulp(DType::f32, 1e-40L), std::ldexp(1.0L, -149));  // constant over the subnormal range
  EXPECT_EQ(ulp(DType::f32, std::ldexp(1.0L, -126)), std::ldexp(1.0L, -149));
  EXPECT_EQ(ulp(DType::f16, 1.0L), std::ldexp(1.0L, -10));
  EXPECT_EQ(ulp(DType::f16, 0.0L), std::ldexp(1.0L, -24));
  EXPECT_EQ(ulp(DType::f16, 65504.0L), 32.0L);
  EXPECT_EQ(ulp(DType::bf16, 1.0L), std::ldexp(1.0L, -7));
  EXPECT_EQ(ulp(DType::bf16, 0.0L), std::ldexp(1.0L, -133));
  EXPECT_EQ(ulp(DType::f64, 1.0L), std::ldexp(1.0L, -52));
  EXPECT_EQ(ulp(DType::f64, 0.0L), std::ldexp(1.0L, -1074));
  EXPECT_EQ(ulp(64, -16382, 1.0L), std::ldexp(1.0L, -63));
}

TEST(Ulp, DecodeEncodeRoundTripAll16Bit) {
  for (DType t : {DType::f16, DType::bf16})
    for (std::uint64_t b = 0; b < 65536; ++b) {
      const L v = decode(t, b);
      if (std::isnan(v)) {
        EXPECT_TRUE(std::isnan(decode(t, encode(t, v))));
        continue;
      }
      ASSERT_EQ(encode(t, v), b) << to_string(t) << " " << hex_bits(t, b);
    }
  EXPECT_EQ(decode(DType::f16, 0x3c00), 1.0L);
  EXPECT_EQ(decode(DType::bf16, 0x3f80), 1.0L);
  EXPECT_EQ(decode(DType::f16, 0x0001), std::ldexp(1.0L, -24));
  EXPECT_EQ(decode(DType::f64, 0x3ff0000000000000ull), 1.0L);
  EXPECT_EQ(decode(DType::f32, 0x00000001u), std::ldexp(1.0L, -149));
}

TEST(Ulp, EncodeRoundsOnceToNearestEven) {
  // f16: ties to even, overflow, subnormals
  EXPECT_EQ(encode(DType::f16, 1.0L), 0x3c00u);
  EXPECT_EQ(encode(DType::f16, 65504.0L), 0x7bffu);
  EXPECT_EQ(encode(DType::f16, 65519.99L), 0x7bffu);
  EXPECT_EQ(encode(DType::f16, 65520.0L), 0x7c00u);  // the tie rounds to even: inf
  EXPECT_EQ(encode(DType::f16, -1e10L), 0xfc00u);
  EXPECT_EQ(encode(DType::f16, std::ldexp(1.0L, -24)), 0x0001u);
  EXPECT_EQ(encode(DType::f16, std::ldexp(1.0L, -25)), 0x0000u);                  // tie -> even (0)
  EXPECT_EQ(encode(DType::f16, std::ldexp(1.0L, -25) * 1.0000001L), 0x0001u);
  EXPECT_EQ(encode(DType::f16, std::ldexp(3.0L, -25)), 0x0002u);                   // 1.5 -> 2
  EXPECT_EQ(encode(DType::f16, -0.0L), 0x8000u);
  EXPECT_EQ(encode(DType::f16, NAN), 0x7e00u);
  EXPECT_EQ(encode(DType::f16, kInf), 0x7c00u);
  // No double rounding: just above a 16-bit tie, but rounding to float first would land on the tie.
  EXPECT_EQ(encode(DType::f16, 1.0L + std::ldexp(1.0L, -11) + std::ldexp(1.0L, -40)), 0x3c01u);
  EXPECT_EQ(encode(DType::bf16, 1.0L + std::ldexp(1.0L, -8) + std::ldexp(1.0L, -30)), 0x3f81u);
  EXPECT_EQ(encode(DType::bf16, 1.0L + std::ldexp(1.0L, -8)), 0x3f80u);  // exact tie -> even
  EXPECT_EQ(encode(DType::bf16, 3.4e38L), 0x7f80u);                      // beyond max + half ulp: inf
  EXPECT_EQ(encode(DType::bf16, 3.39e38L), 0x7f7fu);
  EXPECT_EQ(encode(DType::bf16, NAN), 0x7fc0u);
  // f32 / f64 directly from long double (through double, the first would be a tie).
  EXPECT_EQ(encode(DType::f32, 1.0L + std::ldexp(1.0L, -24) + std::ldexp(1.0L, -60)), 0x3f800001u);
  EXPECT_EQ(encode(DType::f32, 1e39L), 0x7f800000u);
  EXPECT_EQ(encode(DType::f32, std::ldexp(1.0L, -150)), 0u);                    // tie -> 0
  EXPECT_EQ(encode(DType::f32, std::ldexp(1.0L, -150) * 1.000001L), 1u);
  EXPECT_EQ(encode(DType::f64, 1.0L + std::ldexp(1.0L, -53) + std::ldexp(1.0L, -63)), 0x3ff0000000000001ull);
  EXPECT_EQ(encode(DType::f64, -0.0L), 0x8000000000000000ull);
}

TEST(Ulp, FiniteErrors) {
  auto e = ulp_error(DType::f32, f32bits(std::nextafter(1.0f, 2.0f)), 1.0L);
  EXPECT_EQ(e.cls, UlpClass::finite);
  EXPECT_EQ(e.ulp, 1.0L);
  EXPECT_EQ(e.abs_err, std::ldexp(1.0L, -23));
  EXPECT_EQ(e.rel_err, std::ldexp(1.0L, -23));
  // the denominator is the ulp of the exact value: just below 1 the ulp is 2^-24
  e = ulp_error(DType::f32, f32bits(1.0f), 1.0L - std::ldexp(1.0L, -25));
  EXPECT_EQ(e.ulp, 0.5L);
  e = ulp_error(DType::f32, f32bits(1.0f), 1.0L - std::ldexp(1.0L, -24));
  EXPECT_EQ(e.ulp, 1.0L);
  // subnormal range: constant ulp
  e = ulp_error(DType::f32, 4u, std::ldexp(3.0L, -149));
  EXPECT_EQ(e.ulp, 1.0L);
  e = ulp_error(DType::f16, 0x3c01u, 1.0L);
  EXPECT_EQ(e.ulp, 1.0L);
  e = ulp_error(DType::bf16, 0x3f80u, 1.0L + std::ldexp(1.0L, -9));
  EXPECT_EQ(e.ulp, 0.25L);
  e = ulp_error(DType::f64, 0x3ff0000000000000ull, 1.0L + std::ldexp(1.0L, -54));
  EXPECT_EQ(e.ulp, 0.25L);
}

TEST(Ulp, NonFinite) {
  const std::uint64_t nan32 = 0x7fc00000u, inf32 = 0x7f800000u, ninf32 = 0xff800000u;
  EXPECT_EQ(ulp_error(DType::f32, nan32, NAN).cls, UlpClass::nonfinite_match);
  EXPECT_EQ(ulp_error(DType::f32, 0xffc00001u, NAN).cls, UlpClass::nonfinite_match);  // any NaN
  EXPECT_EQ(ulp_error(DType::f32, nan32, 1.0L).cls, UlpClass::nonfinite_mismatch);
  EXPECT_EQ(ulp_error(DType::f32, f32bits(1.0f), NAN).cls, UlpClass::nonfinite_mismatch);
  EXPECT_EQ(ulp_error(DType::f32, inf32, 1.0L).cls, UlpClass::nonfinite_mismatch);
  EXPECT_EQ(ulp_error(DType::f32, inf32, kInf).cls, UlpClass::nonfinite_match);
  EXPECT_EQ(ulp_error(DType::f32, ninf32, kInf).cls, UlpClass::nonfinite_mismatch);
  EXPECT_EQ(ulp_error(DType::f32, ninf32, -kInf).cls, UlpClass::nonfinite_match);
  // the exact value rounds beyond the largest finite: inf is right, FLT_MAX is not
  EXPECT_EQ(ulp_error(DType::f32, inf32, 1e39L).cls, UlpClass::nonfinite_match);
  EXPECT_EQ(ulp_error(DType::f32, f32bits(FLT_MAX), 1e39L).cls, UlpClass::nonfinite_mismatch);
  EXPECT_EQ(ulp_error(DType::f32, inf32, static_cast<L>(FLT_MAX)).cls, UlpClass::nonfinite_mismatch);
  // f16 overflow at 65520
  EXPECT_EQ(ulp_error(DType::f16, 0x7c00u, 65520.0L).cls, UlpClass::nonfinite_match);
  EXPECT_EQ(ulp_error(DType::f16, 0x7bffu, 65519.0L).cls, UlpClass::finite);
}

TEST(Ulp, SignedZeroAndFlush) {
  // +0 vs -0: 0 ulp, but the sign is counted
  auto e = ulp_error(DType::f32, 0x80000000u, 0.0L);
  EXPECT_EQ(e.ulp, 0.0L);
  EXPECT_TRUE(e.signed_zero_mismatch);
  e = ulp_error(DType::f32, 0u, 0.0L);
  EXPECT_FALSE(e.signed_zero_mismatch);
  // silu(-100) = -3.7e-42 in f32... a tiny negative exact value that rounds to -0: +0 is wrong-signed
  e = ulp_error(DType::f32, 0u, -1e-50L);
  EXPECT_TRUE(e.signed_zero_mismatch);
  EXPECT_FALSE(e.flushed_subnormal);
  EXPECT_LT(e.ulp, 0.5L);
  e = ulp_error(DType::f32, 0x80000000u, -1e-50L);
  EXPECT_FALSE(e.signed_zero_mismatch);
  // flushed: the exact value is a subnormal of the dtype, the result 0
  e = ulp_error(DType::f32, 0u, std::ldexp(1.0L, -140));
  EXPECT_TRUE(e.flushed_subnormal);
  EXPECT_EQ(e.ulp, 512.0L);
  e = ulp_error(DType::f32, 0u, std::ldexp(1.0L, -151));  // rounds to 0: not a flush
  EXPECT_FALSE(e.flushed_subnormal);
  EXPECT_EQ(e.ulp, 0.25L);
  e = ulp_error(DType::f16, 0x8000u, -std::ldexp(1.0L, -20));
  EXPECT_TRUE(e.flushed_subnormal);
  EXPECT_FALSE(e.signed_zero_mismatch);
}

TEST(Ulp, HexBits) {
  EXPECT_EQ(hex_bits(DType::f16, 0x3c00), "0x3c00");
  EXPECT_EQ(hex_bits(DType::bf16, 0x1), "0x0001");
  EXPECT_EQ(hex_bits(DType::f32, 0xc0b00000u), "0xc0b00000");
  EXPECT_EQ(hex_bits(DType::f32, 1), "0x00000001");
  EXPECT_EQ(hex_bits(DType::f64, 0x3ff0000000000000ull), "0x3ff0000000000000");
}

TEST(Ulp, Decimal) {
  EXPECT_EQ(decimal(kInf), "inf");
  EXPECT_EQ(decimal(-kInf), "-inf");
  EXPECT_EQ(decimal(static_cast<L>(NAN)), "nan");
  EXPECT_EQ(decimal(-0.0L), "-0");
  EXPECT_EQ(decimal(-5.5L), "-5.5");
  EXPECT_EQ(decimal(DType::f32, 0.1f), "0.1");
  EXPECT_EQ(decimal(DType::f64, 0.1), "0.1");
  EXPECT_EQ(decimal(DType::f16, decode(DType::f16, 0x3c01)), "1.001");
  EXPECT_EQ(decimal(DType::bf16, decode(DType::bf16, 0x3f81)), "1.01");
  EXPECT_EQ(decimal(DType::f32, std::ldexp(1.0L, -149)), "1e-45");
  EXPECT_EQ(decimal(DType::f16, kInf), "inf");
  // long double values read back exactly
  for (L v : {1.0L / 3.0L, std::ldexp(1.0L, -16400), 1e4000L, -0.1L}) {
    const std::string s = decimal(v);
    EXPECT_EQ(std::strtold(s.c_str(), nullptr), v) << s;
  }
  // f32 round trip through the shortest text, at most 9 digits
  for (std::uint32_t b : {0x3f800001u, 0x00000001u, 0x7f7fffffu, 0xc0b00000u, 0x3eaaaaabu}) {
    const L v = decode(DType::f32, b);
    const std::string s = decimal(DType::f32, v);
    EXPECT_EQ(encode(DType::f32, std::strtold(s.c_str(), nullptr)), b) << s;
  }
}

}  // namespace
}  // namespace actbench

namespace actbench {
// f32 results are compared in double (ulp.cpp's fast path); it must agree with the long-double definition
// (|yhat - y| / ulp(y), the rounded exact value for the zero and flush rules) on results near and far from
// exact values that are doubles (the fast reference) and long doubles (bwd products), subnormals included.
TEST(Ulp, F32FastPathMatchesTheDefinition) {
  std::mt19937_64 rng(7);
  int checked = 0;
  for (int i = 0; i < 200000; ++i) {
    const int ex = static_cast<int>(rng() % 287) - 160;  // up to 2^126: finite f32 results
    long double exact = std::ldexp(1.0L + static_cast<long double>(rng() >> 11) * 0x1p-53L, ex);
    if (i % 2) exact += std::ldexp(static_cast<long double>(rng() % 2048), ex - 63);  // not a double
    if (rng() % 2) exact = -exact;
    const float near = static_cast<float>(exact);
    std::uint32_t b;
    std::memcpy(&b, &near, sizeof b);
    b += static_cast<std::uint32_t>(static_cast<int>(rng() % 9) - 4);  // a few ulp off, across zero too
    if ((b & 0x7f800000u) == 0x7f800000u) continue;
    float yh;
    std::memcpy(&yh, &b, sizeof yh);
    const UlpError e = ulp_error(DType::f32, b, exact);
    ASSERT_EQ(e.cls, UlpClass::finite);
    const long double want = std::fabs(static_cast<long double>(yh) - exact) / ulp(DType::f32, exact);
    ASSERT_NEAR(static_cast<double>(e.ulp), static_cast<double>(want), 1e-8 * (1 + static_cast<double>(want)))
        << "exact " << static_cast<double>(exact) << " result bits " << b;
    const long double yr = round_to(DType::f32, exact);
    ASSERT_EQ(e.signed_zero_mismatch, yh == 0 && yr == 0 && std::signbit(yh) != std::signbit(yr));
    ASSERT_EQ(e.flushed_subnormal, yh == 0 && yr != 0 && std::fabs(yr) < std::ldexp(1.0L, -126));
    ++checked;
  }
  EXPECT_GT(checked, 190000);
}

}  // namespace actbench
