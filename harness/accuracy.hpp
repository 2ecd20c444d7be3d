// actbench/harness/accuracy.hpp - the accuracy record of one case (FORMAT.md's AccuracyRecord)
// and the accumulator that builds it from (input, result, exact value) triples.
//
// One accumulator per thread; merge() them at the end.  The result does not depend on the order of
// add() and merge() calls (ties of the worst error are broken by the smaller input bits).
#pragma once

#include "harness/bounds.hpp"
#include "harness/ulp.hpp"
#include "kernels/dtype.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace actbench {

/// The input with the largest ULP error (FORMAT.md's `worst`).
struct WorstCase {
  std::uint64_t x_bits = 0;
  std::optional<std::uint64_t> dy_bits;  ///< bwd only
  std::uint64_t y_bits = 0;
  long double x = 0, y = 0, ref = 0;     ///< decoded x, decoded result, exact value
  std::optional<long double> dy;
  double ulp = 0, abs_err = 0;
};

/// Histogram edges [0, 0.5, 1, 2, 4, ..., 2^24]; counts[k] counts errors in [edges[k], edges[k+1]),
/// the last bin [2^24, inf).
inline constexpr int kHistogramBins = 27;
std::array<double, kHistogramBins> histogram_edges();
/// The bin of a ULP error.
int histogram_bin(long double ulp_err);

/// FORMAT.md's AccuracyRecord.  max/mean ULP, max abs/rel error and the histogram cover the finite
/// comparisons (both the result and the rounded exact value finite).
struct AccuracyRecord {
  DType dtype = DType::f32;
  std::uint64_t inputs_tested = 0;
  bool exhaustive = false;
  double max_ulp = 0, mean_ulp = 0;
  double max_abs_err = 0, max_rel_err = 0;
  std::optional<WorstCase> worst;
  std::array<double, kHistogramBins> histogram_edges{};
  std::array<std::uint64_t, kHistogramBins> histogram_counts{};
  std::uint64_t nonfinite_mismatches = 0;
  std::uint64_t signed_zero_mismatches = 0;
  std::uint64_t flushed_subnormals = 0;
  double bound_ulp = 0, bound_abs = 0;
  std::string bound_why;  ///< not part of the JSON record (the bound's source, for humans)
  std::uint64_t out_of_bound = 0;
  bool pass = true;
};

class AccuracyAccumulator {
 public:
  AccuracyAccumulator(DType t, AccuracyBound bound);

  /// One element: input bits (dy bits for bwd), the kernel's result bits, the exact value
  /// (ref::reference_value).
  void add(std::uint64_t x_bits, std::optional<std::uint64_t> dy_bits, std::uint64_t y_bits,
           long double exact);
  /// Adds another accumulator's counts (same dtype and bound).
  void merge(const AccuracyAccumulator& other);
  AccuracyRecord finish(bool exhaustive) const;

  DType dtype() const { return t_; }
  std::uint64_t count() const { return n_; }

 private:
  DType t_;
  AccuracyBound bound_;
  std::uint64_t n_ = 0, finite_ = 0;
  long double sum_ulp_ = 0, max_ulp_ = 0, max_abs_ = 0, max_rel_ = 0;
  std::array<std::uint64_t, kHistogramBins> hist_{};
  std::uint64_t nonfinite_ = 0, signed_zero_ = 0, flushed_ = 0, out_of_bound_ = 0;
  bool have_worst_ = false;
  std::uint64_t w_x_ = 0, w_y_ = 0;
  std::optional<std::uint64_t> w_dy_;
  long double w_ref_ = 0, w_ulp_ = 0, w_abs_ = 0;
};

/// FORMAT.md's AccuracyRecord as strict JSON (no NaN/inf numbers: values as decimal strings, bits as
/// hex strings; numbers beyond double's range are clamped to the largest double).
nlohmann::json to_json(const AccuracyRecord& r);

}  // namespace actbench
