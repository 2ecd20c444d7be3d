// Timing: summary statistics and the stopping rule.
#include "harness/timing.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <memory>
#include <optional>
#include <string>

using namespace actbench;

TEST(Timing, SummarizeStatistics) {
  const Stats s = summarize({4.0, 1.0, 3.0, 2.0});
  EXPECT_DOUBLE_EQ(s.median, 2.5);
  EXPECT_DOUBLE_EQ(s.min, 1.0);
  EXPECT_DOUBLE_EQ(s.mean, 2.5);
  EXPECT_NEAR(s.stddev, std::sqrt(5.0 / 3.0), 1e-12);
  EXPECT_EQ(s.samples, 4);
  EXPECT_NEAR(s.rel_spread, std::sqrt(5.0 / 3.0) / 2.5, 1e-12);
  EXPECT_DOUBLE_EQ(summarize({7.0}).median, 7.0);
  EXPECT_EQ(summarize({}).samples, 0);
  const auto j = to_json(s);
  EXPECT_DOUBLE_EQ(j["median_ns"].get<double>(), 2.5e9);
  EXPECT_FALSE(j["converged"].get<bool>());
}

namespace {

/// A device whose clock counts much less than the wall time a sample takes (a small GPU kernel: ~1 us of
/// event time for ~100 us of launch, synchronization and host work); only the timing hooks matter.
class SlowClockBackend : public Backend {
 public:
  static constexpr double kDeviceTime = 1e-6;
  static void spin(double seconds) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < end) {
    }
  }
  BackendKind kind() const override { return BackendKind::cpu; }
  const DeviceFacts& facts() const override { return facts_; }
  std::optional<std::string> unsupported(Impl, const OpSpec&, DType) const override { return std::nullopt; }
  std::size_t free_memory() const override { return 0; }
  Buffer allocate(std::size_t) override { return {}; }
  void upload(Buffer&, const void*, std::size_t) override {}
  void download(void*, const Buffer&, std::size_t) override {}
  void download_strided(void*, const Buffer&, std::size_t, std::size_t, std::size_t, std::size_t) override {}
  void fill(Buffer&, std::uint8_t) override {}
  void launch(const Launch&) override {}
  void copy(CopyKind, void*, const void*, std::size_t, DType) override {}
  void synchronize() override {}
  void flush_cache() override {}
  bool has_cache_flush() const override { return false; }
  double time_once(const std::function<void()>& work) override {
    work();
    spin(100e-6);
    return kDeviceTime;
  }
  class Timer : public BatchedTimer {
   public:
    double time() override {
      spin(100e-6);
      return kDeviceTime;
    }
  };
  std::unique_ptr<BatchedTimer> prepare_batched(const std::function<void()>&, int) override {
    return std::make_unique<Timer>();
  }

 private:
  DeviceFacts facts_;
};

}  // namespace

// The stopping rule counts the wall time the samples took: with 1 us per sample by the device's clock, the
// sum of the samples would reach min_time_s (20 ms) only after 20000 samples, beyond max_samples (2000):
// never converged.  The wall time (100 us a sample) gets there after ~200.
TEST(Timing, SmallKernelsConvergeOnWallTime) {
  SlowClockBackend b;
  StopRule rule;  // defaults: min 10 samples, 20 ms, max 2000 samples, 0.5 s, 1% noise
  const Stats hot = measure(b, [] {}, false, rule);
  EXPECT_TRUE(hot.converged);
  EXPECT_GE(hot.samples, rule.min_samples);
  EXPECT_LT(hot.samples, 1000);  // ~200: 20 ms of 100-us samples
  EXPECT_DOUBLE_EQ(hot.median, SlowClockBackend::kDeviceTime);
  const auto batched = measure_batched(b, [] {}, 16, rule);
  ASSERT_TRUE(batched.has_value());
  EXPECT_TRUE(batched->converged);
  EXPECT_LT(batched->samples, 1000);
}
