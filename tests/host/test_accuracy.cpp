// Tests of harness/accuracy: the accumulator and FORMAT.md's AccuracyRecord JSON.
#include "harness/accuracy.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace actbench {
namespace {

using L = long double;

std::uint64_t f32bits(float f) { return bit_cast<std::uint32_t>(f); }
std::uint64_t one_up(float f) { return f32bits(std::nextafter(f, INFINITY)); }

AccuracyBound bound(double u, double a = 0) { return AccuracyBound{u, a, "test"}; }

TEST(Accuracy, HistogramBins) {
  const auto e = histogram_edges();
  EXPECT_EQ(e[0], 0.0);
  EXPECT_EQ(e[1], 0.5);
  EXPECT_EQ(e[2], 1.0);
  EXPECT_EQ(e[3], 2.0);
  EXPECT_EQ(e[kHistogramBins - 1], std::ldexp(1.0, 24));
  EXPECT_EQ(histogram_bin(0), 0);
  EXPECT_EQ(histogram_bin(0.49L), 0);
  EXPECT_EQ(histogram_bin(0.5L), 1);
  EXPECT_EQ(histogram_bin(0.99L), 1);
  EXPECT_EQ(histogram_bin(1), 2);
  EXPECT_EQ(histogram_bin(1.99L), 2);
  EXPECT_EQ(histogram_bin(2), 3);
  EXPECT_EQ(histogram_bin(std::ldexp(1.0L, 24)), kHistogramBins - 1);
  EXPECT_EQ(histogram_bin(1e30L), kHistogramBins - 1);
}

TEST(Accuracy, MaxMeanWorstHistogram) {
  AccuracyAccumulator acc(DType::f32, bound(1.0));
  acc.add(f32bits(1.0f), std::nullopt, f32bits(1.0f), 1.0L);                 // 0 ulp
  acc.add(f32bits(2.0f), std::nullopt, one_up(1.0f), 1.0L);                  // 1 ulp
  acc.add(f32bits(3.0f), std::nullopt, f32bits(std::nextafter(std::nextafter(4.0f, 8.0f), 8.0f)), 4.0L);  // 2 ulp
  acc.add(f32bits(4.0f), std::nullopt, f32bits(1.0f), 1.0L + std::ldexp(1.0L, -25));  // 0.25 ulp
  const AccuracyRecord r = acc.finish(false);
  EXPECT_EQ(r.inputs_tested, 4u);
  EXPECT_EQ(r.max_ulp, 2.0);
  EXPECT_DOUBLE_EQ(r.mean_ulp, (0 + 1 + 2 + 0.25) / 4);
  ASSERT_TRUE(r.worst.has_value());
  EXPECT_EQ(r.worst->x_bits, f32bits(3.0f));
  EXPECT_EQ(r.worst->x, 3.0L);
  EXPECT_EQ(r.worst->ref, 4.0L);
  EXPECT_EQ(r.worst->ulp, 2.0);
  EXPECT_EQ(r.worst->abs_err, std::ldexp(1.0, -20));
  EXPECT_EQ(r.histogram_counts[0], 2u);  // 0, 0.25
  EXPECT_EQ(r.histogram_counts[2], 1u);  // 1
  EXPECT_EQ(r.histogram_counts[3], 1u);  // 2
  EXPECT_EQ(r.out_of_bound, 1u);
  EXPECT_FALSE(r.pass);
  EXPECT_EQ(r.max_abs_err, std::ldexp(1.0, -20));
  EXPECT_DOUBLE_EQ(r.max_rel_err, std::ldexp(1.0, -22));
}

TEST(Accuracy, AbsBoundCoversZeroOfDerivative) {
  AccuracyAccumulator acc(DType::f32, bound(1.0, 1e-6));
  acc.add(0, std::nullopt, f32bits(1e-7f), 1e-12L);  // huge ulp error, tiny absolute error
  const AccuracyRecord r = acc.finish(false);
  EXPECT_GT(r.max_ulp, 1e6);
  EXPECT_EQ(r.out_of_bound, 0u);
  EXPECT_TRUE(r.pass);
}

TEST(Accuracy, CountsNonFiniteSignedZeroFlush) {
  AccuracyAccumulator acc(DType::f32, bound(0.5));
  acc.add(1, std::nullopt, 0x7fc00000u, NAN);               // NaN vs NaN: passes
  acc.add(2, std::nullopt, 0x7fc00000u, 1.0L);              // non-finite mismatch
  acc.add(3, std::nullopt, 0x7f800000u, 1e39L);             // overflow to inf: right
  acc.add(4, std::nullopt, 0u, -1e-50L);                    // +0 for -tiny: signed zero
  acc.add(5, std::nullopt, 0u, std::ldexp(1.0L, -140));     // flushed subnormal (512 ulp)
  const AccuracyRecord r = acc.finish(false);
  EXPECT_EQ(r.inputs_tested, 5u);
  EXPECT_EQ(r.nonfinite_mismatches, 1u);
  EXPECT_EQ(r.signed_zero_mismatches, 1u);
  EXPECT_EQ(r.flushed_subnormals, 1u);
  EXPECT_EQ(r.max_ulp, 512.0);
  EXPECT_EQ(r.worst->x_bits, 5u);
  EXPECT_EQ(r.out_of_bound, 1u);
  EXPECT_FALSE(r.pass);
  AccuracyAccumulator ok(DType::f32, bound(0.5));
  ok.add(1, std::nullopt, 0x7fc00000u, NAN);
  ok.add(3, std::nullopt, 0x7f800000u, 1e39L);
  EXPECT_TRUE(ok.finish(true).pass);
  EXPECT_FALSE(ok.finish(true).worst.has_value());
}

TEST(Accuracy, MergeEqualsOneAccumulatorAndIsOrderFree) {
  AccuracyAccumulator all(DType::f16, bound(0.5)), a(DType::f16, bound(0.5)), b(DType::f16, bound(0.5));
  for (std::uint64_t x = 0; x < 2000; ++x) {
    const L exact = decode(DType::f16, x) * (1.0L + 1e-4L * static_cast<L>(x % 7));  // ties of error
    const std::uint64_t y = encode(DType::f16, decode(DType::f16, x));
    all.add(x, std::nullopt, y, exact);
    (x % 3 ? a : b).add(x, std::nullopt, y, exact);
  }
  AccuracyAccumulator ab = a, ba = b;
  ab.merge(b);
  ba.merge(a);
  const std::string want = to_json(all.finish(false)).dump();
  EXPECT_EQ(to_json(ab.finish(false)).dump(), want);
  EXPECT_EQ(to_json(ba.finish(false)).dump(), want);
}

TEST(Accuracy, WorstTieGoesToSmallerInput) {
  AccuracyAccumulator a(DType::f32, bound(0.5)), b(DType::f32, bound(0.5));
  a.add(9, std::nullopt, one_up(1.0f), 1.0L);
  a.add(7, std::nullopt, one_up(1.0f), 1.0L);
  b.add(7, std::nullopt, one_up(1.0f), 1.0L);
  b.add(9, std::nullopt, one_up(1.0f), 1.0L);
  EXPECT_EQ(a.finish(false).worst->x_bits, 7u);
  EXPECT_EQ(b.finish(false).worst->x_bits, 7u);
}

TEST(Accuracy, JsonIsStrictAndComplete) {
  AccuracyAccumulator acc(DType::f32, bound(2.0, 1e-7));
  acc.add(f32bits(-5.5f), f32bits(0.25f), f32bits(1.5f), 1.5000001L);
  acc.add(f32bits(NAN), f32bits(1.0f), 0x7fc00000u, NAN);
  acc.add(f32bits(INFINITY), f32bits(1.0f), 0x7f800000u, 1.0L);
  AccuracyRecord r = acc.finish(false);
  const nlohmann::json j = to_json(r);
  const std::string s = j.dump();
  EXPECT_EQ(s.find("NaN"), std::string::npos) << s;
  EXPECT_EQ(s.find("Infinity"), std::string::npos) << s;
  EXPECT_TRUE(nlohmann::json::accept(s));
  for (const char* k : {"inputs_tested", "exhaustive", "max_ulp", "mean_ulp", "max_abs_err", "max_rel_err", "worst",
                        "histogram", "nonfinite_mismatches", "signed_zero_mismatches", "flushed_subnormals",
                        "bound_ulp", "bound_abs", "out_of_bound", "pass"})
    EXPECT_TRUE(j.contains(k)) << k;
  const auto& w = j["worst"];
  for (const char* k : {"x_bits", "x", "dy_bits", "dy", "y_bits", "y", "ref", "ulp", "abs_err"})
    EXPECT_TRUE(w.contains(k)) << k;
  EXPECT_EQ(w["x_bits"], "0xc0b00000");
  EXPECT_EQ(w["x"], "-5.5");
  EXPECT_EQ(w["dy_bits"], "0x3e800000");
  EXPECT_EQ(w["dy"], "0.25");
  EXPECT_EQ(w["y"], "1.5");
  EXPECT_TRUE(w["ref"].is_string());
  EXPECT_EQ(j["histogram"]["edges"].size(), j["histogram"]["counts"].size());
  EXPECT_EQ(j["histogram"]["edges"][0], 0.0);
  EXPECT_EQ(j["nonfinite_mismatches"], 1);
  EXPECT_EQ(j["pass"], false);
  EXPECT_EQ(j["bound_ulp"], 2.0);
  // fwd records: dy null; no finite comparison: worst null
  AccuracyAccumulator fwd(DType::f64, bound(0.5));
  fwd.add(0x3ff0000000000000ull, std::nullopt, 0x3ff0000000000001ull, 1.0L);
  const nlohmann::json jf = to_json(fwd.finish(false));
  EXPECT_TRUE(jf["worst"]["dy"].is_null());
  EXPECT_TRUE(jf["worst"]["dy_bits"].is_null());
  EXPECT_EQ(jf["worst"]["x_bits"], "0x3ff0000000000000");
  AccuracyAccumulator none(DType::f16, bound(0.5));
  EXPECT_TRUE(to_json(none.finish(true))["worst"].is_null());
  EXPECT_EQ(to_json(none.finish(true))["exhaustive"], true);
  // huge f64 errors stay finite numbers
  AccuracyAccumulator huge(DType::f64, bound(0.5));
  huge.add(0, std::nullopt, bit_cast<std::uint64_t>(1e308), -1e308L);
  huge.add(1, std::nullopt, bit_cast<std::uint64_t>(1e300), std::ldexp(1.0L, -1070));
  const std::string hs = to_json(huge.finish(false)).dump();
  EXPECT_EQ(hs.find("Infinity"), std::string::npos);
  EXPECT_TRUE(nlohmann::json::accept(hs));
}

TEST(Accuracy, VersionTwoKeysTopWorstBinadesAllowanceReasons) {
  // bound: 1 ulp, or an absolute error up to 2^-30
  AccuracyAccumulator acc(DType::f32, bound(1.0, std::ldexp(1.0, -30)));
  const float xs[] = {-3.0f, -2.5f, 1.5f, 0.75f, 0.0f, 1e-40f};
  for (int k = 0; k < 6; ++k) {
    // result k ulps above the exact value 1.0 (k = 0..5)
    float y = 1.0f;
    for (int j = 0; j < k; ++j) y = std::nextafter(y, 2.0f);
    acc.add(f32bits(xs[k]), std::nullopt, f32bits(y), 1.0L);
  }
  // an element passing only by the absolute allowance: exact 2^-40, result 2^-40 + 2^-62 (~1 ulp at 2^-63)
  acc.add(f32bits(7.0f), std::nullopt, f32bits(std::ldexp(1.0f, -40) + std::ldexp(1.0f, -60)), std::ldexp(1.0L, -40));
  // a flushed subnormal: exact 2^-140, result 0 (within the absolute allowance: passes by it)
  acc.add(f32bits(-100.0f), std::nullopt, f32bits(0.0f), std::ldexp(1.0L, -140));
  // a signed-zero mismatch
  acc.add(f32bits(-200.0f), std::nullopt, f32bits(0.0f), -0.0L);
  const AccuracyRecord r = acc.finish(false);
  // top_worst: largest first, at most kTopWorst, the worst is its head
  ASSERT_GE(r.top_worst.size(), 5u);
  for (std::size_t i = 1; i < r.top_worst.size(); ++i) EXPECT_GE(r.top_worst[i - 1].ulp, r.top_worst[i].ulp);
  EXPECT_EQ(r.worst->x_bits, r.top_worst.front().x_bits);
  EXPECT_EQ(r.allowance_only, 2u);
  EXPECT_LT(r.max_ulp_deciding, r.max_ulp);  // the flushed element's error is the largest, but passes by the allowance
  EXPECT_EQ(r.max_ulp_deciding, 5.0);
  EXPECT_EQ(r.flushed_subnormals, 1u);
  EXPECT_EQ(r.subnormal_outputs, 1u);
  EXPECT_EQ(r.signed_zero_mismatches, 1u);
  EXPECT_EQ(r.fail_reasons, (std::vector<std::string>{"out_of_bound", "signed_zero_mismatch"}));
  // without an allowance a flushed subnormal is a failure of its own kind
  AccuracyAccumulator flush(DType::f32, bound(2.0));
  flush.add(f32bits(-100.0f), std::nullopt, f32bits(0.0f), std::ldexp(1.0L, -140));
  EXPECT_EQ(flush.finish(false).fail_reasons, (std::vector<std::string>{"flushed_subnormal"}));
  // per_binade: x = -3 and -2.5 share (sign -1, exp 1: sampled f32 groups 4 binades, exp..exp_last); 0 goes to
  // the null bucket; 1e-40 is subnormal (exp -127, a bucket of its own)
  int found = 0;
  for (const auto& b : r.per_binade) {
    if (b.sign == -1 && b.exp && *b.exp <= 1 && 1 <= b.exp_last.value_or(*b.exp)) {
      EXPECT_EQ(b.count, 2u);
      EXPECT_EQ(b.max_ulp, 1.0);
      EXPECT_EQ(b.over_bound, 0u);
      ++found;
    }
    if (b.sign == 1 && !b.exp) {
      EXPECT_EQ(b.count, 1u);  // x = +0
      ++found;
    }
    if (b.sign == 1 && b.exp == -127) {
      EXPECT_EQ(b.count, 1u);
      EXPECT_EQ(b.over_bound, 1u);  // 5 ulp
      ++found;
    }
  }
  EXPECT_EQ(found, 3);
  std::uint64_t total = 0;
  for (const auto& b : r.per_binade) total += b.count;
  EXPECT_EQ(total, r.inputs_tested);
  // merging two halves gives the same record as one accumulator
  AccuracyAccumulator a1(DType::f32, bound(1.0, std::ldexp(1.0, -30))), a2 = a1;
  for (int k = 0; k < 6; ++k) (k % 2 ? a1 : a2).add(f32bits(xs[k]), std::nullopt, f32bits(1.0f + k * 1e-7f), 1.0L);
  AccuracyAccumulator all(DType::f32, bound(1.0, std::ldexp(1.0, -30)));
  for (int k = 0; k < 6; ++k) all.add(f32bits(xs[k]), std::nullopt, f32bits(1.0f + k * 1e-7f), 1.0L);
  a1.merge(a2);
  EXPECT_EQ(to_json(a1.finish(false)).dump(), to_json(all.finish(false)).dump());
}

TEST(Accuracy, AllowanceOnlyElementsDoNotDecide) {
  AccuracyAccumulator acc(DType::f32, bound(2.0, 1e-6));
  acc.add(f32bits(1.0f), std::nullopt, f32bits(1e-9f), 0.0L + 1e-9L * (1 + 1e-6L));  // huge ulp, tiny abs: allowance
  acc.add(f32bits(2.0f), std::nullopt, one_up(1.0f), 1.0L);                             // 1 ulp
  const AccuracyRecord r = acc.finish(false);
  EXPECT_TRUE(r.pass);
  EXPECT_EQ(r.allowance_only, 1u);
  EXPECT_GT(r.max_ulp, 2.0);
  EXPECT_EQ(r.max_ulp_deciding, 1.0);
  EXPECT_TRUE(r.fail_reasons.empty());
}

}  // namespace
}  // namespace actbench
