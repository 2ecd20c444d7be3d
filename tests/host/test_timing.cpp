// Timing: summary statistics and the stopping rule.
#include "harness/timing.hpp"

#include <gtest/gtest.h>

#include <cmath>

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
