// actbench/harness/plan.hpp - what a run will do, decided before anything runs: a pure function of the
// user's request and the machine (backend kind, device ids).  No device, no file, no Google Benchmark.
//
// request (validated CLI input) -> make_plan -> RunPlan {selection, options, cases}
//   -> (the session applies Google Benchmark's own filter) -> shard_of -> the cases this process runs.
#pragma once

#include "harness/inputs.hpp"
#include "harness/registry.hpp"
#include "harness/runner.hpp"
#include "harness/timing.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace actbench {

/// One slice of a run split over several processes or machines: the index-th of count (1-based).
struct Shard {
  int index = 1;
  int count = 1;
};

/// "K/N" with 1 <= K <= N.  Throws std::invalid_argument naming the problem.
Shard parse_shard(const std::string& spec);

/// Timing overrides from the command line (unset: the backend's defaults).
struct TimingOverrides {
  std::optional<double> max_time_s;   ///< cap per measurement
  std::optional<double> max_noise;    ///< relative spread that stops sampling
  std::optional<int> min_samples;
};

/// What the user asked for, parsed and validated.  Empty axis lists mean "the default suite's".
struct RunRequest {
  Selection filters;
  AccuracyMode accuracy = AccuracyMode::sampled;
  Params params;
  bool quick = false;
  bool cold = true;
  bool timed = true;  ///< false: accuracy only (--no-timing)
  TimingOverrides timing;
  std::uint64_t seed = 20261127;
};

/// Everything a run does, decided up front.
struct RunPlan {
  BackendKind backend = BackendKind::cpu;
  std::vector<int> devices;
  Selection selection;         ///< the request's filters over the backend's default suite
  RunOptions options;          ///< stopping rule, cold/batched timing, accuracy mode, params, seed
  std::vector<Case> cases;     ///< every case of the selection, in run order
};

/// The stopping rule and timing modes of a backend (the cpu's 2-core budget, the GPU's precision).
RunOptions default_options(BackendKind backend, bool quick);

/// The plan of `request` on `backend` with `devices`.  Pure: the same inputs give the same plan.
RunPlan make_plan(const RunRequest& request, BackendKind backend, const std::vector<int>& devices);

/// A model of how long a case takes (seconds), for balancing shards: the measurements' time caps,
/// the bytes moved, and the accuracy check that the first case of each accuracy key pays.
double expected_seconds(const Case& c, const RunOptions& options);

/// The cases of shard `s` of `cases`: whole accuracy groups (all sizes of one op, so no group's
/// accuracy is computed twice) assigned greedily, largest expected time first, to the least loaded
/// shard; each shard keeps the run order.  Every case lands in exactly one shard, deterministically.
std::vector<Case> shard_of(const std::vector<Case>& cases, const Shard& s, const RunOptions& options);

/// SHA-256 (hex) of the case names joined by "\n": identifies a plan across shards.
std::string plan_sha256(const std::vector<Case>& cases);

}  // namespace actbench
