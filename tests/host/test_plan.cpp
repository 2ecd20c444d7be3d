// The plan: defaults and filters, options per backend, shards that partition the cases.
#include "harness/plan.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>

using namespace actbench;

TEST(Plan, FiltersNarrowTheDefaultSuite) {
  RunRequest r;
  r.filters.activations = {Activation::gelu};
  r.filters.dtypes = {DType::f16};
  const RunPlan p = make_plan(r, BackendKind::cpu, {0});
  ASSERT_FALSE(p.cases.empty());
  for (const Case& c : p.cases) {
    EXPECT_EQ(c.activation, Activation::gelu);
    EXPECT_EQ(c.dtype, DType::f16);
    EXPECT_NE(c.variant, Variant::fast);  // fast exists for f32 only
  }
  EXPECT_EQ(p.selection.sizes, default_selection(BackendKind::cpu, false).sizes);
  // Pure: the same request gives the same plan.
  EXPECT_EQ(plan_sha256(p.cases), plan_sha256(make_plan(r, BackendKind::cpu, {0}).cases));
}

TEST(Plan, OptionsComeFromTheBackendAndTheOverrides) {
  RunRequest r;
  EXPECT_TRUE(make_plan(r, BackendKind::cpu, {0}).options.cold);
  r.quick = true;
  EXPECT_FALSE(make_plan(r, BackendKind::cpu, {0}).options.cold);
  r.quick = false;
  r.cold = false;
  EXPECT_FALSE(make_plan(r, BackendKind::cuda, {0}).options.cold);
  r.timing.max_time_s = 0.25;
  r.timing.min_samples = 7;
  const RunPlan p = make_plan(r, BackendKind::cuda, {0});
  EXPECT_DOUBLE_EQ(p.options.rule.max_time_s, 0.25);
  EXPECT_EQ(p.options.rule.min_samples, 7);
  EXPECT_GT(p.options.rule.max_samples, default_options(BackendKind::cpu, false).rule.max_samples);
}

TEST(Plan, ParseShard) {
  EXPECT_EQ(parse_shard("2/8").index, 2);
  EXPECT_EQ(parse_shard("2/8").count, 8);
  for (const char* bad : {"0/3", "4/3", "3", "a/b", "1/0", "1/2/3", "1/2x", "-1/2", ""})
    EXPECT_THROW(parse_shard(bad), std::invalid_argument) << bad;
}

TEST(Plan, ShardsPartitionTheCasesAndKeepGroupsTogether) {
  const RunPlan p = make_plan(RunRequest{}, BackendKind::cuda, {0, 1});
  std::map<std::string, std::size_t> position;
  for (std::size_t i = 0; i < p.cases.size(); ++i) position[p.cases[i].name()] = i;
  for (int n : {1, 2, 3, 7, 16}) {
    std::map<std::string, int> seen;
    std::vector<double> load(static_cast<std::size_t>(n), 0.0);
    std::map<decltype(p.cases.front().accuracy_key()), int> group_shard;
    for (int k = 1; k <= n; ++k) {
      const auto part = shard_of(p.cases, Shard{k, n}, p.options);
      EXPECT_FALSE(part.empty()) << k << "/" << n;
      std::size_t last = 0;
      for (const Case& c : part) {
        ++seen[c.name()];
        load[static_cast<std::size_t>(k - 1)] += expected_seconds(c, p.options);
        auto [it, fresh] = group_shard.try_emplace(c.accuracy_key(), k);
        EXPECT_EQ(it->second, k) << "an accuracy group is split: " << c.name();
        (void)fresh;
        // the plan's order is kept within a shard
        const std::size_t at = position.at(c.name());
        EXPECT_GE(at, last);
        last = at;
      }
    }
    EXPECT_EQ(seen.size(), p.cases.size()) << n;
    for (const auto& [name, count] : seen) EXPECT_EQ(count, 1) << name;
    // balanced: no shard carries more than the mean plus the largest group
    double total = 0, largest_group = 0;
    std::map<decltype(p.cases.front().accuracy_key()), double> groups;
    for (const Case& c : p.cases) groups[c.accuracy_key()] += expected_seconds(c, p.options);
    for (const auto& [k, v] : groups) largest_group = std::max(largest_group, v);
    total = 0;
    for (const auto& [k, v] : groups) total += v;
    for (double l : load) EXPECT_LE(l, total / n + largest_group + 1e-9);
  }
}

TEST(Plan, Sha256IsOfTheNamesInOrder) {
  const RunPlan p = make_plan(RunRequest{}, BackendKind::cpu, {0});
  const std::string h = plan_sha256(p.cases);
  EXPECT_EQ(h.size(), 64u);
  auto reversed = p.cases;
  std::reverse(reversed.begin(), reversed.end());
  EXPECT_NE(plan_sha256(reversed), h);
  // SHA-256 of the empty string
  EXPECT_EQ(plan_sha256({}), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}
