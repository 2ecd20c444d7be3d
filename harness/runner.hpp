// actbench/harness/runner.hpp - runs one case end to end: buffers, roofline, accuracy, timing,
// and returns its report record.  Backend-agnostic: it talks to the Backend interface only.
#pragma once

#include "harness/backend.hpp"
#include "harness/inputs.hpp"
#include "harness/record.hpp"
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

/// The token that begins a suspect reason of a record faster than its in-run copy ("pct_of_copy_bw 133.2% > 105%:
/// ..."): the one kind of reason that puts the GB/s itself in doubt, which tools tell from the others by this token
/// (results/schema/FORMAT.md, `suspect`; tools/actbench_tools/load.py reads it, tools/actbench_tools/peers/runner.py
/// writes it for the framework peers, and tools/tests/test_load.py checks that both sides spell it alike).
inline constexpr const char* kFasterThanCopyToken = "pct_of_copy_bw ";

/// When a timing is implausible (record.hpp: suspect).
struct Plausibility {
  double max_pct_of_copy = 105.0;     ///< a kernel cannot move bytes faster than the copy (plus noise)
  double max_roofline_change = 0.25;  ///< the copy measured before and after a group of cases may differ this much
};

struct RunOptions {
  Plausibility plausibility;
  AccuracyMode accuracy = AccuracyMode::sampled;
  bool timing = true;                    ///< false: accuracy only (no buffers of size n, no roofline)
  StopRule rule;
  bool cold = true;                      ///< also measure with the cache flushed between samples
  std::int64_t batched_max_n = 1 << 20;  ///< sizes up to this are also timed as batched replays
  int batched_reps = 16;
  std::uint64_t seed = 20261127;
  Params params;
};

/// Runs the kernel of (c.activation, c.direction, c.dtype, c.variant, c.impl) on the given
/// inputs (bit patterns of c.dtype; dy only for bwd) and returns the outputs' bit patterns.
/// The output buffer is poisoned first (0xFF bytes); where an output still holds the poison it runs again
/// over 0x00 bytes, and an element that differs is unwritten: BackendError.
std::vector<std::uint64_t> run_on_inputs(Backend& backend, const Case& c, const Params& params,
                                         const std::vector<std::uint64_t>& x_bits,
                                         const std::vector<std::uint64_t>& dy_bits);

/// What running one case gave: a timed record, or the reason it did not run.
struct CaseOutcome {
  std::optional<BenchmarkRecord> record;  ///< it ran
  std::optional<NotRunRecord> not_run;    ///< skipped, or an error
  /// The roofline of the previous (dtype, n) group, finished (measured again) before this case moved on:
  /// the records of that group take their final % of copy from it (apply_roofline).
  std::optional<RooflineRecord> finished_group;
};

/// Sets r's % of copy from `roof` (its best copy) and r's suspect reasons: its own timing (over the copy,
/// not converged) and the roofline's.
void apply_roofline(BenchmarkRecord& r, const RooflineRecord& roof, const Plausibility& p);

class Runner {
 public:
  Runner(Backend& backend, RunOptions options);

  /// The cases this run will go through (those of this runner's device are kept): their accuracy is
  /// checked in groups that share the exact values.  Optional: without it each case is checked alone.
  void set_plan(const std::vector<Case>& cases);

  /// Runs one case: skipped with a reason when the backend cannot run it or it does not fit.
  CaseOutcome run(const Case& c, int repetition_index);

  /// The roofline measured so far (one entry per dtype and n).
  const std::vector<RooflineRecord>& roofline() const { return roofline_; }
  /// Measures the copy of the current (dtype, n) group again and judges the roofline's plausibility;
  /// nullopt when no group is open.  run() does it itself when a case moves to another group.
  std::optional<RooflineRecord> finish_group();
  /// Telemetry samples (before the first case group, after the last).
  const nlohmann::json& telemetry_first() const { return telemetry_first_; }
  const nlohmann::json& telemetry_last() const { return telemetry_last_; }
  bool throttled() const { return throttled_; }

 private:
  struct Workspace {
    DType dtype = DType::f32;
    std::int64_t n = -1;
    Buffer x, dy, y, slopes, dalpha;
  };

  void prepare(DType t, std::int64_t n);
  RooflineRecord& roofline(DType t, std::int64_t n);
  const std::optional<AccuracyRecord>& accuracy(const Case& c);
  std::vector<Case> accuracy_group(const Case& c) const;
  /// After the timed launches of `l`: the head, the tail and a strided sample of y against the host
  /// running the same functor on the same x (and dy) - harness/host_match.hpp's tolerance.
  OutputCheck check_timed_output(const Case& c, const Launch& l);
  void sample_telemetry();

  Backend& backend_;
  RunOptions opt_;
  std::vector<float> slopes_;
  Workspace ws_;
  std::vector<RooflineRecord> roofline_;
  std::vector<Case> plan_;
  std::map<std::tuple<Activation, Direction, DType, Variant, Impl, BackendKind, int>, std::optional<AccuracyRecord>>
      accuracy_;
  nlohmann::json telemetry_first_ = nlohmann::json::object();
  nlohmann::json telemetry_last_ = nlohmann::json::object();
  bool throttled_ = false;
};

}  // namespace actbench
