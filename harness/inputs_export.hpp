// actbench/harness/inputs_export.hpp - `actbench inputs`: the inputs actbench feeds its kernels, written to
// files (harness/npy.hpp) so that any other implementation can be run and scored on exactly them.
//
//  accuracy sets   harness/inputs.hpp's accuracy_inputs (sampled; f16/bf16: every pattern) in actbench's
//                  order, with bwd's dy from bwd_dy(t, chunk, seed + first) per chunk of kAccuracyChunk
//                  inputs, as the runner draws them (harness/runner.cpp).  f32 exhaustive (2^32 inputs,
//                  16 GiB a file) is written a range of bit patterns at a time.
//  benchmark data  benchmark_values(t, n, -8, 8, seed) for x and (-1, 1, seed + 1) for dy: what a timed case
//                  of size n reads.
#pragma once

#include "harness/inputs.hpp"
#include "kernels/dtype.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace actbench {

/// Inputs per accuracy chunk: the runner draws bwd's dy per chunk of this many inputs.
inline constexpr std::size_t kAccuracyChunk = std::size_t{1} << 22;

struct InputsRequest {
  DType dtype = DType::f32;
  bool bwd = false;  ///< also write dy
  AccuracyMode mode = AccuracyMode::sampled;
  std::optional<std::pair<std::uint64_t, std::uint64_t>> range;  ///< [lo, hi) bit patterns (exhaustive sets)
  std::optional<std::int64_t> n;  ///< the benchmark's data of n elements instead of an accuracy set
  std::uint64_t seed = 20261127;
  std::string x_path;
  std::optional<std::string> dy_path;
  bool raw = false;  ///< raw little-endian values instead of .npy
};

/// What was written.
struct InputsWritten {
  std::uint64_t count = 0;
  std::string what;  ///< "the sampled accuracy set (seed 20261127)", "the benchmark data, n = 1048576 (seed 1)"
};

/// "LO:HI": a half-open range of bit patterns of t, each a decimal or 0x number, LO < HI <= 2^bits.
/// Throws std::invalid_argument naming the problem.
std::pair<std::uint64_t, std::uint64_t> parse_bit_range(const std::string& spec, DType t);

/// Checks the request (std::invalid_argument: one line) and writes the files (ArrayFileError).
InputsWritten write_inputs(const InputsRequest& request);

}  // namespace actbench
