// Tests of harness/inputs: accuracy input sets and dy values.
#include "harness/inputs.hpp"

#include "harness/ulp.hpp"
#include "kernels/catalog.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <thread>

namespace actbench {
namespace {

bool has(const std::vector<std::uint64_t>& v, std::uint64_t b) { return std::binary_search(v.begin(), v.end(), b); }

TEST(Inputs, ModeNames) {
  for (AccuracyMode m : {AccuracyMode::off, AccuracyMode::sampled, AccuracyMode::exhaustive})
    EXPECT_EQ(parse_accuracy_mode(to_string(m)), m);
  EXPECT_FALSE(parse_accuracy_mode("all").has_value());
}

TEST(Inputs, SixteenBitIsEveryPattern) {
  for (DType t : {DType::f16, DType::bf16})
    for (AccuracyMode m : {AccuracyMode::sampled, AccuracyMode::exhaustive}) {
      const auto v = accuracy_inputs(t, m, 1);
      ASSERT_EQ(v.size(), 65536u);
      for (std::uint64_t i = 0; i < 65536; ++i) ASSERT_EQ(v[i], i);
      EXPECT_TRUE(InputStream(t, m, 1).exhaustive());
    }
  EXPECT_TRUE(accuracy_inputs(DType::f16, AccuracyMode::off, 1).empty());
}

TEST(Inputs, F32SampleCoversEveryBinadeAndSpecials) {
  const auto v = accuracy_inputs(DType::f32, AccuracyMode::sampled, 42);
  EXPECT_TRUE(std::is_sorted(v.begin(), v.end()));
  EXPECT_EQ(std::adjacent_find(v.begin(), v.end()), v.end());
  EXPECT_GT(v.size(), 30000u);
  EXPECT_LT(v.size(), 100000u);
  std::set<std::uint64_t> binades;
  for (std::uint64_t b : v) binades.insert(b >> 23);  // sign + exponent field
  for (std::uint64_t s : {0u, 1u})
    for (std::uint64_t e = 0; e <= 255; ++e) EXPECT_TRUE(binades.count((s << 8) | e)) << s << " " << e;
  // the subnormal range by leading bit
  for (int k = 0; k < 23; ++k) {
    bool found = false;
    for (std::uint64_t b : v)
      if (b < 0x00800000u && b >> k == 1u) found = true;
    EXPECT_TRUE(found) << k;
  }
  auto f = [](float x) { return std::uint64_t{bit_cast<std::uint32_t>(x)}; };
  for (std::uint64_t b : {0x0ull, 0x80000000ull, 0x7f800000ull, 0xff800000ull, 0x7fc00000ull, 0x1ull, 0x2ull,
                          0x007fffffull, 0x00800000ull, 0x00800001ull, 0x7f7fffffull, 0x7f7ffffeull, 0xff7fffffull})
    EXPECT_TRUE(has(v, b)) << hex_bits(DType::f32, b);
  for (float x : {1e-8f, -1e-8f, 3.0f, -3.0f, 6.0f, -6.0f, 1.0f, -1.0f, -1.5f, std::nextafter(3.0f, 4.0f),
                  std::nextafter(-3.0f, -4.0f)})
    EXPECT_TRUE(has(v, f(x))) << x;
  for (const auto& i : kCatalog) {
    if (!std::isnan(i.deriv_zero)) {
      EXPECT_TRUE(has(v, encode(DType::f32, i.deriv_zero))) << i.name;
    }
  }
  // the saturation thresholds (docs/ACCURACY.md's table, computed exactly): something within 0.01
  auto near = [&](float x) {
    return std::any_of(v.begin(), v.end(), [&](std::uint64_t b) {
      const long double d = decode(DType::f32, b);
      return std::fabs(d - x) < 0.01L * std::fabs(x) && std::fabs(d - x) > 0;
    });
  };
  for (float x : {9.011f, 17.33f, 88.72f, -103.97f, 14.56f, -9.011f}) EXPECT_TRUE(near(x)) << x;
}

TEST(Inputs, DeterministicPerSeed) {
  EXPECT_EQ(accuracy_inputs(DType::f32, AccuracyMode::sampled, 7), accuracy_inputs(DType::f32, AccuracyMode::sampled, 7));
  EXPECT_NE(accuracy_inputs(DType::f32, AccuracyMode::sampled, 7), accuracy_inputs(DType::f32, AccuracyMode::sampled, 8));
  EXPECT_EQ(accuracy_inputs(DType::f64, AccuracyMode::sampled, 7), accuracy_inputs(DType::f64, AccuracyMode::sampled, 7));
  EXPECT_NE(accuracy_inputs(DType::f64, AccuracyMode::sampled, 7), accuracy_inputs(DType::f64, AccuracyMode::sampled, 8));
  EXPECT_EQ(bwd_dy(DType::f16, 100, 3), bwd_dy(DType::f16, 100, 3));
  EXPECT_NE(bwd_dy(DType::f32, 100, 3), bwd_dy(DType::f32, 100, 4));
}

TEST(Inputs, F64SampleCoversEveryBinade) {
  const auto v = accuracy_inputs(DType::f64, AccuracyMode::sampled, 1);
  std::set<std::uint64_t> binades;
  for (std::uint64_t b : v) binades.insert(b >> 52);
  EXPECT_EQ(binades.size(), 2u * 2048u);
  for (std::uint64_t b : {0x0ull, 0x8000000000000000ull, 0x7ff0000000000000ull, 0x1ull, 0x000fffffffffffffull,
                          0x0010000000000000ull, 0x7fefffffffffffffull})
    EXPECT_TRUE(has(v, b)) << hex_bits(DType::f64, b);
  EXPECT_TRUE(has(v, encode(DType::f64, 1e-8L)));
  EXPECT_FALSE(InputStream(DType::f64, AccuracyMode::exhaustive, 1).exhaustive());
}

TEST(Inputs, F32ExhaustiveStreams) {
  EXPECT_THROW(accuracy_inputs(DType::f32, AccuracyMode::exhaustive, 1), std::invalid_argument);
  InputStream s(DType::f32, AccuracyMode::exhaustive, 1);
  EXPECT_EQ(s.size(), std::uint64_t{1} << 32);
  EXPECT_TRUE(s.exhaustive());
  std::vector<std::uint64_t> chunk;
  std::uint64_t first = 99;
  ASSERT_TRUE(s.next(chunk, 1000, &first));
  EXPECT_EQ(first, 0u);
  ASSERT_EQ(chunk.size(), 1000u);
  EXPECT_EQ(chunk[999], 999u);
  ASSERT_TRUE(s.next(chunk, 10, &first));
  EXPECT_EQ(first, 1000u);
  EXPECT_EQ(chunk[0], 1000u);
}

TEST(Inputs, StreamCoversTheListOnceFromManyThreads) {
  const auto want = accuracy_inputs(DType::f32, AccuracyMode::sampled, 5);
  InputStream s(DType::f32, AccuracyMode::sampled, 5);
  ASSERT_EQ(s.size(), want.size());
  std::vector<std::vector<std::uint64_t>> got(4);
  std::vector<std::thread> th;
  for (int i = 0; i < 4; ++i)
    th.emplace_back([&, i] {
      std::vector<std::uint64_t> c;
      std::uint64_t first;
      while (s.next(c, 777, &first)) {
        for (std::size_t k = 0; k < c.size(); ++k) ASSERT_EQ(c[k], want[first + k]);
        got[i].insert(got[i].end(), c.begin(), c.end());
      }
    });
  for (auto& t : th) t.join();
  std::vector<std::uint64_t> all;
  for (auto& g : got) all.insert(all.end(), g.begin(), g.end());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, want);
  std::vector<std::uint64_t> c;
  EXPECT_FALSE(s.next(c, 10));
  EXPECT_TRUE(c.empty());
}

TEST(Inputs, BwdDyFiniteVariedBounded) {
  for (DType t : kAllDTypes) {
    const auto dy = bwd_dy(t, 1000, 11);
    ASSERT_EQ(dy.size(), 1000u);
    int neg = 0;
    long double lo = 1e9L, hi = 0;
    for (std::uint64_t b : dy) {
      const long double v = decode(t, b);
      ASSERT_TRUE(std::isfinite(v));
      neg += v < 0;
      lo = std::min(lo, std::fabs(v));
      hi = std::max(hi, std::fabs(v));
    }
    EXPECT_GT(neg, 400);
    EXPECT_LT(neg, 600);
    EXPECT_GE(lo, 0.099L);
    EXPECT_LT(lo, 0.15L);
    EXPECT_LE(hi, 4.02L);
    EXPECT_GT(hi, 3.5L);
  }
}

}  // namespace
}  // namespace actbench
