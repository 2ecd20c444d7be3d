// f64 precise gelu and gelu' in their far negative tail, where the results reach the subnormal range
// (x in (-41, -35): gelu(-38) ~ -1e-314).  Before kernels/activations.hpp scaled this tail (Gelu::tail_f64),
// erfc's own subnormal result was rounded twice: 6.97 ulp at x = -38 against a 6-ulp bound.
#include "harness/bounds.hpp"
#include "harness/reference.hpp"
#include "harness/ulp.hpp"
#include "kernels/activations.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>

namespace actbench {
namespace {

TEST(GeluF64Tail, DenseSampleIncludingSubnormalResults) {
  const Gelu<Variant::precise> g;
  for (Direction d : {Direction::fwd, Direction::deriv}) {
    const AccuracyBound b = accuracy_bound(Activation::gelu, d, DType::f64, Variant::precise);
    double worst = 0, worst_x = 0;
    int failures = 0;
    const int n = 200000;
    for (int i = 0; i <= n; ++i) {
      const double x = -41.0 + 6.0 * i / n;
      const double y = d == Direction::fwd ? g.fwd(x) : g.deriv(x);
      const long double exact = ref::eval_ext(Activation::gelu, d, x, Params{}, ref::ConstRounding::f64);
      const UlpError e = ulp_error(DType::f64, bit_cast<std::uint64_t>(y), exact);
      ASSERT_EQ(e.cls, UlpClass::finite) << x;
      EXPECT_FALSE(e.signed_zero_mismatch || e.flushed_subnormal) << x;
      // no absolute allowance here: the tail is far from the zero of gelu'
      if (static_cast<double>(e.ulp) > b.ulp && ++failures < 5)
        ADD_FAILURE() << "gelu " << to_string(d) << "(" << x << "): " << static_cast<double>(e.ulp) << " ulp > " << b.ulp;
      if (static_cast<double>(e.ulp) > worst) {
        worst = static_cast<double>(e.ulp);
        worst_x = x;
      }
    }
    std::printf("[f64 gelu %-5s] x in [-41, -35], %d points: max %.3f ulp at x = %.17g (bound %.1f)\n", to_string(d),
                n + 1, worst, worst_x, b.ulp);
    EXPECT_EQ(failures, 0);
  }
}

}  // namespace
}  // namespace actbench
