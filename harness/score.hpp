// actbench/harness/score.hpp - scoring any implementation's outputs: the accuracy record actbench's own
// cases get (the same AccuracyAccumulator, the same reference, the precise variant's bound with its why),
// from arrays of inputs and outputs instead of a kernel launch.
//
// `actbench score` reads x (dy for bwd) and y from files (harness/npy.hpp) in chunks and feeds them here;
// tests feed the Scorer directly.  Element i is compared with ref::exact_value(..., i, x[i], dy[i]), so
// prelu's channel is i % channels, as in actbench's own accuracy check.
#pragma once

#include "harness/accuracy.hpp"
#include "harness/bounds.hpp"
#include "harness/record.hpp"
#include "kernels/axes.hpp"
#include "kernels/dtype.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace actbench {

/// What is scored: one function of one dtype, with its parameters, and who computed the outputs.
struct ScoreSpec {
  Activation activation = Activation::relu;
  Direction direction = Direction::fwd;
  DType dtype = DType::f32;
  Params params;
  std::string impl = "external";  ///< a label for the report (torch-eager, jax-jit, ...)
};

/// The bound an external implementation is held to: the precise variant's (bounds.cpp), its why prefixed.
AccuracyBound score_bound(const ScoreSpec& spec);

/// Accumulates the accuracy of (x, dy, y) chunks, in file order.
class Scorer {
 public:
  explicit Scorer(const ScoreSpec& spec);

  /// One chunk: inputs, dy (bwd only: same length; otherwise empty) and outputs, bit patterns of the
  /// dtype.  Chunks must come in order (element indices continue from the previous chunk).  Throws
  /// std::invalid_argument when the lengths differ or dy is missing or not finite for bwd.
  void add(const std::vector<std::uint64_t>& x, const std::vector<std::uint64_t>& dy,
           const std::vector<std::uint64_t>& y);

  /// The record: `exhaustive` when the inputs were every bit pattern of the dtype, in order.
  AccuracyRecord finish() const;
  std::uint64_t count() const { return next_index_; }

 private:
  ScoreSpec spec_;
  AccuracyBound bound_;
  std::vector<float> slopes_;
  AccuracyAccumulator total_;
  std::uint64_t next_index_ = 0;
  bool in_order_ = true;  ///< x[i] == i so far
};

/// The files of one scoring.
struct ScoreFiles {
  std::string x, y;
  std::optional<std::string> dy;
};

/// Scores the files (ArrayFileError for a bad file, std::invalid_argument for arrays that do not fit
/// together: different lengths, a non-finite dy, dy missing for bwd or given otherwise).
AccuracyRecord score_files(const ScoreSpec& spec, const ScoreFiles& files);

/// A report fragment: the axes, the parameters as used, the files and the accuracy record, for a peer
/// runner to merge into its report ({"format": "actbench-score", ...}; results/schema/FORMAT.md).
nlohmann::json score_fragment(const ScoreSpec& spec, const ScoreFiles& files, const AccuracyRecord& record);

}  // namespace actbench
