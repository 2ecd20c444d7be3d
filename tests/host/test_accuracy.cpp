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

}  // namespace
}  // namespace actbench
