// Tests of harness/score: known answers (exact outputs -> 0 ulp, outputs moved by k ulp -> k ulp, a NaN where a
// number belongs -> a non-finite mismatch, a zero of the wrong sign -> counted), and the same record as
// actbench's own accuracy check when the outputs are actbench's.
#include "harness/score.hpp"

#include "harness/backend.hpp"
#include "harness/inputs.hpp"
#include "harness/npy.hpp"
#include "harness/params.hpp"
#include "harness/reference.hpp"
#include "harness/runner.hpp"
#include "harness/ulp.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <unistd.h>

namespace actbench {
namespace {

ScoreSpec spec(Activation a, Direction d, DType t) {
  ScoreSpec s;
  s.activation = a;
  s.direction = d;
  s.dtype = t;
  s.impl = "test";
  return s;
}

/// The exact values of spec on xs (dy for bwd) rounded once to the dtype: a correctly rounded implementation.
std::vector<std::uint64_t> correctly_rounded(const ScoreSpec& s, const std::vector<std::uint64_t>& xs,
                                             const std::vector<std::uint64_t>& dys) {
  const auto slopes = prelu_slopes(s.params);
  std::vector<std::uint64_t> ys(xs.size());
  for (std::size_t i = 0; i < xs.size(); ++i)
    ys[i] = encode(s.dtype, ref::exact_value(s.dtype, s.activation, s.direction, s.params, slopes,
                                             static_cast<std::int64_t>(i), xs[i], dys.empty() ? 0 : dys[i]));
  return ys;
}

AccuracyRecord score(const ScoreSpec& s, const std::vector<std::uint64_t>& xs, const std::vector<std::uint64_t>& ys,
                     const std::vector<std::uint64_t>& dys = {}) {
  Scorer scorer(s);
  scorer.add(xs, dys, ys);
  return scorer.finish();
}

/// f32 patterns of [1, 1.5): relu(x) = x, and k patterns up stay in the binade for small k.
std::vector<std::uint64_t> ones_binade(std::size_t n) {
  std::vector<std::uint64_t> v;
  for (std::size_t i = 0; i < n; ++i) v.push_back(0x3f800000u + i * 997u);
  return v;
}

TEST(Score, ExactOutputsAreZeroUlp) {
  for (DType t : {DType::f16, DType::bf16, DType::f32, DType::f64}) {
    const ScoreSpec s = spec(Activation::relu, Direction::fwd, t);
    const auto xs = accuracy_inputs(t, AccuracyMode::sampled, 7);
    const AccuracyRecord r = score(s, xs, correctly_rounded(s, xs, {}));
    EXPECT_EQ(r.max_ulp, 0.0) << to_string(t);
    EXPECT_EQ(r.mean_ulp, 0.0);
    EXPECT_TRUE(r.pass);
    EXPECT_EQ(r.nonfinite_mismatches, 0u);
    EXPECT_EQ(r.inputs_tested, xs.size());
    EXPECT_EQ(r.exhaustive, t == DType::f16 || t == DType::bf16) << to_string(t);
  }
}

TEST(Score, CorrectlyRoundedOutputsAreWithinHalfAnUlp) {
  for (Activation a : {Activation::gelu, Activation::sigmoid, Activation::mish})
    for (Direction d : {Direction::fwd, Direction::deriv}) {
      const ScoreSpec s = spec(a, d, DType::f32);
      const auto xs = accuracy_inputs(DType::f32, AccuracyMode::sampled, 7);
      const AccuracyRecord r = score(s, xs, correctly_rounded(s, xs, {}));
      EXPECT_LE(r.max_ulp, 0.5) << to_string(a) << " " << to_string(d);
      EXPECT_GT(r.max_ulp, 0.4);
      EXPECT_TRUE(r.pass);
    }
}

TEST(Score, OutputsMovedByKUlpAreKUlp) {
  const ScoreSpec s = spec(Activation::relu, Direction::fwd, DType::f32);
  const auto xs = ones_binade(1000);
  for (std::uint64_t k : {1u, 3u, 100u}) {
    std::vector<std::uint64_t> ys(xs);
    for (auto& y : ys) y += k;
    const AccuracyRecord r = score(s, xs, ys);
    EXPECT_EQ(r.max_ulp, static_cast<double>(k));
    EXPECT_EQ(r.mean_ulp, static_cast<double>(k));
    EXPECT_EQ(r.pass, k <= 2) << "bound " << r.bound_ulp;
    EXPECT_EQ(r.out_of_bound, k <= 2 ? 0u : xs.size());
    ASSERT_TRUE(r.worst);
    EXPECT_EQ(r.worst->y_bits, r.worst->x_bits + k);
  }
  // a function whose values are not representable: k ulp from the correctly rounded value is within 0.5 of k
  const ScoreSpec sig = spec(Activation::sigmoid, Direction::fwd, DType::f32);
  std::vector<std::uint64_t> xs2;  // x in [0.125, 1): sigmoid(x) in (0.53, 0.74), one binade
  for (std::uint64_t b = 0x3e000000u; b < 0x3f800000u; b += 4099u) xs2.push_back(b);
  auto ys2 = correctly_rounded(sig, xs2, {});
  for (auto& y : ys2) y += 5;
  const AccuracyRecord r2 = score(sig, xs2, ys2);
  EXPECT_GE(r2.max_ulp, 4.5);
  EXPECT_LE(r2.max_ulp, 5.5);
  EXPECT_FALSE(r2.pass);
}

TEST(Score, NanWhereANumberBelongsIsANonFiniteMismatch) {
  const ScoreSpec s = spec(Activation::gelu, Direction::fwd, DType::f16);
  const auto xs = accuracy_inputs(DType::f16, AccuracyMode::sampled, 1);
  auto ys = correctly_rounded(s, xs, {});
  ys[0x3c00] = 0x7e00;  // gelu(1) = 0.841...: NaN instead
  const AccuracyRecord r = score(s, xs, ys);
  EXPECT_EQ(r.nonfinite_mismatches, 1u);
  EXPECT_FALSE(r.pass);
  EXPECT_NE(std::find(r.fail_reasons.begin(), r.fail_reasons.end(), "nonfinite_mismatch"), r.fail_reasons.end());
  // and inf where the value is finite, in f32
  const ScoreSpec s32 = spec(Activation::tanh, Direction::fwd, DType::f32);
  const std::vector<std::uint64_t> x32 = {0x3f800000u, 0x40000000u};
  auto y32 = correctly_rounded(s32, x32, {});
  y32[1] = 0x7f800000u;
  EXPECT_EQ(score(s32, x32, y32).nonfinite_mismatches, 1u);
}

TEST(Score, AZeroOfTheWrongSignIsCounted) {
  const ScoreSpec s = spec(Activation::relu, Direction::fwd, DType::f32);
  const std::vector<std::uint64_t> xs = {0xbf800000u, 0xc0000000u, 0x3f800000u};  // -1, -2, 1: relu = +0, +0, 1
  const AccuracyRecord r = score(s, xs, {0x80000000u, 0x00000000u, 0x3f800000u});
  EXPECT_EQ(r.signed_zero_mismatches, 1u);
  EXPECT_EQ(r.max_ulp, 0.0);
  EXPECT_FALSE(r.pass);
  EXPECT_EQ(r.fail_reasons, std::vector<std::string>{"signed_zero_mismatch"});
}

TEST(Score, BwdUsesDyAndRefusesANonFiniteDy) {
  const ScoreSpec s = spec(Activation::relu, Direction::bwd, DType::f32);
  const auto xs = ones_binade(10);
  const auto dys = bwd_dy(DType::f32, xs.size(), 3);
  EXPECT_EQ(score(s, xs, dys, dys).max_ulp, 0.0);  // relu'(x > 0) = 1: dx = dy
  std::vector<std::uint64_t> swapped(dys.rbegin(), dys.rend());
  EXPECT_GT(score(s, xs, swapped, dys).max_ulp, 1.0);
  auto bad = dys;
  bad[4] = 0x7fc00000u;
  Scorer scorer(s);
  try {
    scorer.add(xs, bad, dys);
    FAIL() << "a NaN dy was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("dy[4] is nan"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Scorer(s).add(xs, {}, dys), std::invalid_argument);
  EXPECT_THROW(Scorer(spec(Activation::relu, Direction::fwd, DType::f32)).add(xs, dys, dys), std::invalid_argument);
  EXPECT_THROW(Scorer(spec(Activation::relu, Direction::fwd, DType::f32)).add(xs, {}, {1, 2}), std::invalid_argument);
}

TEST(Score, ChunksContinueTheIndexAndExhaustiveNeedsEveryPatternInOrder) {
  const ScoreSpec s = spec(Activation::relu, Direction::fwd, DType::bf16);
  const auto xs = accuracy_inputs(DType::bf16, AccuracyMode::sampled, 1);
  const auto ys = correctly_rounded(s, xs, {});
  Scorer chunked(s);
  chunked.add({xs.begin(), xs.begin() + 1000}, {}, {ys.begin(), ys.begin() + 1000});
  chunked.add({xs.begin() + 1000, xs.end()}, {}, {ys.begin() + 1000, ys.end()});
  EXPECT_TRUE(chunked.finish().exhaustive);
  EXPECT_EQ(chunked.count(), 65536u);
  std::vector<std::uint64_t> rx(xs.rbegin(), xs.rend()), ry(ys.rbegin(), ys.rend());
  EXPECT_FALSE(score(s, rx, ry).exhaustive);
  EXPECT_FALSE(score(s, {xs.begin(), xs.begin() + 100}, {ys.begin(), ys.begin() + 100}).exhaustive);
}

TEST(Score, HeldToThePreciseBoundWithItsReason) {
  for (Direction d : kAllDirections) {
    const ScoreSpec s = spec(Activation::gelu, d, DType::f32);
    const AccuracyBound p = accuracy_bound(Activation::gelu, d, DType::f32, Variant::precise);
    const AccuracyRecord r = score(s, ones_binade(3), correctly_rounded(s, ones_binade(3), d == Direction::bwd
                                                                             ? bwd_dy(DType::f32, 3, 1)
                                                                             : std::vector<std::uint64_t>{}),
                                   d == Direction::bwd ? bwd_dy(DType::f32, 3, 1) : std::vector<std::uint64_t>{});
    EXPECT_EQ(r.bound_ulp, p.ulp);
    EXPECT_EQ(r.bound_abs, p.abs);
    EXPECT_EQ(r.bound_why, "held to actbench's precise bound: " + p.why);
  }
}

/// actbench's own kernel outputs, scored from files, give the record actbench's accuracy check gives.
TEST(Score, ActbenchOutputsScoreAsActbenchRecordsThem) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("actbench_score_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto backend = make_cpu_backend();
  RunOptions opt;
  opt.rule = StopRule{0, 2, 4, 0.0, 0.01, 1.0};
  opt.cold = false;
  for (const auto& [a, d, t] : {std::tuple{Activation::gelu, Direction::fwd, DType::f32},
                                std::tuple{Activation::mish, Direction::bwd, DType::bf16},
                                std::tuple{Activation::prelu, Direction::deriv, DType::f16}}) {
    Runner runner(*backend, opt);
    const Case c{a, d, t, Variant::precise, Impl::actbench, BackendKind::cpu, 0, 256};
    const CaseOutcome o = runner.run(c, 0);
    ASSERT_TRUE(o.record && o.record->accuracy);
    const auto xs = accuracy_inputs(t, AccuracyMode::sampled, opt.seed);
    const auto dys = d == Direction::bwd ? bwd_dy(t, xs.size(), opt.seed) : std::vector<std::uint64_t>{};
    const auto ys = run_on_inputs(*backend, c, opt.params, xs, dys);
    ScoreFiles files{(dir / "x.npy").string(), (dir / "y.bin").string(), std::nullopt};
    const auto write = [&](const std::string& p, const std::vector<std::uint64_t>& v, bool raw) {
      ArrayWriter w(p, t, v.size(), raw);
      w.append(v);
      w.finish();
    };
    write(files.x, xs, false);
    write(files.y, ys, true);
    if (d == Direction::bwd) {
      files.dy = (dir / "dy.npy").string();
      write(*files.dy, dys, false);
    }
    ScoreSpec s = spec(a, d, t);
    AccuracyRecord mine = score_files(s, files);
    AccuracyRecord theirs = *o.record->accuracy;
    EXPECT_EQ(mine.bound_why, "held to actbench's precise bound: " + theirs.bound_why);
    mine.bound_why = theirs.bound_why;
    EXPECT_EQ(to_json(mine).dump(), to_json(theirs).dump()) << to_string(a);
  }
  fs::remove_all(dir);
}

TEST(Score, FilesThatDoNotFitTogetherAreRefused) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("actbench_score_files_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const auto write = [&](const std::string& name, std::size_t n) {
    ArrayWriter w((dir / name).string(), DType::f32, n, false);
    w.append(std::vector<std::uint64_t>(n, 0x3f800000u));
    w.finish();
    return (dir / name).string();
  };
  const std::string x = write("x.npy", 10), y9 = write("y9.npy", 9), y10 = write("y10.npy", 10), e = write("e.npy", 0);
  const ScoreSpec fwd = spec(Activation::relu, Direction::fwd, DType::f32);
  EXPECT_THROW(score_files(fwd, {x, y9, std::nullopt}), std::invalid_argument);
  EXPECT_THROW(score_files(fwd, {x, y10, y10}), std::invalid_argument);
  EXPECT_THROW(score_files(spec(Activation::relu, Direction::bwd, DType::f32), {x, y10, std::nullopt}),
               std::invalid_argument);
  EXPECT_THROW(score_files(fwd, {e, e, std::nullopt}), std::invalid_argument);
  EXPECT_THROW(score_files(spec(Activation::relu, Direction::fwd, DType::f16), {x, y10, std::nullopt}),
               ArrayFileError);
  EXPECT_EQ(score_files(fwd, {x, y10, std::nullopt}).max_ulp, 0.0);
  const nlohmann::json frag = score_fragment(fwd, {x, y10, std::nullopt}, score_files(fwd, {x, y10, std::nullopt}));
  EXPECT_EQ(frag["format"], "actbench-score");
  EXPECT_EQ(frag["impl"], "test");
  EXPECT_EQ(frag["accuracy"]["inputs_tested"], 10);
  EXPECT_TRUE(frag["inputs"]["dy"].is_null());
  fs::remove_all(dir);
}

}  // namespace
}  // namespace actbench
