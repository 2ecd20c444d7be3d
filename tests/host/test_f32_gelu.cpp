// Tests of kernels/f32/gelu.hpp: gelu, gelu', gelu_tanh, gelu_tanh' in f32 against the reference
// (harness/reference.hpp) at 2 ulp, with no absolute allowance: special values, fixed slices of bit
// patterns (next to the zeros of the derivatives, in the tails, across the hot/cold boundary at |x| = 10)
// and a strided sample of all 2^32 patterns.  The hot path must equal the full function wherever it is
// taken.  (The exhaustive maxima quoted in the header were measured over all 2^32 inputs.)
#include "harness/reference.hpp"
#include "harness/ulp.hpp"
#include "kernels/f32/gelu.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

namespace actbench {
namespace {

constexpr double kBound = 2.0;

struct Fn {
  const char* name;
  Activation act;
  Direction dir;
  float (*full)(float);
  float (*hot)(float);
  bool (*cold)(float);
};

const Fn kFns[] = {
    {"gelu", Activation::gelu, Direction::fwd, f32::gelu, f32::gelu_hot, f32::gelu_cold},
    {"gelu'", Activation::gelu, Direction::deriv, f32::gelu_deriv, f32::gelu_deriv_hot, f32::gelu_cold},
    {"gelu_tanh", Activation::gelu_tanh, Direction::fwd, f32::gelu_tanh, f32::gelu_tanh_hot, f32::gelu_tanh_cold},
    {"gelu_tanh'", Activation::gelu_tanh, Direction::deriv, f32::gelu_tanh_deriv, f32::gelu_tanh_deriv_hot,
     f32::gelu_tanh_cold},
};

float from_bits(std::uint32_t b) { return bit_cast<float>(b); }
std::uint32_t bits_of(float x) { return bit_cast<std::uint32_t>(x); }

/// Largest error over the patterns [lo, lo + n) (by step); counts failures (over the bound, non-finite
/// mismatches, wrong signs of zero, flushed subnormals) and hot/full disagreements.
struct Tally {
  double max_ulp = 0;
  std::uint32_t worst = 0;
  std::uint64_t failures = 0, hot_mismatch = 0, n = 0;
};

void check_one(const Fn& f, std::uint32_t b, Tally& t) {
  const float x = from_bits(b);
  const float y = f.full(x);
  ++t.n;
  if (!f.cold(x) && bits_of(f.hot(x)) != bits_of(y)) ++t.hot_mismatch;
  const long double exact = ref::eval_ext(f.act, f.dir, x, Params{}, ref::ConstRounding::f32);
  const UlpError e = ulp_error(DType::f32, bits_of(y), exact);
  const bool bad = e.cls == UlpClass::nonfinite_mismatch || e.signed_zero_mismatch || e.flushed_subnormal ||
                   (e.cls == UlpClass::finite && static_cast<double>(e.ulp) > kBound);
  if (bad) {
    if (t.failures < 5)
      ADD_FAILURE() << f.name << "(" << decimal(DType::f32, x) << " = " << hex_bits(DType::f32, b)
                    << ") = " << decimal(DType::f32, y) << ", reference " << decimal(exact) << ": "
                    << static_cast<double>(e.ulp) << " ulp";
    ++t.failures;
  }
  if (e.cls == UlpClass::finite && static_cast<double>(e.ulp) > t.max_ulp) {
    t.max_ulp = static_cast<double>(e.ulp);
    t.worst = b;
  }
}

Tally check_range(const Fn& f, std::uint32_t lo, std::uint64_t n, std::uint32_t step = 1) {
  Tally t;
  for (std::uint64_t i = 0; i < n; ++i) check_one(f, static_cast<std::uint32_t>(lo + i * step), t);
  return t;
}

void report(const Fn& f, const char* what, const Tally& t) {
  std::printf("[f32 %-10s] %-34s %9llu inputs: max %.4f ulp at %s (%s)\n", f.name, what,
              static_cast<unsigned long long>(t.n), t.max_ulp, decimal(DType::f32, from_bits(t.worst)).c_str(),
              hex_bits(DType::f32, t.worst).c_str());
  EXPECT_EQ(t.failures, 0u) << f.name << " " << what;
  EXPECT_EQ(t.hot_mismatch, 0u) << f.name << " " << what << ": the hot path differs from the full function";
}

TEST(F32Gelu, SpecialValues) {
  const float inf = std::numeric_limits<float>::infinity();
  const float specials[] = {0.0f, -0.0f, inf, -inf, std::numeric_limits<float>::quiet_NaN(),
                            std::numeric_limits<float>::denorm_min(), -std::numeric_limits<float>::denorm_min(),
                            std::numeric_limits<float>::min(), -std::numeric_limits<float>::min(),
                            std::numeric_limits<float>::max(), -std::numeric_limits<float>::max(), 1e-8f, -1e-8f,
                            10.0f, -10.0f, std::nextafter(10.0f, inf), std::nextafter(-10.0f, -inf), -11.0f,
                            -11.25f, -14.75f, std::nextafter(-14.75f, -inf), -0.7517915f, -0.7524614f};
  for (const Fn& f : kFns) {
    Tally t;
    for (float x : specials) check_one(f, bits_of(x), t);
    report(f, "special values", t);
    EXPECT_TRUE(std::isnan(f.full(std::numeric_limits<float>::quiet_NaN())));
  }
  EXPECT_EQ(bits_of(f32::gelu(-0.0f)), bits_of(-0.0f));
  EXPECT_EQ(bits_of(f32::gelu_tanh(-0.0f)), bits_of(-0.0f));
  EXPECT_EQ(bits_of(f32::gelu(-inf)), bits_of(-0.0f));
  EXPECT_EQ(bits_of(f32::gelu_deriv(-inf)), bits_of(-0.0f));
  EXPECT_EQ(bits_of(f32::gelu_tanh_deriv(-inf)), bits_of(-0.0f));
  EXPECT_EQ(f32::gelu_deriv(inf), 1.0f);
  EXPECT_EQ(f32::gelu_tanh(inf), inf);
}

/// 2^22 patterns centred on the zero of each derivative (x in about [-0.875, -0.64]).
TEST(F32Gelu, NextToTheZerosOfTheDerivatives) {
  const std::uint32_t half = 1u << 21;
  Tally t = check_range(kFns[1], bits_of(-0.7517915f) - half, 2 * half);
  report(kFns[1], "2^22 patterns around -0.7518", t);
  t = check_range(kFns[3], bits_of(-0.7524614f) - half, 2 * half);
  report(kFns[3], "2^22 patterns around -0.7525", t);
}

/// The far negative tails (subnormal and vanishing results) and both sides of |x| = 10 (hot/cold).
TEST(F32Gelu, TailsAndTheColdBoundary) {
  for (const Fn& f : kFns) {
    report(f, "2^21 patterns below -8 (tail, step 4)", check_range(f, bits_of(-8.0f), 1u << 21, 4));
    report(f, "2^20 patterns across -10", check_range(f, bits_of(-10.0f) - (1u << 19), 1u << 20));
    report(f, "2^20 patterns across +10", check_range(f, bits_of(10.0f) - (1u << 19), 1u << 20));
  }
}

/// Every 4099th of the 2^32 patterns (1,047,808 inputs: every binade, both signs, NaNs and infinities).
TEST(F32Gelu, StridedSampleOfAllPatterns) {
  for (const Fn& f : kFns) report(f, "every 4099th pattern", check_range(f, 0, (1ull << 32) / 4099, 4099));
}

}  // namespace
}  // namespace actbench
