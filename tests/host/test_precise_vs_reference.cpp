// Every precise functor, run on the host through dispatch_op exactly as a backend runs it, against the
// long-double reference over the accuracy input sets: all 2^16 patterns for f16/bf16, the stratified
// sample for f32/f64 (fwd, deriv, bwd), held to accuracy_bound().  Prints the measured max-ULP table.
// 16-bit data also run with the SFU primitives of kernels/narrow.hpp at their documented worst error.
#include "harness/accuracy.hpp"
#include "harness/bounds.hpp"
#include "harness/inputs.hpp"
#include "harness/reference.hpp"
#include "harness/ulp.hpp"
#include "kernels/elementwise.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

namespace actbench {
namespace {

template <class T>
T from_bits(std::uint64_t b) {
  using B = typename dtype_traits<T>::bits_t;
  return bit_cast<T>(static_cast<B>(b));
}
template <class T>
std::uint64_t to_bits(T v) {
  using B = typename dtype_traits<T>::bits_t;
  return static_cast<std::uint64_t>(bit_cast<B>(v));
}

/// Runs (a, d, v) over the inputs of t on the host and returns the accuracy record.
template <class T>
AccuracyRecord measure_typed(Activation a, Direction d, Variant v, const std::vector<std::uint64_t>& xs,
                             const std::vector<std::uint64_t>& dys, bool exhaustive) {
  const DType t = dtype_traits<T>::dtype;
  OpSpec s;
  s.activation = a;
  s.direction = d;
  s.variant = v;  // prelu: no slope memory, every channel uses params.prelu_alpha (the reference's)
  const AccuracyBound bound = accuracy_bound(a, d, t, v);
  const unsigned nthreads = 2;
  std::vector<AccuracyAccumulator> acc(nthreads, AccuracyAccumulator(t, bound));
  std::vector<std::thread> pool;
  for (unsigned w = 0; w < nthreads; ++w) {
    pool.emplace_back([&, w] {
      dispatch_op<T>(s, [&](auto op) {
        for (std::size_t i = w; i < xs.size(); i += nthreads) {
          const T x = from_bits<T>(xs[i]);
          const long double lx = decode(t, xs[i]);
          if constexpr (decltype(op)::direction == Direction::bwd) {
            const std::uint64_t dyb = dys[i % dys.size()];
            const T y = op.at(std::int64_t(i), x, from_bits<T>(dyb));
            const long double ref = ref::reference_value(t, a, d, lx, decode(t, dyb), s.params);
            acc[w].add(xs[i], dyb, to_bits(y), ref);
          } else {
            const T y = op.at(std::int64_t(i), x);
            const long double ref = ref::reference_value(t, a, d, lx, 0.0L, s.params);
            acc[w].add(xs[i], std::nullopt, to_bits(y), ref);
          }
        }
        return 0;
      });
    });
  }
  for (auto& th : pool) th.join();
  for (unsigned w = 1; w < nthreads; ++w) acc[0].merge(acc[w]);
  return acc[0].finish(exhaustive);
}

AccuracyRecord measure(DType t, Activation a, Direction d, Variant v) {
  const auto xs = accuracy_inputs(t, AccuracyMode::sampled, 1);
  const auto dys = bwd_dy(t, 4099, 7);
  const bool exhaustive = t == DType::f16 || t == DType::bf16;
  return visit_dtype(t, [&](auto tag) { return measure_typed<decltype(tag)>(a, d, v, xs, dys, exhaustive); });
}

std::string describe(const AccuracyRecord& r) {
  std::string s = "max_ulp=" + std::to_string(r.max_ulp) + " bound=" + std::to_string(r.bound_ulp) +
                  " abs=" + std::to_string(r.bound_abs) + " out_of_bound=" + std::to_string(r.out_of_bound) +
                  " nonfinite=" + std::to_string(r.nonfinite_mismatches) +
                  " signed_zero=" + std::to_string(r.signed_zero_mismatches);
  if (r.worst)
    s += " worst x=" + hex_bits(r.dtype, r.worst->x_bits) + " (" + decimal(r.dtype, r.worst->x) + ") got " +
         decimal(r.worst->y) + " ref " + decimal(r.worst->ref);
  return s;
}

std::string fmt_g(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2g", v);
  return buf;
}

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

// 16-bit data run on narrow.hpp, whose exp the host computes with libm and the device with the SFU's
// ex2.approx.  Here every 16-bit input runs again with the host's exp (and the raw rcp stand-in)
// scaled by (1 +- the device's worst-case error) in each of the four sign combinations: the bound must
// still hold, so it does not rest on the host's libm being better than the device's SFU.
class PreciseVsReferenceSfuWorstCase : public ::testing::TestWithParam<DType> {};

TEST_P(PreciseVsReferenceSfuWorstCase, WithinBound) {
  const DType t = GetParam();
  auto& p = narrow::host_perturbation();
  std::printf("\nprecise %s, all 65536 inputs, exp perturbed by +-1.5*2^-22, rcp by +-2^-23: max ULP over "
              "the four sign combinations\n", to_string(t));
  std::printf("%-12s %12s %12s %12s\n", "activation", "fwd", "deriv", "bwd");
  for (const auto& info : kCatalog) {
    std::printf("%-12s", info.name);
    for (Direction d : kAllDirections) {
      double worst = 0;
      for (int sx : {-1, 1}) {
        for (int sr : {-1, 1}) {
          p.exp = float(sx) * narrow::kExpRelErr;
          p.rcp = float(sr) * narrow::kRcpRelErr;
          const AccuracyRecord r = measure(t, info.id, d, Variant::precise);
          worst = std::max(worst, r.max_ulp);
          EXPECT_TRUE(r.pass) << info.name << " " << to_string(d) << " " << to_string(t) << " ex2 " << sx << " rcp "
                              << sr << ": " << describe(r);
        }
      }
      p = narrow::Perturbation{};
      std::printf(" %12.4g", worst);
    }
    std::printf("\n");
    std::fflush(stdout);
  }
}

INSTANTIATE_TEST_SUITE_P(SixteenBit, PreciseVsReferenceSfuWorstCase, ::testing::Values(DType::f16, DType::bf16),
                         [](const auto& info) { return std::string(to_string(info.param)); });

INSTANTIATE_TEST_SUITE_P(AllDTypes, PreciseVsReference,
                         ::testing::Values(DType::f16, DType::bf16, DType::f32, DType::f64),
                         [](const auto& info) { return std::string(to_string(info.param)); });

}  // namespace
}  // namespace actbench
