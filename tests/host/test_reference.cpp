// Tests of harness/reference: against mpmath (tests/data/reference_table.csv, written by
// tools/gen_reference_table.py) and the conventions stated in reference.hpp.
#include "harness/reference.hpp"
#include "kernels/catalog.hpp"
#include "harness/ulp.hpp"
#include "reference_table.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace actbench {
namespace {

using L = long double;

using reference_table::Row;
const std::vector<Row>& table() { return reference_table::rows(); }

/// Error of got against the exact hi + lo, in ulps of a (p, e_min) format, measured at the exact value.
L err_ulps(L got, const Row& r, int p, int e_min) { return std::fabs((got - r.hi) - r.lo) / ulp(p, e_min, r.hi); }

std::string where(const Row& r) {
  return std::string(to_string(r.act)) + " " + to_string(r.dir) + " " + ref::to_string(r.rounding) + " [" +
         r.params_text + "] x=" + r.x_text;
}

/// Checks one evaluation against a row; returns the error in ulps (0 for exact specials).
/// Special values (NaN, inf, zero results) must match exactly, sign of zero included.
::testing::AssertionResult check(L got, const Row& r, int p, int e_min, L bound_ulp, L& err, bool& exempt) {
  err = 0;
  exempt = false;
  if (std::isnan(r.hi)) {
    if (std::isnan(got)) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << where(r) << ": want nan, got " << decimal(got);
  }
  // The exact value beyond the format's largest finite value rounds to inf (selu(DBL_MAX) in double).
  const bool over = p == 53 && std::isinf(static_cast<double>(r.hi));
  if (std::isinf(r.hi) || over) {
    if (std::isinf(got) && std::signbit(got) == std::signbit(r.hi)) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << where(r) << ": want " << decimal(r.hi) << ", got " << decimal(got);
  }
  if (std::isinf(got) || std::isnan(got))
    return ::testing::AssertionFailure() << where(r) << ": want " << decimal(r.hi) << ", got " << decimal(got);
  if ((r.hi == 0 || got == 0) && std::signbit(got) != std::signbit(r.hi))
    return ::testing::AssertionFailure() << where(r) << ": sign of zero: want " << decimal(r.hi) << ", got "
                                         << decimal(got);
  err = err_ulps(got, r, p, e_min);
  if (err <= bound_ulp) return ::testing::AssertionSuccess();
  // Near an interior zero of a derivative the terms cancel: allow a few 2^-64 of their size
  // (plus the final rounding to the format).
  const L abs_err = std::fabs((got - r.hi) - r.lo);
  if (r.cancel_scale > 0 && abs_err <= 0.5L * ulp(p, e_min, r.hi) + std::ldexp(r.cancel_scale, -60)) {
    exempt = true;
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << where(r) << ": want " << decimal(r.hi + r.lo) << ", got " << decimal(got)
                                       << " (" << static_cast<double>(err) << " ulp)";
}

TEST(Reference, TableIsComplete) {
  const auto& rows = table();
  ASSERT_GT(rows.size(), 10000u) << "tests/data/reference_table.csv missing or short: run tools/gen_reference_table.py";
  std::map<std::pair<int, int>, int> n;
  for (const Row& r : rows)
    if (r.rounding == ref::ConstRounding::f64 && r.params_text.empty()) ++n[{static_cast<int>(r.act), static_cast<int>(r.dir)}];
  for (const auto& i : kCatalog)
    for (Direction d : {Direction::fwd, Direction::deriv})
      EXPECT_GE((n[{static_cast<int>(i.id), static_cast<int>(d)}]), 300) << i.name << " " << to_string(d);
}

/// ref::eval (double) is within 1 ulp of the exact value (ulp of the exact value, f64 format).
TEST(Reference, DoubleAgreesWithMpmath) {
  L worst = 0;
  const Row* worst_row = nullptr;
  int exempt_n = 0, failures = 0;
  std::map<std::string, L> per_fn;
  for (const Row& r : table()) {
    const L got = ref::eval(r.act, r.dir, r.x, r.params, r.rounding);
    L err;
    bool exempt;
    auto res = check(got, r, 53, -1022, 1.0L, err, exempt);
    if (!res && ++failures <= 20) ADD_FAILURE() << res.message();
    if (exempt) ++exempt_n;
    else {
      auto& m = per_fn[std::string(to_string(r.act)) + "/" + to_string(r.dir)];
      if (err > m) m = err;
      if (err > worst) {
        worst = err;
        worst_row = &r;
      }
    }
  }
  EXPECT_EQ(failures, 0);
  std::printf("[reference] double vs mpmath: %zu rows, max %.4f ulp (f64 ulp of the exact value)%s%s; "
              "%d rows near a zero of f' held to 2^-60 * (sum of |terms|) instead\n",
              table().size(), static_cast<double>(worst), worst_row ? " at " : "",
              worst_row ? where(*worst_row).c_str() : "", exempt_n);
  for (const auto& [k, v] : per_fn) std::printf("[reference]   %-22s max %.4f ulp\n", k.c_str(), static_cast<double>(v));
}

/// ref::eval_ext (x87 long double) is within kExtBound long-double ulps of the exact value.
constexpr L kExtBound = 4.0L;

TEST(Reference, LongDoubleAgreesWithMpmath) {
  L worst = 0, worst_plain = 0, worst_cancel = 0;
  const Row* worst_row = nullptr;
  int exempt_n = 0, failures = 0;
  const int p = std::numeric_limits<L>::digits, e_min = std::numeric_limits<L>::min_exponent - 1;
  for (const Row& r : table()) {
    const L got = ref::eval_ext(r.act, r.dir, r.x, r.params, r.rounding);
    L err;
    bool exempt;
    auto res = check(got, r, p, e_min, kExtBound, err, exempt);
    if (!res && ++failures <= 20) ADD_FAILURE() << res.message();
    if (r.cancel_scale > 0 && std::isfinite(got)) {
      const L rel = std::fabs((got - r.hi) - r.lo) / std::ldexp(r.cancel_scale, -p);
      if (rel > worst_cancel) worst_cancel = rel;
    } else if (err > worst_plain) {
      worst_plain = err;
    }
    if (exempt) ++exempt_n;
    else if (err > worst) {
      worst = err;
      worst_row = &r;
    }
  }
  EXPECT_EQ(failures, 0);
  std::printf("[reference] long double vs mpmath: max %.4f ulp of long double (p=%d, %.3g f64 ulp)%s%s; "
              "%d rows near a zero of f' held to 2^-60 * (sum of |terms|) instead\n",
              static_cast<double>(worst), p, static_cast<double>(std::ldexp(worst, 53 - p)),
              worst_row ? " at " : "", worst_row ? where(*worst_row).c_str() : "", exempt_n);
  std::printf("[reference]   functions without cancellation: max %.4f ulp of long double; swish', gelu', "
              "gelu_tanh', mish': max abs error %.2f * 2^-64 * (|term1| + |term2|)\n",
              static_cast<double>(worst_plain), static_cast<double>(worst_cancel));
}

TEST(Reference, Conventions) {
  const Params p;
  using ref::eval;
  const Direction F = Direction::fwd, D = Direction::deriv;
  const double inf = INFINITY, nan = NAN;
  EXPECT_EQ(eval(Activation::relu, D, 0.0, p), 0.0);
  EXPECT_FALSE(std::signbit(eval(Activation::relu, F, -0.0, p)));
  EXPECT_EQ(eval(Activation::hardswish, D, -3.0, p), -0.5);
  EXPECT_EQ(eval(Activation::hardswish, D, 3.0, p), 1.5);
  EXPECT_EQ(eval(Activation::hardswish, D, std::nextafter(-3.0, -4.0), p), 0.0);
  EXPECT_EQ(eval(Activation::hardswish, D, std::nextafter(3.0, 4.0), p), 1.0);
  EXPECT_EQ(eval(Activation::hardsigmoid, D, 3.0, p), 0.0);
  EXPECT_EQ(eval(Activation::relu6, D, 6.0, p), 0.0);
  EXPECT_EQ(eval(Activation::leaky_relu, D, 0.0, p), 0.01);
  // limits and signs of zero
  for (Activation a : {Activation::swish, Activation::gelu, Activation::gelu_tanh, Activation::mish}) {
    for (Direction d : {F, D}) {
      const double v = eval(a, d, -inf, p);
      EXPECT_TRUE(v == 0 && std::signbit(v)) << to_string(a) << " " << to_string(d);
    }
    EXPECT_EQ(eval(a, F, inf, p), inf);
    EXPECT_EQ(eval(a, D, inf, p), 1.0);
    EXPECT_TRUE(std::signbit(eval(a, F, -0.0, p))) << to_string(a);
  }
  const double silu100 = eval(Activation::swish, F, -100.0, p);
  EXPECT_LT(silu100, 0.0);
  EXPECT_GT(silu100, -1e-40);
  EXPECT_TRUE(std::signbit(eval(Activation::swish, F, -1e6, p)));
  EXPECT_TRUE(std::signbit(eval(Activation::hardswish, F, -5.0, p)));
  EXPECT_EQ(eval(Activation::tanh, F, -inf, p), -1.0);
  EXPECT_EQ(eval(Activation::elu, F, -inf, p), -1.0);
  EXPECT_GT(eval(Activation::gelu, F, -38.0, p), -1e-300);  // subnormal in double, not 0
  EXPECT_LT(eval(Activation::gelu, F, -38.0, p), 0.0);
  for (const auto& i : kCatalog)
    for (Direction d : {F, D}) EXPECT_TRUE(std::isnan(eval(i.id, d, nan, p))) << i.name;
  EXPECT_THROW(eval(Activation::relu, Direction::bwd, 1.0, p), std::invalid_argument);
}

TEST(Reference, ReferenceValuePicksPrecisionConstantsAndProduct) {
  const Params p;
  // selu(1) = lambda: rounded to float for f32/f16/bf16 targets, to double for f64.
  EXPECT_EQ(ref::reference_value(DType::f32, Activation::selu, Direction::fwd, 1.0L, 0, p),
            static_cast<L>(1.0507009873554804934193349852946f));
  EXPECT_EQ(ref::reference_value(DType::bf16, Activation::selu, Direction::fwd, 1.0L, 0, p),
            static_cast<L>(1.0507009873554804934193349852946f));
  EXPECT_EQ(ref::reference_value(DType::f64, Activation::selu, Direction::fwd, 1.0L, 0, p),
            static_cast<L>(1.0507009873554804934193349852946));
  // leaky alpha 0.01 rounded to float vs double
  EXPECT_EQ(ref::reference_value(DType::f32, Activation::leaky_relu, Direction::deriv, -1.0L, 0, p),
            static_cast<L>(0.01f));
  EXPECT_EQ(ref::reference_value(DType::f64, Activation::leaky_relu, Direction::deriv, -1.0L, 0, p),
            static_cast<L>(0.01));
  // bwd = dy * f'(x)
  const L d = ref::reference_value(DType::f32, Activation::sigmoid, Direction::deriv, 0.5L, 0, p);
  EXPECT_EQ(ref::reference_value(DType::f32, Activation::sigmoid, Direction::bwd, 0.5L, -2.5L, p), -2.5L * d);
  // f64 targets get the long double evaluation (more than 53 bits)
  const L e = ref::reference_value(DType::f64, Activation::tanh, Direction::fwd, 0.3L, 0, p);
  EXPECT_NE(e, static_cast<L>(static_cast<double>(e)));
  // prelu: the harness passes the element's channel slope
  Params q;
  q.prelu_alpha = 0.5;
  EXPECT_EQ(ref::reference_value(DType::f16, Activation::prelu, Direction::fwd, -2.0L, 0, q), -1.0L);
}

}  // namespace
}  // namespace actbench
