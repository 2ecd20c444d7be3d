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

INSTANTIATE_TEST_SUITE_P(AllDTypes, PreciseVsReference,
                         ::testing::Values(DType::f16, DType::bf16, DType::f32, DType::f64),
                         [](const auto& info) { return std::string(to_string(info.param)); });

}  // namespace
}  // namespace actbench
