// The textbook variant fails where docs/ACCURACY.md says it fails, and the metric catches each failure;
// the precise variant passes at the same inputs.  Run through dispatch_op on storage types, as a
// backend runs it, and judged by the same ULP metric and bounds as the real accuracy check.
#include "harness/accuracy.hpp"
#include "harness/bounds.hpp"
#include "harness/inputs.hpp"
#include "harness/reference.hpp"
#include "harness/ulp.hpp"
#include "kernels/elementwise.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

namespace actbench {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

template <class T>
std::uint64_t bits_of(T v) {
  return static_cast<std::uint64_t>(bit_cast<typename dtype_traits<T>::bits_t>(v));
}

/// One element of (a, d, v) for storage type T at x (dy = 1 for bwd): its ULP error against the reference.
template <class T>
UlpError run_one(Activation a, Direction d, Variant v, double x_in) {
  using tr = dtype_traits<T>;
  const DType t = tr::dtype;
  OpSpec s;
  s.activation = a;
  s.direction = d;
  s.variant = v;
  const T x = tr::from_compute(compute_t<T>(x_in));
  const T dy = tr::from_compute(compute_t<T>(1));
  const T y = dispatch_op<T>(s, [&](auto op) {
    if constexpr (decltype(op)::direction == Direction::bwd) {
      return op.at(0, x, dy);
    } else {
      return op.at(0, x);
    }
  });
  const long double lx = decode(t, bits_of(x));
  return ulp_error(t, bits_of(y), ref::reference_value(t, a, d, lx, 1.0L, s.params));
}

enum class Expect { ulp_above, nonfinite };

struct Failure {
  Activation a;
  Direction d;
  double x;
  Expect what;
  double ulp_min;   ///< for ulp_above
  const char* why;  ///< docs/ACCURACY.md's words
};

// clang-format off
const Failure kFailures[] = {
  {Activation::sigmoid,   Direction::fwd,   -89.0,  Expect::ulp_above, 1e5, "1/(1+e^-x): e^89 overflows, 0 for -103.97<x<-88.72"},
  {Activation::sigmoid,   Direction::deriv,  20.0,  Expect::ulp_above, 1e6, "y(1-y): 0 for x>17.3"},
  {Activation::sigmoid,   Direction::deriv,  10.0,  Expect::ulp_above, 1e3, "y(1-y): ~6e3 ulp at x=10"},
  {Activation::tanh,      Direction::fwd,    1e-8,  Expect::ulp_above, 1e6, "2σ(2x)-1: ~1e7 ulp at 1e-8"},
  {Activation::tanh,      Direction::fwd,    1e-3,  Expect::ulp_above, 100, "2σ(2x)-1: ~600 ulp at 1e-3"},
  {Activation::tanh,      Direction::deriv,  10.0,  Expect::ulp_above, 1e6, "1-y^2: 0 past 9"},
  {Activation::tanh,      Direction::deriv,   5.0,  Expect::ulp_above, 500, "1-y^2: ~2e3 ulp at x=5"},
  {Activation::softplus,  Direction::fwd,   100.0,  Expect::nonfinite, 0,   "log(1+e^x): inf for x>88.7"},
  {Activation::softplus,  Direction::fwd,   -20.0,  Expect::ulp_above, 1e6, "log(1+e^x): 1+e^-20 rounds to 1, ~1e7 ulp"},
  {Activation::softplus,  Direction::deriv, 100.0,  Expect::nonfinite, 0,   "e^x/(1+e^x): inf/inf = NaN"},
  {Activation::elu,       Direction::deriv, -10.0,  Expect::ulp_above, 1e3, "y+alpha from the output: ~5e3 ulp at -10"},
  {Activation::elu,       Direction::fwd,   -1e-6,  Expect::ulp_above, 4,   "alpha(e^x-1): cancellation near 0"},
  {Activation::selu,      Direction::deriv, -10.0,  Expect::ulp_above, 1e3, "y+lambda*alpha from the output"},
  {Activation::celu,      Direction::deriv, -10.0,  Expect::ulp_above, 1e3, "y/alpha+1 from the output"},
  {Activation::swish,     Direction::fwd,   -kInf,  Expect::nonfinite, 0,   "x/(1+e^-x): -inf/inf = NaN at -inf"},
  {Activation::swish,     Direction::fwd,   -95.0,  Expect::ulp_above, 1e5, "x/(1+e^-x): e^95 overflows, -0 in the tail"},
  {Activation::gelu,      Direction::fwd,    -6.0,  Expect::ulp_above, 1e6, "0.5x(1+erf(x/√2)): 0 (100% error) for x<-5.4"},
  {Activation::gelu,      Direction::deriv,  -6.0,  Expect::ulp_above, 10,  "0.5(1+erf) + x phi: the 1+erf part cancels"},
  {Activation::gelu_tanh, Direction::fwd,    -6.0,  Expect::ulp_above, 1e6, "0.5x(1+tanh u): 0 (100% error) for x<-5"},
  {Activation::mish,      Direction::fwd,   -kInf,  Expect::nonfinite, 0,   "x tanh(log(1+e^x)): -inf*0 = NaN"},
  {Activation::mish,      Direction::fwd,   -20.0,  Expect::ulp_above, 1e6, "log(1+e^-20) = 0 in f32"},
  {Activation::hardswish, Direction::fwd,    1e38,  Expect::nonfinite, 0,   "x*(x+3 clamped to 6)/6: x*6 overflows for |x|>5.7e37"},
  {Activation::hardswish, Direction::deriv, -1.4999999, Expect::ulp_above, 10, "x/3+0.5 cancels near the zero at -1.5"},
};
// clang-format on

TEST(TextbookFailures, MetricCatchesEachKnownFailureF32) {
  for (const auto& f : kFailures) {
    const std::string where = std::string(to_string(f.a)) + " " + to_string(f.d) + " at " + std::to_string(f.x) +
                              " (" + f.why + ")";
    const UlpError tb = run_one<float>(f.a, f.d, Variant::textbook, f.x);
    const AccuracyBound bound = accuracy_bound(f.a, f.d, DType::f32, Variant::textbook);
    if (f.what == Expect::nonfinite) {
      EXPECT_EQ(tb.cls, UlpClass::nonfinite_mismatch) << where;
    } else {
      ASSERT_EQ(tb.cls, UlpClass::finite) << where;
      EXPECT_GT(double(tb.ulp), f.ulp_min) << where;
      EXPECT_GT(double(tb.abs_err), bound.abs) << where;
    }
    // The same input through the precise variant is within its bound.
    const UlpError pr = run_one<float>(f.a, f.d, Variant::precise, f.x);
    const AccuracyBound pb = accuracy_bound(f.a, f.d, DType::f32, Variant::precise);
    EXPECT_EQ(pr.cls, UlpClass::finite) << "precise " << where;
    EXPECT_TRUE(pr.ulp <= pb.ulp || pr.abs_err <= pb.abs) << "precise " << where << ": " << double(pr.ulp) << " ulp";
    // bwd carries the derivative's failure (dy = 1)
    if (f.d == Direction::deriv) {
      const UlpError tbb = run_one<float>(f.a, Direction::bwd, Variant::textbook, f.x);
      EXPECT_TRUE(tbb.cls == UlpClass::nonfinite_mismatch || tbb.ulp > f.ulp_min) << "bwd " << where;
    }
  }
}

/// 16-bit data computes in f32, so f16's own overflow of x^3 never happens here; but the textbook tails
/// still collapse for bf16, whose range is f32's: gelu_tanh(-6) is 0 where the value is ~ -1e-7.
TEST(TextbookFailures, SixteenBitDataAlsoCatchesTails) {
  const UlpError g = run_one<bf16_t>(Activation::gelu_tanh, Direction::fwd, Variant::textbook, -6.0);
  EXPECT_GT(double(g.ulp), 100.0);
  const UlpError s = run_one<bf16_t>(Activation::sigmoid, Direction::deriv, Variant::textbook, 20.0);
  EXPECT_GT(double(s.ulp), 100.0);
  const UlpError h = run_one<bf16_t>(Activation::hardswish, Direction::fwd, Variant::textbook, 1e38);
  EXPECT_EQ(h.cls, UlpClass::nonfinite_mismatch);
  const UlpError t = run_one<bf16_t>(Activation::tanh, Direction::fwd, Variant::textbook, 1e-8);
  EXPECT_GT(double(t.ulp), 100.0);  // 2 sigma(2e-8) - 1 = 0 in f32
}

/// Over the whole sampled f32 input set, every textbook form fails its (precise) bound somewhere.
/// Activations without one have no textbook case at all (the registry does not generate it).
TEST(TextbookFailures, SampledSweepFailsWhereTheFormulaDiffers) {
  const auto xs = accuracy_inputs(DType::f32, AccuracyMode::sampled, 1);
  int checked = 0;
  for (const auto& info : kCatalog) {
    if (!variant_exists(info.id, Variant::textbook, DType::f32)) continue;
    ++checked;
    bool any_fail = false;
    for (Direction d : {Direction::fwd, Direction::deriv}) {
      OpSpec s;
      s.activation = info.id;
      s.direction = d;
      s.variant = Variant::textbook;
      AccuracyAccumulator acc(DType::f32, accuracy_bound(info.id, d, DType::f32, Variant::textbook));
      dispatch_op<float>(s, [&](auto op) {
        if constexpr (decltype(op)::direction != Direction::bwd) {
          for (std::size_t i = 0; i < xs.size(); ++i) {
            const float x = bit_cast<float>(static_cast<std::uint32_t>(xs[i]));
            const float y = op.at(std::int64_t(i), x);
            acc.add(xs[i], std::nullopt, bits_of(y),
                    ref::reference_value(DType::f32, info.id, d, decode(DType::f32, xs[i]), 0.0L, s.params));
          }
        }
        return 0;
      });
      any_fail |= !acc.finish(false).pass;
    }
    EXPECT_TRUE(any_fail) << info.name << ": the textbook form should fail somewhere";
  }
  EXPECT_GE(checked, 11);
}

}  // namespace
}  // namespace actbench
