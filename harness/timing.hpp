// actbench/harness/timing.hpp - samples, the stopping rule, summary statistics.
#pragma once

#include "harness/backend.hpp"
#include "harness/record.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <vector>

namespace actbench {

/// When to stop sampling: after at least `min_samples` samples and `min_time_s` of wall time spent
/// taking them (not the sum of the samples' own values, which for a batched sample or a small GPU
/// kernel is a small fraction of it), as soon as the relative spread (stddev/mean) is at most
/// `max_noise`; in any case at `max_samples` samples or `max_time_s` of wall time (then `converged`
/// is false).
struct StopRule {
  int warmup = 2;
  int min_samples = 10;
  int max_samples = 2000;
  double min_time_s = 0.02;
  double max_time_s = 0.5;
  double max_noise = 0.01;
};

/// Median, min, mean, sample stddev, relative spread of `samples` (seconds); `converged` false.
Stats summarize(std::vector<double> samples);

/// Times `work` repeatedly by the backend's clock under `rule`.  `cold` flushes the backend's
/// cache before each sample (outside the timed region).
Stats measure(Backend& backend, const std::function<void()>& work, bool cold, const StopRule& rule);

/// Times `reps` replays of `work` as one unit (a CUDA graph on a GPU) under `rule`; per-launch
/// times.  nullopt when the backend has no batched mode.
std::optional<Stats> measure_batched(Backend& backend, const std::function<void()>& work, int reps,
                                     const StopRule& rule);


}  // namespace actbench
