// actbench/harness/accuracy.hpp - the accumulator that builds an AccuracyRecord (record.hpp) from
// (input, result, exact value) triples.
//
// One accumulator per thread; merge() them at the end.  The result does not depend on the order of
// add() and merge() calls (ties of the worst error are broken by the smaller input bits).
#pragma once

#include "harness/bounds.hpp"
#include "harness/record.hpp"
#include "harness/ulp.hpp"
#include "kernels/dtype.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>


namespace actbench {

/// The bin of a ULP error in the record's histogram (record.hpp: histogram_edges).
int histogram_bin(long double ulp_err);

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
  /// One candidate of the worst inputs (kept as raw bits and long doubles until finish()).
  struct Candidate {
    long double ulp = 0, abs_err = 0, ref = 0;
    std::uint64_t x = 0, y = 0;
    std::optional<std::uint64_t> dy;
  };
  /// Per sign and exponent field of x: counts and the largest error (per_binade).
  struct Bucket {
    std::uint64_t count = 0, over = 0;
    long double max_ulp = 0;
  };
  void offer(const Candidate& c);
  std::size_t bucket_of(std::uint64_t x_bits) const;

  DType t_;
  AccuracyBound bound_;
  int mant_bits_ = 0, exp_bits_ = 0;
  long double min_normal_ = 0;
  std::uint64_t n_ = 0, finite_ = 0;
  long double sum_ulp_ = 0, max_ulp_ = 0, max_abs_ = 0, max_rel_ = 0, max_deciding_ = 0;
  std::array<std::uint64_t, kHistogramBins> hist_{};
  std::uint64_t nonfinite_ = 0, signed_zero_ = 0, flushed_ = 0, flushed_over_ = 0, out_of_bound_ = 0;
  std::uint64_t allowance_only_ = 0, subnormal_outputs_ = 0;
  std::vector<Candidate> top_;   ///< worst first, at most kTopWorst
  std::vector<Bucket> buckets_;  ///< [sign][exponent field]; the all-ones field holds 0, inf and NaN
};

}  // namespace actbench
