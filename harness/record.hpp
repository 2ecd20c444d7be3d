// actbench/harness/record.hpp - the report's records as typed values, and their one JSON form.
//
// The shape of a report is defined here and nowhere else (results/schema/FORMAT.md documents it,
// results/schema/actbench-report.schema.json checks it, tools/actbench_tools/load.py reads it):
//   Stats             one timing measurement
//   AccuracyRecord    the accuracy of one (activation, direction, dtype, variant, impl, backend, device)
//   BenchmarkRecord   one timed case (a `benchmarks[]` entry)
//   NotRunRecord      a case generated but not run (`not_run[]`)
//   RooflineRecord    the in-run copy of one (backend, device, dtype, n) (`roofline[]`)
// Numbers that may be non-finite are written as decimal strings beside their bit patterns; a number
// beyond double's range is clamped (a report is strict RFC 8259 JSON).
#pragma once

#include "harness/registry.hpp"
#include "kernels/axes.hpp"
#include "kernels/dtype.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace actbench {

/// Summary of one measurement (all times in seconds).
struct Stats {
  double median = 0, min = 0, mean = 0, stddev = 0;
  int samples = 0;
  double rel_spread = 0;  ///< stddev / mean
  bool converged = false;
};

/// One input with its result and exact value (FORMAT.md's `worst`).
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

/// The errors of the inputs of one sign and binade of x (`per_binade`).
struct BinadeErrors {
  int sign = 1;            ///< 1 or -1
  std::optional<int> exp;  ///< floor(log2|x|); emin - 1 for every subnormal x; nullopt for 0, inf, NaN
  std::optional<int> exp_last;  ///< a group of binades exp..exp_last (f64, 16 at a time); nullopt: one
  std::uint64_t count = 0, over_bound = 0;
  double max_ulp = 0;
};

/// How many worst inputs a record keeps (`top_worst`).
inline constexpr int kTopWorst = 16;

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
  std::string bound_why;  ///< where the bound comes from
  std::uint64_t out_of_bound = 0;
  bool pass = true;
  // report format v2
  std::vector<std::string> fail_reasons;  ///< out_of_bound, nonfinite_mismatch, signed_zero_mismatch, flushed_subnormal
  std::uint64_t allowance_only = 0;       ///< over bound_ulp, passing only by bound_abs
  double max_ulp_deciding = 0;            ///< max ULP over the elements that do not pass by the allowance alone
  std::vector<WorstCase> top_worst;       ///< up to kTopWorst, largest ULP first
  std::vector<BinadeErrors> per_binade;   ///< by sign, then binade
  std::uint64_t subnormal_outputs = 0;    ///< exact values in the dtype's subnormal range
  std::string reference = "long double";  ///< how the exact values were computed
  bool expected_to_fail = false;          ///< a textbook variant: its failures are the point
};

/// The check of a timed launch's own output (runner: after timing, a strided sample of y against the
/// host running the same functor on the same inputs).
struct OutputCheck {
  std::int64_t elements = 0;    ///< sampled elements compared
  std::int64_t mismatches = 0;  ///< of those, how many did not match
  std::string comparison;       ///< "bit-exact", or the tolerance and why
  std::string first_mismatch;   ///< "i=... x=0x... got 0x... want 0x..." (empty when none)
  bool pass() const { return mismatches == 0; }
};

/// One timed case.
struct BenchmarkRecord {
  Case c;
  Params params;                 ///< as used (the record shows the activation's own)
  int repetition_index = 0;      ///< Google Benchmark's --benchmark_repetitions
  std::int64_t bytes = 0;        ///< bytes one launch moves (bytes_moved: what this impl reads and writes)
  bool timed = true;             ///< false: an accuracy-only run (--no-timing), no timing figures
  Stats hot;                     ///< back to back
  std::optional<Stats> cold;     ///< cache flushed between samples
  std::optional<Stats> batched;  ///< CUDA-graph (or loop) replays
  double gbps = 0, elements_per_s = 0;
  double pct_of_copy_bw = 0, pct_of_copy_kernel_bw = 0;
  bool l2_resident = false;
  std::optional<AccuracyRecord> accuracy;  ///< nullopt: accuracy off
  std::vector<std::string> suspect;        ///< why the timing is implausible (empty: plausible)
  std::string bytes_convention;            ///< how `bytes` counts what the impl moves
  std::optional<OutputCheck> output_check; ///< the timed output against the host (nullopt: not checked)

  /// pass / fail / unchecked (accuracy off)
  const char* status() const;
  bool accuracy_failed() const { return accuracy && !accuracy->pass; }
  /// The timed launches' output did not match the host functor: the kernel timed is not the one measured.
  bool output_failed() const { return output_check && !output_check->pass(); }
};

/// A case generated but not run.
struct NotRunRecord {
  Case c;
  bool error = false;  ///< an error while running (else: skipped, e.g. does not fit, no cuDNN)
  std::string reason;
};

/// The in-run roofline of one (backend, device, dtype, n): the platform's copy and our copy kernel.
struct RooflineRecord {
  BackendKind backend = BackendKind::cpu;
  int device = 0;
  DType dtype = DType::f32;
  std::int64_t n = 0;
  Stats memcpy, copy_kernel;
  std::optional<Stats> memcpy_after;  ///< measured again after the cases of this (dtype, n)
  std::vector<std::string> suspect;   ///< why the copy timing is implausible (empty: plausible)
  std::int64_t bytes() const;  ///< read + write: 2 n size
  double memcpy_gbps() const;  ///< the faster of the copy before and after the group's cases
  double copy_kernel_gbps() const;
  /// The roofline every % of copy divides by: the fastest copy measured in the run, the platform's (memcpy) or
  /// the backend's own copy kernel (the kernels' launch shape and stores; on the cpu it streams out of cache
  /// where the platform's memcpy may not).
  double copy_gbps() const;
  bool copy_is_kernel() const;  ///< copy_gbps() is the copy kernel's
};

/// GB/s (1e9 bytes per second) of `bytes` in `seconds`; 0 when seconds is 0.
double gbps_of(double bytes, double seconds);

/// The parameters of activation `a` as used, e.g. {"alpha": 0.01} ({} when it has none).
nlohmann::json params_json(Activation a, const Params& p);

nlohmann::json to_json(const Stats& s);
nlohmann::json to_json(const AccuracyRecord& r);
nlohmann::json to_json(const OutputCheck& c);
nlohmann::json to_json(const BenchmarkRecord& r);
nlohmann::json to_json(const NotRunRecord& r);
nlohmann::json to_json(const RooflineRecord& r);

}  // namespace actbench
