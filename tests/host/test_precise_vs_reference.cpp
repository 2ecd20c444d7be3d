// Every precise functor, run on the host through dispatch_op exactly as a backend runs it, against the
// long-double reference over the accuracy input sets: all 2^16 patterns for f16/bf16, the stratified
// sample for f32/f64 (fwd, deriv, bwd), held to accuracy_bound().  Prints the measured max-ULP table.
// (16-bit data with the SFU primitives of kernels/narrow.hpp at their documented worst error:
// test_sfu_model.cpp, its own executable.)
#include "precise_measure.hpp"

#include <gtest/gtest.h>

namespace actbench {
namespace {

using test::describe;
using test::fmt_g;
using test::measure;

class PreciseVsReference : public ::testing::TestWithParam<DType> {};

TEST_P(PreciseVsReference, WithinBound) {
  const DType t = GetParam();
  std::printf("\nprecise %s (%s): max ULP (ulp|abs err of the worst where it passes on the abs part)\n", to_string(t),
              t == DType::f16 || t == DType::bf16 ? "all 65536 inputs" : "stratified sample + specials");
  std::printf("%-12s %12s %12s %12s\n", "activation", "fwd", "deriv", "bwd");
  for (const auto& info : kCatalog) {
    std::printf("%-12s", info.name);
    for (Direction d : kAllDirections) {
      const AccuracyRecord r = measure(t, info.id, d, Variant::precise);
      if (r.bound_abs > 0 && r.max_ulp > r.bound_ulp && r.worst)
        std::printf(" %12s", (fmt_g(r.max_ulp) + "|" + fmt_g(r.worst->abs_err)).c_str());
      else
        std::printf(" %12.4g", r.max_ulp);
      EXPECT_TRUE(r.pass) << info.name << " " << to_string(d) << " " << to_string(t) << ": " << describe(r);
      EXPECT_EQ(r.out_of_bound, 0u);
    }
    std::printf("\n");
    std::fflush(stdout);
  }
}

// Parameters away from their defaults, where e^(x/alpha) leaves the range: every 16-bit input, the f32/f64
// samples.  celu with alpha < 0 (an unbounded derivative) is checked in f (every dtype) and in f' and bwd in f64;
// its 16-bit f' and bwd and f32 bwd where f' overflows the compute type are known limits (docs/ACCURACY.md,
// "Known limits at other parameters").  swish at beta = 1.5 reaches beta x past f32's range in bf16's top binade;
// at beta = 1.1, beta x is inexact (its rounding term is carried); softplus at beta = 1.1 and 0.3 too, and 1/beta.
TEST_P(PreciseVsReference, WithinBoundAtOtherParameters) {
  const DType t = GetParam();
  struct Case {
    Activation a;
    const char* what;
    Params p;
    bool derivs;  // f' and bwd too
  };
  std::vector<Case> cases;
  const auto add = [&](Activation a, const char* what, auto set, bool derivs) {
    Params p;
    set(p);
    cases.push_back({a, what, p, derivs});
  };
  add(Activation::celu, "alpha=-1.5", [](Params& p) { p.celu_alpha = -1.5; }, t == DType::f64);
  add(Activation::celu, "alpha=-0.25", [](Params& p) { p.celu_alpha = -0.25; }, t == DType::f64);
  add(Activation::celu, "alpha=0.5", [](Params& p) { p.celu_alpha = 0.5; }, true);
  add(Activation::swish, "beta=1.5", [](Params& p) { p.swish_beta = 1.5; }, true);
  add(Activation::swish, "beta=1.1", [](Params& p) { p.swish_beta = 1.1; }, true);
  add(Activation::swish, "beta=0.25", [](Params& p) { p.swish_beta = 0.25; }, true);
  add(Activation::softplus, "beta=2", [](Params& p) { p.softplus_beta = 2.0; }, true);
  // inexact beta x and 1/beta: the rounding term of beta x and the pair 1/beta carried
  add(Activation::softplus, "beta=1.1", [](Params& p) { p.softplus_beta = 1.1; }, true);
  add(Activation::softplus, "beta=0.3", [](Params& p) { p.softplus_beta = 0.3; }, true);
  add(Activation::softplus, "beta=10", [](Params& p) { p.softplus_beta = 10.0; }, true);  // s/beta underflows
  for (const auto& c : cases) {
    for (Direction d : kAllDirections) {
      if (d != Direction::fwd && !c.derivs) continue;
      const AccuracyRecord r = measure(t, c.a, d, Variant::precise, c.p);
      std::printf("%-9s %-12s %-5s %s: max %.4g ulp\n", to_string(c.a), c.what, to_string(d), to_string(t), r.max_ulp);
      EXPECT_TRUE(r.pass) << to_string(c.a) << " " << c.what << " " << to_string(d) << " " << to_string(t) << ": "
                          << describe(r);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllDTypes, PreciseVsReference,
                         ::testing::Values(DType::f16, DType::bf16, DType::f32, DType::f64),
                         [](const auto& info) { return std::string(to_string(info.param)); });

}  // namespace
}  // namespace actbench
