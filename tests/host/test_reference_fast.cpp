// Tests of harness/reference_fast (the double reference of the exhaustive f32 check): against the
// long-double reference ref::eval on dense samples (every binade of both signs, the thresholds, the
// interior zeros of the derivatives, special values) and against the mpmath table.
#include "harness/reference.hpp"
#include "harness/reference_fast.hpp"
#include "reference_table.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace actbench {
namespace {

float from_bits(std::uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}

/// Every binade of both signs (the subnormal range by leading bit) at `per` points each, the special
/// values, and dense points next to the thresholds and interior zeros.
std::vector<float> dense_inputs(int per) {
  std::vector<float> xs;
  for (std::uint32_t sign : {0u, 0x80000000u}) {
    for (std::uint32_t e = 0; e < 255; ++e)
      for (int k = 0; k < per; ++k) {
        const std::uint32_t mant = static_cast<std::uint32_t>((std::uint64_t(k) * 0x7fffffu) / (per - 1));
        xs.push_back(from_bits(sign | (e << 23) | mant));
      }
  }
  for (float v : {0.0f, -0.0f, INFINITY, -INFINITY, NAN, -NAN, 1.0f, -1.0f, 3.0f, -3.0f, 6.0f, 80.0f, -80.0f,
                  87.3f, -87.3f, 88.7f, -103.9f, 16.6f, 9.01f, 24.0f, -745.1f, -38.6f})
    xs.push_back(v);
  for (double z : {-1.2784645427610738, -1.1924312145154952, -0.7517915241229171, -0.7524614334106445, -1.5})
    for (int k = -4000; k <= 4000; ++k) xs.push_back(static_cast<float>(z + k * 0x1p-16));
  return xs;
}

struct ParamCase {
  const char* name;
  Params p;
};
std::vector<ParamCase> param_cases() {
  std::vector<ParamCase> out{{"defaults", Params{}}};
  Params a;
  a.elu_alpha = 0.5;
  a.celu_alpha = 2.5;
  a.softplus_beta = 3.0;
  a.swish_beta = 0.7;
  a.leaky_relu_alpha = 0.2;
  out.push_back({"alpha 0.5/2.5, beta 3/0.7", a});
  Params b;
  b.celu_alpha = -1.5;
  b.softplus_beta = 0.25;
  b.swish_beta = 1.7;
  out.push_back({"celu alpha -1.5, beta 0.25/1.7", b});
  return out;
}

/// |fast - ref| / |ref|, or 0 where both are zero of the same sign, or both below what any f32, f16 or
/// bf16 result can hold (2^-160: they round to the same zero) or beyond it (2^129) with the same sign.
double rel_diff(double fast, double ref) {
  if (std::isnan(ref) || std::isnan(fast)) return std::isnan(ref) && std::isnan(fast) ? 0.0 : INFINITY;
  if (std::fabs(ref) > 0x1p129 && std::fabs(fast) > 0x1p129 && std::signbit(fast) == std::signbit(ref))
    return 0.0;  // both beyond f32: +-inf in every 16/32-bit format
  if (std::isinf(ref) || std::isinf(fast)) return fast == ref ? 0.0 : INFINITY;
  if (std::signbit(fast) != std::signbit(ref) && (fast != 0 || ref != 0)) return INFINITY;
  if (std::fabs(ref) < 0x1p-160 && std::fabs(fast) < 0x1p-160) return 0.0;
  if (ref == 0) return INFINITY;
  return std::fabs(fast - ref) / std::fabs(ref);
}

TEST(ReferenceFast, AgreesWithLongDoubleReferenceOnDenseSamples) {
  const std::vector<float> xs = dense_inputs(128);
  std::vector<double> ys(xs.size());
  double worst_all = 0;
  for (const ParamCase& pc : param_cases()) {
    std::printf("[reference_fast] %s: max |fast - ref|/|ref| over %zu inputs (2^k)\n", pc.name, xs.size());
    for (const auto& info : kCatalog) {
      std::printf("[reference_fast]   %-12s", info.name);
      for (Direction d : {Direction::fwd, Direction::deriv}) {
        ref::fast_eval(info.id, d, xs.data(), ys.data(), xs.size(), pc.p);
        double worst = 0;
        float worst_x = 0;
        int failures = 0;
        for (std::size_t i = 0; i < xs.size(); ++i) {
          const double r = ref::eval(info.id, d, xs[i], pc.p, ref::ConstRounding::f32);
          const double e = rel_diff(ys[i], r);
          if (e > worst) {
            worst = e;
            worst_x = xs[i];
          }
          if (!(e <= 0x1p-40) && ++failures <= 5)
            ADD_FAILURE() << info.name << " " << to_string(d) << " [" << pc.name << "] x = " << xs[i] << " ("
                          << std::hexfloat << xs[i] << std::defaultfloat << "): fast " << ys[i] << ", ref " << r;
          // the scalar entry point (scalar libm) agrees with the batch (libmvec) as closely
          const double s = ref::fast_eval(info.id, d, xs[i], pc.p);
          if (!(rel_diff(s, ys[i]) <= 0x1p-40) && ++failures <= 5)
            ADD_FAILURE() << info.name << " " << to_string(d) << ": scalar " << s << " vs batch " << ys[i];
        }
        worst_all = std::max(worst_all, worst);
        std::printf(" %s %7.1f (x=%-11.4g)", to_string(d), worst > 0 ? std::log2(worst) : -INFINITY, worst_x);
      }
      std::printf("\n");
    }
  }
  std::printf("[reference_fast] overall max relative difference 2^%.1f\n", std::log2(worst_all));
}

TEST(ReferenceFast, DefersNonFiniteInputsAndInteriorZeros) {
  const Params p;
  EXPECT_TRUE(ref::fast_eval_defers(Activation::relu, Direction::fwd, NAN, p));
  EXPECT_TRUE(ref::fast_eval_defers(Activation::sigmoid, Direction::fwd, -INFINITY, p));
  EXPECT_FALSE(ref::fast_eval_defers(Activation::sigmoid, Direction::fwd, 3.0, p));
  EXPECT_TRUE(ref::fast_eval_defers(Activation::swish, Direction::deriv, -1.28, p));
  EXPECT_FALSE(ref::fast_eval_defers(Activation::swish, Direction::fwd, -1.28, p));
  EXPECT_TRUE(ref::fast_eval_defers(Activation::mish, Direction::deriv, -1.19, p));
  EXPECT_TRUE(ref::fast_eval_defers(Activation::gelu, Direction::deriv, -0.75, p));
  EXPECT_FALSE(ref::fast_eval_defers(Activation::gelu, Direction::deriv, -0.5, p));
  Params b;
  b.swish_beta = 2.0;  // the zero of swish' moves to z0/beta
  EXPECT_TRUE(ref::fast_eval_defers(Activation::swish, Direction::deriv, -0.64, b));
  EXPECT_FALSE(ref::fast_eval_defers(Activation::swish, Direction::deriv, -1.28, b));
  EXPECT_THROW(ref::fast_eval(Activation::relu, Direction::bwd, 1.0, p), std::invalid_argument);
}

TEST(ReferenceFast, SignedZerosAndLimitsAsTheReference) {
  const Params p;
  for (const auto& info : kCatalog)
    for (Direction d : {Direction::fwd, Direction::deriv})
      for (float x : {0.0f, -0.0f, -1e-45f, 1e-45f, -1e6f, 1e6f, -3.4e38f, 3.4e38f, -200.0f, -120.0f}) {
        const double f = ref::fast_eval(info.id, d, x, p), r = ref::eval(info.id, d, x, p, ref::ConstRounding::f32);
        const float ff = static_cast<float>(f), rf = static_cast<float>(r);  // as an f32 result compares them
        EXPECT_TRUE(ff == rf && std::signbit(ff) == std::signbit(rf))
            << info.name << " " << to_string(d) << " x = " << x << ": fast " << f << ", ref " << r;
      }
}

/// The mpmath table (tests/data/reference_table.csv): rows with f32-rounded constants, within 2^-40 relative
/// (rows next to an interior zero: relative to |value| + 2^-20 (sum of the terms), as the value is tiny).
TEST(ReferenceFast, AgreesWithMpmath) {
  int rows = 0, failures = 0;
  double worst = 0;
  for (const reference_table::Row& r : reference_table::rows()) {
    if (r.rounding != ref::ConstRounding::f32) continue;
    const float xf = static_cast<float>(r.x);
    if (static_cast<double>(xf) != r.x && !std::isnan(r.x)) continue;  // the fast reference takes f32 inputs
    const double got = ref::fast_eval(r.act, r.dir, xf, r.params);
    ++rows;
    long double err;
    if (std::isnan(r.hi)) err = std::isnan(got) ? 0 : INFINITY;
    else if (std::isinf(r.hi)) err = got == r.hi ? 0 : INFINITY;
    else if (r.cancel_scale > 0) err = std::fabs((got - r.hi) - r.lo) / (std::fabs(r.hi) + std::ldexp(r.cancel_scale, -20));
    else err = (r.hi == 0) ? (got == 0 && std::signbit(got) == std::signbit(r.hi) ? 0 : INFINITY)
                           : std::fabs((got - r.hi) - r.lo) / std::fabs(r.hi);
    if (std::fabs(r.hi) < 0x1p-160L && std::fabs(got) < 0x1p-160 && std::signbit(got) == std::signbit(r.hi))
      err = 0;  // below every 16/32-bit result (double itself is subnormal there)
    worst = std::max(worst, double(err));
    if (!(err <= 0x1p-40L) && ++failures <= 10)
      ADD_FAILURE() << to_string(r.act) << " " << to_string(r.dir) << " [" << r.params_text << "] x=" << r.x_text
                    << ": fast " << got << ", mpmath " << static_cast<double>(r.hi + r.lo);
  }
  EXPECT_GT(rows, 1000);
  std::printf("[reference_fast] vs mpmath: %d rows (f32 constants, f32 inputs), max relative error 2^%.1f\n", rows,
              std::log2(worst));
}

}  // namespace
}  // namespace actbench
