// kernels/narrow.hpp: the f32 primitives of the 16-bit paths against double, over their whole domains.
// (The activations built on them are checked on every 16-bit input in test_precise_vs_reference.cpp.)
#include "kernels/math.hpp"
#include "kernels/narrow.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <utility>

namespace actbench {
namespace {

/// |got - want| in ulps of the f32 nearest to want (subnormal ulps below 2^-126).
double ulps(float got, double want) {
  const double a = std::fabs(want);
  const int e = a >= 0x1p-126 ? std::ilogb(a) : -126;
  return std::fabs(double(got) - want) / std::ldexp(1.0, e - 23);
}

/// Every 64th f32 in [lo, hi] (both signs as the range says): ~2^25 / 64 points per binade span.
template <class F>
double max_ulp_over(float lo, float hi, F&& f) {
  double worst = 0;
  for (float x = lo; x <= hi;) {
    worst = std::max(worst, f(x));
    std::uint32_t b;
    std::memcpy(&b, &x, 4);
    b = x < 0 ? (b > 0x80000000u + 64 ? b - 64 : 0u) : b + 64;
    std::memcpy(&x, &b, 4);
  }
  return worst;
}

TEST(Narrow, ExpWithinTwoUlpIncludingSubnormalResults) {
  // The device's algorithm (with the host's exp2f standing in for ex2.approx) and the host's model.
  // exp_split<false> (f16 data): ex2(t) once; exp_split<true> (bf16): ex2(t/2) squared, twice the stand-in's error
  // (kExpTinyRelErr on the device: 2^-21 + 2^-23, far inside bf16's 2^-18).
  const auto err = [](auto f) { return [f](float x) { return ulps(f(x), std::exp(double(x))); }; };
  const double w1 = max_ulp_over(-87.0f, 88.5f, err([](float x) { return narrow::exp_split<false>(x); }));
  const double w = max_ulp_over(-103.0f, 88.5f, err([](float x) { return narrow::exp_split<true>(x); }));
  const double wh = max_ulp_over(-103.0f, 88.5f, err([](float x) { return narrow::exp<true>(x); }));
  std::printf("narrow::exp_split<false> on [-87, 88.5]: max %.3f ulp; exp_split<true> on [-103, 88.5]: max %.3f ulp; "
              "host exp: %.3f ulp\n", w1, w, wh);
  EXPECT_LE(w1, 2.0);
  EXPECT_LE(w, 3.0);
  EXPECT_GT(w, w1);  // the square's doubling is there
  EXPECT_LE(wh, 2.0);  // host::exp_fast: 2^-23.4 relative (below), within the SFU's 2^-22
  EXPECT_EQ(narrow::exp_split<true>(-INFINITY), 0.0f);
  EXPECT_EQ(narrow::exp_split<true>(INFINITY), INFINITY);
  EXPECT_GT(narrow::exp_split<true>(-100.0f), 0.0f);
  EXPECT_EQ(narrow::exp_split<false>(-100.0f), 0.0f);
  EXPECT_EQ(narrow::exp<true>(-INFINITY), 0.0f);
  EXPECT_EQ(narrow::exp<true>(INFINITY), INFINITY);
  EXPECT_TRUE(std::isnan(narrow::exp<true>(NAN)));
  EXPECT_GT(narrow::exp<true>(-100.0f), 0.0f);   // kept below 2^-126 (bf16)
  EXPECT_EQ(narrow::exp<false>(-100.0f), 0.0f);  // flushed like the SFU (f16)
}

// The cpu backend's e^x and 2^(t + tl) for 16-bit data (host::exp_fast, exp2_fast): relative error inside the SFU's
// 2^-22 (kEx2RelErr) for normal results, a subnormal result within 2^-149 (one rounding from m 2^j1).  Every 64th
// float: the worst of a sweep of every float (2^-23.42 both, at 0x1.4cbe42p+2 and t = -0x1.fe8126p-2) is checked too.
TEST(Narrow, HostFastExpInsideTheSfuError) {
  double we = 0, wsub = 0, w2 = 0;
  const auto rel = [](float got, double want) { return std::fabs(double(got) - want) / want; };
  for (float x = -104.0f; x <= 88.72f;) {
    const double want = std::exp(double(x));
    const float got = narrow::host::exp_fast(x);
    if (want >= 0x1p-126)
      we = std::max(we, rel(got, want));
    else
      wsub = std::max(wsub, std::fabs(double(got) - want) / 0x1p-149);
    std::uint32_t b;
    std::memcpy(&b, &x, 4);
    b = x < 0 ? (b > 0x80000000u + 64 ? b - 64 : 0u) : b + 64;
    std::memcpy(&x, &b, 4);
  }
  std::uint32_t k = 0;
  for (float t = -126.0f; t <= 127.9f; ++k) {
    const float tl = (k % 3 == 0) ? 0.0f : std::ldexp(float(int(k % 2049) - 1024), -20);  // |tl| <= 2^-10
    w2 = std::max(w2, rel(narrow::host::exp2_fast(t, tl), std::exp2(double(t) + double(tl))));
    std::uint32_t b;
    std::memcpy(&b, &t, 4);
    b = t < 0 ? (b > 0x80000000u + 64 ? b - 64 : 0u) : b + 64;
    std::memcpy(&t, &b, 4);
  }
  we = std::max(we, rel(narrow::host::exp_fast(0x1.4cbe42p+2f), std::exp(double(0x1.4cbe42p+2f))));
  w2 = std::max(w2, rel(narrow::host::exp2_fast(-0x1.fe8126p-2f, 0x1.a87f8p-13f),
                        std::exp2(double(-0x1.fe8126p-2f) + double(0x1.a87f8p-13f))));
  std::printf("host::exp_fast on [-104, 88.72]: max relative 2^%.2f, subnormal results within %.3f x 2^-149; "
              "host::exp2_fast on [-126, 127.9]: max relative 2^%.2f\n", std::log2(we), wsub, std::log2(w2));
  EXPECT_LE(we, 0x1p-23);
  EXPECT_GT(we, 0x1p-24);  // the sweep reaches the known worst
  EXPECT_LE(w2, 0x1p-23);
  EXPECT_LE(wsub, 1.0);
  EXPECT_EQ(narrow::host::exp_fast(-104.0f), 0.0f);
  EXPECT_EQ(narrow::host::exp_fast(88.73f), INFINITY);
  EXPECT_TRUE(std::isnan(narrow::host::exp_fast(NAN)));
  EXPECT_EQ(narrow::host::exp2_fast(128.0f, 0.0f), INFINITY);
  EXPECT_EQ(narrow::host::exp2_fast(-149.0f, 0.0f), 0x1p-149f);
  EXPECT_TRUE(std::isnan(narrow::host::exp2_fast(NAN, 0.0f)));
  // narrow::exp and exp2_scaled clamp their arguments for them (NaN kept); e^-inf = 0, 2^-inf = 0
  EXPECT_EQ(narrow::exp<true>(-INFINITY), 0.0f);
  EXPECT_EQ((narrow::exp<false, false, true>(-INFINITY)), 0.0f);
  EXPECT_EQ(narrow::exp2_scaled<true>(-INFINITY, 0.0f), 0.0f);  // on the host kEx2Arg is 1: the exponent itself
  EXPECT_EQ(narrow::exp2_scaled<false>(-INFINITY, 0.0f), 0.0f);
  EXPECT_TRUE(std::isnan(narrow::exp2_scaled<false>(NAN, 0.0f)));
  EXPECT_TRUE(std::isnan((narrow::exp<false, false, true>(NAN))));
}

// 2^(t + tl) from the exponent scaled by kEx2Half (halved for bf16 data, whose device callers fold the 1/2 into their
// constants): the device's exp2_split (host ex2 stand-in) within 2 ulp (f16) / 3 ulp (bf16, ex2(t/2) squared, also
// for results below 2^-126); and the host's exp2_scaled, which takes t itself (kEx2Arg is 1 on the host), within the
// SFU's error (2 ulp) of 2^(t + tl).
TEST(Narrow, Exp2FromScaledExponent) {
  const float tl = 0x1p-12f;  // a residual of the size the callers carry
  const auto err = [tl](auto f) { return [f, tl](float t) { return ulps(f(t), std::exp2(double(t) + double(tl))); }; };
  constexpr float s = narrow::kEx2Half<true>;
  static_assert(s == 0.5f && narrow::kEx2Half<false> == 1.0f, "bf16 data: t/2");
  static_assert(narrow::kEx2Arg<true> == 1.0f && narrow::kEx2Arg<false> == 1.0f, "the host's exp2 takes t itself");
  const double w16 = max_ulp_over(-126.0f, 127.0f, err([tl](float t) { return narrow::exp2_split<false>(t, tl); }));
  const double wb =
      max_ulp_over(-149.0f, 127.0f, err([tl](float t) { return narrow::exp2_split<true>(t * s, tl * s); }));
  const double hb = max_ulp_over(-149.0f, 127.0f, err([tl](float t) { return narrow::exp2_scaled<true>(t, tl); }));
  const double h16 = max_ulp_over(-126.0f, 127.0f, err([tl](float t) { return narrow::exp2_scaled<false>(t, tl); }));
  std::printf("narrow::exp2_split<false> on [-126, 127]: max %.3f ulp; <true> from t/2 on [-149, 127]: %.3f ulp; "
              "host exp2_scaled: %.3f (bf16), %.3f (f16) ulp\n", w16, wb, hb, h16);
  EXPECT_LE(w16, 2.0);
  EXPECT_LE(wb, 3.0);
  EXPECT_LE(hb, 2.0);
  EXPECT_LE(h16, 2.0);
  EXPECT_EQ(narrow::exp2_split<true>(-INFINITY, 0.0f), 0.0f);
  EXPECT_TRUE(std::isnan(narrow::exp2_split<true>(NAN, 0.0f)));
}

// The cpu backend's tanh for 16-bit data (host::tanh_16) over every finite input of a 16-bit format (ToF32/ToBits
// its conversions, 2^16 patterns): how many do not round to the value nearest to tanh x (of the rounding of tanh x
// to the format and its two neighbours, compared in double), and the largest f32 ulp error where |x| <= 5 (past it
// the f32 value is tanh 5, which rounds to 1 in both formats).
template <class ToF32, class ToBits>
std::pair<int, double> tanh_16_misses(ToF32 to_f32, ToBits to_bits, int& checked) {
  int wrong = 0;
  double worst = 0;
  for (std::uint32_t b = 0; b < 0x10000u; ++b) {
    const float x = to_f32(static_cast<std::uint16_t>(b));
    if (!std::isfinite(x)) continue;
    ++checked;
    const double want = std::tanh(double(x));
    const float got = narrow::host::tanh_16(x);
    if (std::fabs(x) <= 5.0f) worst = std::max(worst, ulps(got, want));
    const std::uint16_t h = to_bits(static_cast<float>(want));
    std::uint16_t best = h;
    for (const int d : {-1, 1}) {  // neighbours of h's sign (h = +-0 has none below it), finite ones
      const std::uint16_t n = static_cast<std::uint16_t>(h + d);
      if (!std::isfinite(to_f32(n)) || (n & 0x8000u) != (h & 0x8000u)) continue;
      if (std::fabs(double(to_f32(n)) - want) < std::fabs(double(to_f32(best)) - want)) best = n;
    }
    if (to_bits(got) != best && ++wrong <= 5)
      std::printf("tanh_16(%a) = %a: 0x%04x, nearest 0x%04x\n", x, got, unsigned(to_bits(got)), unsigned(best));
  }
  return {wrong, worst};
}

// Every finite f16 and every finite bf16 input rounds to the 16-bit value nearest to tanh x: among them the f16
// values whose tanh lies closest to a rounding midpoint of f16 (0.45 f32 ulp from it at x = 0.0284, 1.41 at 1.69).
// 3.64 and 2.57 f32 ulp at most on the f16 and the bf16 inputs up to 5 (tools/gen_narrow_coeffs.py: 2^-25.5 relative
// before the roundings).  No bf16 tanh lies within 100 f32 ulp of a bf16 midpoint, so for bf16 the ulp bound is the
// tight check.
TEST(Narrow, HostTanh16RoundsEvery16BitInputToTheNearest) {
  int n16 = 0, nb = 0;
  const auto [w16, u16] = tanh_16_misses(detail::f16_bits_to_f32, detail::f32_to_f16_bits, n16);
  const auto [wb, ub] = tanh_16_misses(detail::bf16_bits_to_f32, detail::f32_to_bf16_bits, nb);
  std::printf("narrow::host::tanh_16: every finite f16 (%d): max %.3f f32 ulp, %d not the nearest; every finite bf16 "
              "(%d): max %.3f f32 ulp, %d not the nearest\n", n16, u16, w16, nb, ub, wb);
  EXPECT_EQ(n16, 63488);
  EXPECT_EQ(nb, 65280);
  EXPECT_EQ(w16, 0);
  EXPECT_EQ(wb, 0);
  EXPECT_LE(u16, 3.7);
  EXPECT_LE(ub, 2.6);
  for (const float x : {5.0f, 10.0f, 65504.0f, INFINITY}) {  // the clamp: 1 in both formats
    EXPECT_EQ(detail::f32_to_f16_bits(narrow::host::tanh_16(x)), 0x3c00u) << x;
    EXPECT_EQ(detail::f32_to_bf16_bits(narrow::host::tanh_16(-x)), 0xbf80u) << x;
  }
  EXPECT_TRUE(std::isnan(narrow::host::tanh_16(NAN)));
  EXPECT_TRUE(std::signbit(narrow::host::tanh_16(-0.0f)));
  EXPECT_EQ(narrow::host::tanh_16(-0.0f), 0.0f);
  EXPECT_EQ(narrow::host::tanh_16(0x1p-140f), 0x1p-140f);  // a subnormal x is its own tanh
}

// One scale by 2^j (kNormal: f16 data, arguments <= 0) gives exp_fast's and exp2_fast's very values wherever they
// are normal, and a value below 2^-126 where they are not: every 16th float of [-126.4, 0] and every float next to
// 2^-126; then narrow::exp's and exp2_scaled's f16 paths on the cpu, which do not flush: +0 from the scale itself
// below 2^-126.5, subnormals above.
TEST(Narrow, HostFastExpOneScaleSameNormalValues) {
  std::int64_t checked = 0, bad = 0;
  const auto check = [&](float x) {
    ++checked;
    if (x >= -87.5f) {
      const float two = narrow::host::exp_fast(x), one = narrow::host::exp_fast<true>(x);
      if (two >= 0x1p-126f ? one != two : !(one < 0x1p-126f)) ++bad;
    }
    const float t2 = narrow::host::exp2_fast(x, 0x1p-11f), t1 = narrow::host::exp2_fast<true>(x, 0x1p-11f);
    if (t2 >= 0x1p-126f ? t1 != t2 : !(t1 < 0x1p-126f)) ++bad;
  };
  for (std::uint32_t b = 0x80000000u; b <= 0xc2fccccdu; b += 16) {  // -0 .. -126.4
    float x;
    std::memcpy(&x, &b, 4);
    check(x);
  }
  for (float x = -87.5f; x <= -87.2f; x = std::nextafter(x, 0.0f)) check(x);
  for (float x = -126.4f; x <= -125.9f; x = std::nextafter(x, 0.0f)) check(x);
  EXPECT_GT(checked, std::int64_t(1) << 26);
  EXPECT_EQ(bad, 0);
  EXPECT_EQ((narrow::exp<false, false, true>(-87.3f)), narrow::exp<false>(-87.3f));  // e^-87.3 > 2^-126
  // below 2^-126 the kNonPositive path (f16 data) does not flush: e^x within 2^-149 (rounded once into the subnormals)
  // down to -87.68, where 2^j is 2^-127 (the bits of +0), and +0 below, as for -inf; NaN kept
  std::int64_t subnormal = 0;
  for (float x = -87.2f; x >= -88.5f; x = std::nextafter(x, -100.0f)) {
    const float e = narrow::exp<false, false, true>(x);
    const double ref = std::exp(double(x));
    if (ref >= 0x1p-126) {
      ASSERT_EQ(e, narrow::exp<false>(x)) << x;
    } else if (x > -87.68f) {
      ASSERT_NEAR(e, ref, 0x1p-149) << x;
      ++subnormal;
    } else if (x < -87.69f) {
      ASSERT_EQ(bit_cast<std::uint32_t>(e), 0u) << x;
    }
  }
  EXPECT_GT(subnormal, 1000);
  EXPECT_EQ(bit_cast<std::uint32_t>(narrow::exp<false, false, true>(-INFINITY)), 0u);
  EXPECT_EQ(bit_cast<std::uint32_t>(narrow::exp<false, false, true>(-1e30f)), 0u);
  EXPECT_TRUE(std::isnan(narrow::exp<false, false, true>(NAN)));
  // exp2_scaled's f16 path: the same at t = -126.5 (+0 below it, -inf included; subnormals within 2^-149 above)
  std::int64_t subnormal2 = 0;
  for (float t = -125.9f; t >= -127.5f; t = std::nextafter(t, -200.0f)) {
    const float e = narrow::exp2_scaled<false>(t, 0.0f);
    const double ref = std::exp2(double(t));
    if (ref >= 0x1p-126) {
      ASSERT_EQ(e, narrow::host::exp2_fast(t, 0.0f)) << t;
    } else if (t >= -126.5f) {
      ASSERT_NEAR(e, ref, 0x1p-149) << t;
      ++subnormal2;
    } else {
      ASSERT_EQ(bit_cast<std::uint32_t>(e), 0u) << t;
    }
  }
  EXPECT_GT(subnormal2, 1000);
  EXPECT_EQ(bit_cast<std::uint32_t>(narrow::exp2_scaled<false>(-INFINITY, 0.0f)), 0u);
  EXPECT_TRUE(std::isnan(narrow::exp2_scaled<false>(NAN, 0.0f)));
}

// The f32 exp of the precise functors (kernels/math.hpp): plain arithmetic, the same bits on the device.
TEST(Narrow, ExpF32IsNearlyCorrectlyRoundedEverywhere) {
  const double w = max_ulp_over(-103.9f, 88.7f, [](float x) { return ulps(detail::exp_f32(x), std::exp(double(x))); });
  std::printf("detail::exp_f32 on [-103.9, 88.7]: max %.3f ulp\n", w);
  EXPECT_LE(w, 0.85);  // 0.5 + the rounding of the reduced argument (<= 2^-26) + the polynomial's
  EXPECT_EQ(detail::exp_f32(-INFINITY), 0.0f);
  EXPECT_EQ(detail::exp_f32(-104.0f), 0.0f);
  EXPECT_EQ(detail::exp_f32(88.73f), INFINITY);
  EXPECT_EQ(detail::exp_f32(INFINITY), INFINITY);
  EXPECT_TRUE(std::isnan(detail::exp_f32(NAN)));
  EXPECT_EQ(detail::exp_f32(0.0f), 1.0f);
  EXPECT_EQ(detail::exp_f32(-103.0f), std::exp(-103.0f));  // subnormal, rounded once
}

TEST(Narrow, Expm1WithinTwoUlpAndExactNearZero) {
  const double w = max_ulp_over(-30.0f, 88.0f, [](float x) { return ulps(narrow::expm1(x), std::expm1(double(x))); });
  std::printf("narrow::expm1 on [-30, 88]: max %.3f ulp\n", w);
  EXPECT_LE(w, 2.0);
  EXPECT_EQ(narrow::expm1(1e-30f), 1e-30f);
  EXPECT_TRUE(std::signbit(narrow::expm1(-0.0f)));
  EXPECT_EQ(narrow::expm1(-1000.0f), -1.0f);
  EXPECT_TRUE(std::isnan(narrow::expm1(NAN)));
}

// e^x - 1 near the top of f32's range, and a (e^x - 1) (celu with alpha < 0: alpha e^(x/alpha)), finite wherever
// the scaled result fits although e^x alone overflows: every float of [88, 88.72]; scaled by -1/4, of [88, 90.1],
// and by 2^-60 up to its overflow at 130.3.
TEST(Narrow, Expm1TimesOverflowsOnlyWhereItsResultDoes) {
  float x = 88.0f;
  double w = 0, ws = 0;
  int finite = 0;
  for (; x <= 90.1f; x = std::nextafter(x, INFINITY)) {
    const double want = std::expm1(double(x));
    if (want <= double(FLT_MAX)) {
      w = std::max(w, ulps(narrow::expm1(x), want));
    } else {
      ASSERT_EQ(narrow::expm1(x), INFINITY) << x;
    }
    const double want_s = -0.25 * want;  // <= FLT_MAX in magnitude up to 88.72 + ln 4
    ASSERT_GE(want_s, -double(FLT_MAX)) << x;
    ws = std::max(ws, ulps(narrow::expm1_times(x, -0.25f), want_s));
    ++finite;
  }
  std::printf("narrow::expm1 on [88, 88.72]: max %.3f ulp; -0.25 expm1 on [88, 90.1]: max %.3f ulp (%d floats)\n", w,
              ws, finite);
  EXPECT_LE(w, 2.0);
  EXPECT_LE(ws, 2.0);
  EXPECT_EQ(narrow::expm1_times(90.2f, -0.25f), -INFINITY);
  double wt = 0;
  for (float t = 88.0f; t <= 130.0f; t = std::nextafter(t, INFINITY)) {
    wt = std::max(wt, ulps(narrow::expm1_times(t, 0x1p-60f), std::ldexp(std::expm1(double(t)), -60)));
  }
  std::printf("2^-60 expm1 on [88, 130]: max %.3f ulp\n", wt);
  EXPECT_LE(wt, 2.0);
  EXPECT_EQ(narrow::expm1_times(130.4f, 0x1p-60f), INFINITY);
  EXPECT_EQ(narrow::expm1(INFINITY), INFINITY);
  EXPECT_EQ(narrow::expm1_times(INFINITY, -0.25f), -INFINITY);
  EXPECT_TRUE(std::signbit(narrow::expm1_times(-0.0f, 0.25f)));
  EXPECT_FALSE(std::signbit(narrow::expm1_times(-0.0f, -0.25f)));
}

// The 16-bit elu/selu/celu forward's e^x - 1 for x <= 0: a polynomial above -ln 4, ex2 - 1 below.  On the host
// ex2 is near-exact, so this bounds the polynomial and the roundings (the device's ex2 error, scaled by at
// most 1/3 below -ln 4, is in the SFU worst-case test of the activations).
TEST(Narrow, Expm1NegWithinTwoPointOneUlpKeepsZeroSigns) {
  const auto err = [](float x) { return ulps(narrow::expm1_neg_split(x), std::expm1(double(x))); };
  const double w = max_ulp_over(-104.0f, -0x1p-40f, err);
  // Every float of [-1.40, -1.36] (the polynomial's worst, next to the split at -ln 4: 2.065 ulp at
  // -0x1.60dd08p+0 in a sweep of all floats of [-104, 0)).
  double wn = 0;
  for (float x = -1.40f; x <= -1.36f; x = std::nextafter(x, 0.0f)) wn = std::max(wn, err(x));
  std::printf("narrow::expm1_neg_split on [-104, -2^-40]: max %.3f ulp (every 64th float); "
              "on [-1.40, -1.36]: %.3f ulp\n", w, wn);
  EXPECT_LE(w, 2.1);
  EXPECT_LE(wn, 2.1);
  for (float x : {-0x1p-149f, -0x1p-126f}) EXPECT_LE(err(x), 2.0) << x;  // subnormal x
  EXPECT_TRUE(std::signbit(narrow::expm1_neg_split(-0.0f)));
  EXPECT_FALSE(std::signbit(narrow::expm1_neg_split(0.0f)));
  EXPECT_EQ(narrow::expm1_neg_split(-INFINITY), -1.0f);
  EXPECT_EQ(narrow::expm1_neg_split(-1000.0f), -1.0f);
  EXPECT_TRUE(std::isnan(narrow::expm1_neg_split(NAN)));
}

TEST(Narrow, Log1pUnitWithinTwoUlp) {
  const double w = max_ulp_over(0.0f, 1.0f, [](float e) { return ulps(narrow::log1p_unit(e), std::log1p(double(e))); });
  std::printf("narrow::log1p_unit on [0, 1]: max %.3f ulp\n", w);
  EXPECT_LE(w, 2.0);
  EXPECT_EQ(narrow::log1p_unit(0.0f), 0.0f);
  EXPECT_EQ(narrow::log1p_unit(1e-40f), 1e-40f);  // subnormal e: log1p(e) = e
}

// clamp_magnitude_bits: the magnitude through an unsigned min, the sign kept; a NaN gives +-hi.  And what swish' on
// f16 data builds on it on the cpu (Swish::deriv_narrow): z clamped on its bits and sigma of z itself (exp's own clamp)
// are, for every f16 input and several betas, the bits of the device's form (clamp_keep_nan and sigma of the clamped
// z with kInRange); a NaN z keeps its NaN in sigma, where the clamp no longer carries it.
TEST(Narrow, SwishDerivClampOnBitsIsTheKeepNanClamp) {
  const auto bits = [](float v) { return bit_cast<std::uint32_t>(v); };
  EXPECT_EQ(bits(narrow::clamp_magnitude_bits(-1e30f, 104.0f)), bits(-104.0f));
  EXPECT_EQ(bits(narrow::clamp_magnitude_bits(INFINITY, 104.0f)), bits(104.0f));
  EXPECT_EQ(bits(narrow::clamp_magnitude_bits(-0.0f, 104.0f)), bits(-0.0f));
  EXPECT_EQ(bits(narrow::clamp_magnitude_bits(-103.5f, 104.0f)), bits(-103.5f));
  EXPECT_EQ(std::fabs(narrow::clamp_magnitude_bits(NAN, 104.0f)), 104.0f);
  std::int64_t nans = 0, clamped = 0;
  for (const float beta : {1.0f, 0.5f, 1.7f, -2.0f, 1e-3f, 300.0f}) {
    for (std::uint32_t b = 0; b < 0x10000u; ++b) {
      const float x = dtype_traits<f16_t>::to_compute(f16_t{static_cast<std::uint16_t>(b)});
      const float z = beta == 1.0f ? x : fp::mul(beta, x);
      const float zc = narrow::clamp_keep_nan(z, -104.0f, 104.0f);
      const auto g = narrow::sig<false, true>(zc);
      const auto gz = narrow::sig<false, false>(z);
      if (std::isnan(z)) {
        ++nans;
        ASSERT_TRUE(std::isnan(gz.s) && std::isnan(gz.sc)) << b;
        continue;
      }
      if (std::fabs(z) > 104.0f) ++clamped;
      ASSERT_EQ(bits(narrow::clamp_magnitude_bits(z, 104.0f)), bits(zc)) << b << " " << beta;
      ASSERT_EQ(bits(gz.s), bits(g.s)) << b << " " << beta;
      ASSERT_EQ(bits(gz.sc), bits(g.sc)) << b << " " << beta;
    }
  }
  EXPECT_GT(nans, 0);
  EXPECT_GT(clamped, 0);
}

TEST(Narrow, DivAndSigma) {
  const double wd = max_ulp_over(1.0f, 4.0f, [](float d) { return ulps(narrow::div(3.0f, d), 3.0 / double(d)); });
  EXPECT_LE(wd, 1.0);
  const double ws = max_ulp_over(-100.0f, 100.0f, [](float z) {
    const auto g = narrow::sig<true>(z);
    const double s = 1.0 / (1.0 + std::exp(-double(z)));
    return std::max(ulps(g.s, s), ulps(g.sc, 1.0 / (1.0 + std::exp(double(z)))));
  });
  std::printf("narrow::div on [1, 4]: max %.3f ulp; narrow::sig on [-100, 100]: max %.3f ulp\n", wd, ws);
  EXPECT_LE(ws, 4.0);  // e (1 ulp), the rounding of 1 + e (not compensated), r, e r: ~2^-22 relative
}

TEST(Narrow, FtzStandIns) {
  EXPECT_EQ(narrow::ex2(-127.0f), 0.0f);  // .ftz
  EXPECT_EQ(narrow::rcp(0x1p127f), 0.0f);
}

}  // namespace
}  // namespace actbench
