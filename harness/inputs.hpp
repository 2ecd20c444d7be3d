// actbench/harness/inputs.hpp - which inputs the accuracy check feeds a kernel.
//
//  f16, bf16: all 65,536 bit patterns (sampled and exhaustive alike).
//  f32 sampled: 64 per binade, both signs, every binade including the subnormal range (by leading
//    bit), plus specials and thresholds (below); f32 exhaustive: all 2^32 patterns, streamed.
//  f64 sampled: 16 per binade, both signs, every binade including subnormals, plus specials;
//    f64 "exhaustive": the dense sample, 4096 per binade and sign (no f64 set is exhaustive).
//  Specials: +-0, +-inf, NaNs (quiet, signalling, payload, negative), smallest/largest subnormal,
//  smallest normal, largest finite and their neighbours, +-1, +-1e-8, +-1e-30, branch points 0, +-3,
//  +-6, the saturation thresholds of docs/ACCURACY.md computed exactly for the dtype (tanh and sigmoid
//  round to 1, softplus rounds to x, exp overflows / underflows) and the zeros of the derivatives
//  (catalog deriv_zero), each with neighbours.
// Everything is deterministic for a seed; a sample is sorted and free of duplicates.
#pragma once

#include "kernels/dtype.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace actbench {

enum class AccuracyMode { off, sampled, exhaustive };
const char* to_string(AccuracyMode m);
std::optional<AccuracyMode> parse_accuracy_mode(std::string_view s);

/// The input bit patterns for dtype t.  off: empty.  f32 exhaustive (2^32 patterns) throws
/// std::invalid_argument: stream it with InputStream.
std::vector<std::uint64_t> accuracy_inputs(DType t, AccuracyMode m, std::uint64_t seed);

/// The special values and thresholds of dtype t (bit patterns, sorted, unique; part of every sample).
std::vector<std::uint64_t> special_inputs(DType t);

/// All inputs of (t, m, seed) in chunks, for any dtype and mode, f32 exhaustive included.
/// next() is thread-safe: several threads may pull chunks from one stream.
class InputStream {
 public:
  InputStream(DType t, AccuracyMode m, std::uint64_t seed);
  /// Fills `chunk` (cleared first) with up to max_count inputs; `first_index`, when given, receives
  /// the position of chunk[0] in the whole sequence.  Returns false (chunk empty) at the end.
  bool next(std::vector<std::uint64_t>& chunk, std::size_t max_count,
            std::uint64_t* first_index = nullptr);
  std::uint64_t size() const { return total_; }   ///< inputs in the whole sequence
  bool exhaustive() const { return exhaustive_; } ///< every bit pattern of the dtype
  void reset() { pos_.store(0); }

 private:
  std::vector<std::uint64_t> list_;  ///< empty when patterns are generated (f32 exhaustive)
  bool generated_ = false;
  bool exhaustive_ = false;
  std::uint64_t total_ = 0;
  std::atomic<std::uint64_t> pos_{0};
};

/// The benchmark's data: n values uniform in [lo, hi], rounded to t, as t's little-endian bytes
/// (deterministic for a seed).
std::vector<unsigned char> benchmark_values(DType t, std::int64_t n, double lo, double hi, std::uint64_t seed);

/// n deterministic dy bit patterns of dtype t for bwd checks: finite, both signs, magnitudes
/// log-uniform in [0.1, 4] (rounded to t).
std::vector<std::uint64_t> bwd_dy(DType t, std::size_t n, std::uint64_t seed);

}  // namespace actbench
