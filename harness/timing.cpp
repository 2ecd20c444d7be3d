#include "harness/timing.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

namespace actbench {

Stats summarize(std::vector<double> samples) {
  Stats s;
  s.samples = static_cast<int>(samples.size());
  if (samples.empty()) return s;
  std::sort(samples.begin(), samples.end());
  const std::size_t n = samples.size();
  s.median = n % 2 ? samples[n / 2] : 0.5 * (samples[n / 2 - 1] + samples[n / 2]);
  s.min = samples.front();
  s.mean = std::accumulate(samples.begin(), samples.end(), 0.0) / static_cast<double>(n);
  double ss = 0;
  for (double v : samples) ss += (v - s.mean) * (v - s.mean);
  s.stddev = n > 1 ? std::sqrt(ss / static_cast<double>(n - 1)) : 0.0;
  s.rel_spread = s.mean > 0 ? s.stddev / s.mean : 0.0;
  return s;
}

namespace {

template <class Sample>
Stats run_until_stable(Backend& backend, bool cold, const StopRule& rule, Sample&& sample) {
  using clock = std::chrono::steady_clock;
  for (int i = 0; i < rule.warmup; ++i) {
    if (cold) backend.flush_cache();
    (void)sample();
  }
  std::vector<double> samples;
  double measured = 0;  // wall time the samples themselves took (a sample's clock may count far less:
                        // a batched sample is one replay's time / reps, a GPU's event time leaves out launch
                        // and synchronization), without the cache flushes between them
  const auto start = clock::now();
  bool converged = false;
  while (static_cast<int>(samples.size()) < rule.max_samples) {
    if (cold) backend.flush_cache();
    const auto t0 = clock::now();
    samples.push_back(sample());
    const auto t1 = clock::now();
    measured += std::chrono::duration<double>(t1 - t0).count();
    const double wall = std::chrono::duration<double>(t1 - start).count();
    if (static_cast<int>(samples.size()) >= rule.min_samples && measured >= rule.min_time_s) {
      const Stats s = summarize(samples);
      if (s.rel_spread <= rule.max_noise) {
        converged = true;
        break;
      }
    }
    if (wall >= rule.max_time_s && static_cast<int>(samples.size()) >= std::min(rule.min_samples, 3)) break;
  }
  Stats s = summarize(std::move(samples));
  s.converged = converged;
  return s;
}

}  // namespace

Stats measure(Backend& backend, const std::function<void()>& work, bool cold, const StopRule& rule) {
  return run_until_stable(backend, cold, rule, [&] { return backend.time_once(work); });
}

std::optional<Stats> measure_batched(Backend& backend, const std::function<void()>& work, int reps,
                                     const StopRule& rule) {
  const auto timer = backend.prepare_batched(work, reps);  // captured once, replayed per sample
  if (!timer) return std::nullopt;
  return run_until_stable(backend, false, rule, [&] { return timer->time(); });
}

}  // namespace actbench
