// Shared by test_precise_vs_reference.cpp and test_sfu_model.cpp: every precise functor run on the host
// through dispatch_op exactly as a backend runs it, against the long-double reference over the accuracy
// input sets, held to accuracy_bound().
#pragma once

#include "harness/accuracy.hpp"
#include "harness/bounds.hpp"
#include "harness/inputs.hpp"
#include "harness/reference.hpp"
#include "harness/ulp.hpp"
#include "kernels/catalog.hpp"
#include "kernels/elementwise.hpp"

#include <algorithm>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

namespace actbench {
namespace test {

template <class T>
inline T from_bits(std::uint64_t b) {
  using B = typename dtype_traits<T>::bits_t;
  return bit_cast<T>(static_cast<B>(b));
}
template <class T>
inline std::uint64_t to_bits(T v) {
  using B = typename dtype_traits<T>::bits_t;
  return static_cast<std::uint64_t>(bit_cast<B>(v));
}

/// Runs (a, d, v) over the inputs of t on the host and returns the accuracy record.
template <class T>
AccuracyRecord measure_typed(Activation a, Direction d, Variant v, const std::vector<std::uint64_t>& xs,
                             const std::vector<std::uint64_t>& dys, bool exhaustive, const Params& params) {
  const DType t = dtype_traits<T>::dtype;
  OpSpec s;
  s.activation = a;
  s.direction = d;
  s.variant = v;  // prelu: no slope memory, every channel uses params.prelu_alpha (the reference's)
  s.params = params;
  const AccuracyBound bound = accuracy_bound(a, d, t, v, params);
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

inline AccuracyRecord measure(DType t, Activation a, Direction d, Variant v, const Params& params = Params{}) {
  const auto xs = accuracy_inputs(t, AccuracyMode::sampled, 1);
  const auto dys = bwd_dy(t, 4099, 7);
  const bool exhaustive = t == DType::f16 || t == DType::bf16;
  return visit_dtype(t, [&](auto tag) { return measure_typed<decltype(tag)>(a, d, v, xs, dys, exhaustive, params); });
}

inline std::string describe(const AccuracyRecord& r) {
  std::string s = "max_ulp=" + std::to_string(r.max_ulp) + " bound=" + std::to_string(r.bound_ulp) +
                  " abs=" + std::to_string(r.bound_abs) + " out_of_bound=" + std::to_string(r.out_of_bound) +
                  " nonfinite=" + std::to_string(r.nonfinite_mismatches) +
                  " signed_zero=" + std::to_string(r.signed_zero_mismatches);
  if (r.worst)
    s += " worst x=" + hex_bits(r.dtype, r.worst->x_bits) + " (" + decimal(r.dtype, r.worst->x) + ") got " +
         decimal(r.worst->y) + " ref " + decimal(r.worst->ref);
  return s;
}

inline std::string fmt_g(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2g", v);
  return buf;
}

}  // namespace test
}  // namespace actbench
