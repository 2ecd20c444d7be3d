// actbench/harness/runner.hpp - runs one case end to end: buffers, roofline, accuracy, timing,
// and returns its report record.  Backend-agnostic: it talks to the Backend interface only.
#pragma once

#include "harness/backend.hpp"
#include "harness/inputs.hpp"
#include "harness/registry.hpp"
#include "harness/timing.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace actbench {

struct RunOptions {
  AccuracyMode accuracy = AccuracyMode::sampled;
  StopRule rule;
  bool cold = true;                      ///< also measure with the cache flushed between samples
  std::int64_t batched_max_n = 1 << 20;  ///< sizes up to this are also timed as batched replays
  int batched_reps = 16;
  std::uint64_t seed = 20261127;
  Params params;
};

/// The slopes of prelu's channels: channel c gets alpha·(1 + c/C), so that a kernel reading the
/// wrong channel shows up in the accuracy check (PyTorch initialises every channel to alpha).
std::vector<float> prelu_slopes(const Params& p);

/// Runs the kernel of (c.activation, c.direction, c.dtype, c.variant, c.impl) on the given
/// inputs (bit patterns of c.dtype; dy only for bwd) and returns the outputs' bit patterns.
/// The output buffer is poisoned first (0xFF bytes) so an unwritten element is caught.
std::vector<std::uint64_t> run_on_inputs(Backend& backend, const Case& c, const Params& params,
                                         const std::vector<std::uint64_t>& x_bits,
                                         const std::vector<std::uint64_t>& dy_bits);

/// The exact value for element i of a case (prelu: the slope of channel i % C).
long double exact_value(const Case& c, const Params& params, const std::vector<float>& slopes, std::int64_t i,
                        std::uint64_t x_bits, std::uint64_t dy_bits);

/// The parameters of activation `a` as used, for the record (e.g. {"alpha": 0.01}).
nlohmann::json params_json(Activation a, const Params& p);

struct CaseOutcome {
  enum class Status { ran, skipped, error };
  Status status = Status::ran;
  std::string reason;         ///< why skipped / the error
  nlohmann::json record;      ///< a benchmarks[] record (ran) or a not_run[] entry
  double median_s = 0;        ///< hot median (ran)
  bool accuracy_failed = false;
};

class Runner {
 public:
  Runner(Backend& backend, RunOptions options);

  /// Runs one case: skipped with a reason when the backend cannot run it or it does not fit.
  CaseOutcome run(const Case& c, int repetition_index);

  /// The roofline measured so far (one entry per dtype and n).
  nlohmann::json roofline_json() const;
  /// Telemetry samples (before the first case group, after the last).
  const nlohmann::json& telemetry_first() const { return telemetry_first_; }
  const nlohmann::json& telemetry_last() const { return telemetry_last_; }
  bool throttled() const { return throttled_; }

 private:
  struct Roofline {
    DType dtype;
    std::int64_t n;
    Stats memcpy, kernel;
  };
  struct Workspace {
    DType dtype = DType::f32;
    std::int64_t n = -1;
    Buffer x, dy, y, slopes, dalpha;
  };

  void prepare(DType t, std::int64_t n);
  const Roofline& roofline(DType t, std::int64_t n);
  const nlohmann::json& accuracy(const Case& c);
  void sample_telemetry();

  Backend& backend_;
  RunOptions opt_;
  std::vector<float> slopes_;
  Workspace ws_;
  std::vector<Roofline> roofline_;
  std::map<std::tuple<Activation, Direction, DType, Variant, Impl, BackendKind, int>, nlohmann::json> accuracy_;
  using RefKey = std::tuple<Activation, Direction, DType, std::uint64_t, std::size_t>;
  std::optional<std::pair<RefKey, std::vector<long double>>> exact_cache_;
  nlohmann::json telemetry_first_ = nlohmann::json::object();
  nlohmann::json telemetry_last_ = nlohmann::json::object();
  bool throttled_ = false;
};

}  // namespace actbench
