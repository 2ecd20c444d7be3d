// Tests of kernels/f32 (the precise f32 path of sigmoid, tanh, elu, selu, celu, softplus, swish, mish):
// its cores against long double, every function at 2 ulp with no absolute allowance on a dense sample
// (every binade of both signs, specials, the bands next to the interior zeros), the general-parameter
// paths, and known-answer slices of consecutive bit patterns (next to the zeros of swish' and mish', in the
// subnormal tails) against the fast reference - a piece of the exhaustive check small enough for CI.
// Built twice: as part of actbench_host_tests, and with -ffp-contract=fast -DACTBENCH_FP_GUARD as
// actbench_contract_guard_tests (every fp:: operation a barrier, everything else fused): the bounds hold in
// both, so no compensated step of the path depends on the compiler not contracting it.
#include "harness/reference.hpp"
#include "harness/reference_fast.hpp"
#include "harness/ulp.hpp"
#include "kernels/f32/activations.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

namespace actbench {
namespace {

using L = long double;

float from_bits(std::uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}
std::uint32_t to_bits(float f) {
  std::uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}

// ---- the cores --------------------------------------------------------------------------------------

/// max |e/e^x - 1| of an exp returning a pair, over x in [lo, hi] by `step`, and how many x have |e.lo| above
/// 2^lo_exp |e.hi| where e.hi is above 2^-100 (below, the low part is subnormal).
struct ExpSweep {
  L worst = 0;
  int lo_too_large = 0;
};
template <class Exp>
ExpSweep exp_pair_sweep(Exp exp, float lo, float hi, float step, int lo_exp) {
  ExpSweep r;
  for (float x = lo; x <= hi; x += step) {
    const f32::Pair e = exp(x);
    r.worst = std::max(r.worst, std::fabs((static_cast<L>(e.hi) + e.lo) / std::exp(static_cast<L>(x)) - 1));
    if (e.hi > 0x1p-100f && std::fabs(e.lo) > std::ldexp(std::fabs(e.hi), lo_exp) && r.lo_too_large++ == 0) {
      ADD_FAILURE() << "lo too large at x = " << x;
    }
  }
  return r;
}

TEST(F32Core, ExpPairWithin2pow27) {
  // lo carries up to 2^-22 (j ln2's low part)
  const ExpSweep r = exp_pair_sweep([](float x) { return f32::exp_pair(x); }, -80.0f, 88.0f, 0.000977f, -21);
  std::printf("[f32] exp_pair on [-80, 88]: max relative error 2^%.2f\n", double(std::log2(r.worst)));
  EXPECT_LT(r.worst, 0x1p-27L);
  EXPECT_EQ(r.lo_too_large, 0);
}

/// The short exp (swish' and gelu take it): about 2^-25 everywhere, and better next to swish' zero z0 = -1.2785,
/// where r = z - j ln2 is near 0.11 (swish_deriv_core's band, |z - z0| < 3/64, rests on it).
TEST(F32Core, ExpPairShortWithin2pow25AndNearSwishZero2pow26p5) {
  const auto short_exp = [](float x) { return f32::exp_pair_short(x); };
  const ExpSweep all = exp_pair_sweep(short_exp, -80.0f, 88.0f, 0.000977f, -16);
  const ExpSweep near = exp_pair_sweep(short_exp, -1.2784645f - 0.046875f, -1.2784645f + 0.046875f, 0x1p-17f, -16);
  std::printf("[f32] exp_pair_short on [-80, 88]: max relative error 2^%.2f; within 3/64 of -1.2785: 2^%.2f\n",
              double(std::log2(all.worst)), double(std::log2(near.worst)));
  EXPECT_LT(all.worst, 0x1p-25L);
  EXPECT_LT(near.worst, 0x1.6a09e6p-27L);  // 2^-26.5
  EXPECT_EQ(all.lo_too_large + near.lo_too_large, 0);
}

TEST(F32Core, Expm1PairWithin2pow26IncludingTinyArguments) {
  L worst = 0;
  std::vector<float> xs;
  for (float x = -87.0f; x < -0.01f; x += 0.000977f) xs.push_back(x);
  for (std::uint32_t b = 0x80000001u; b < 0xbc000000u; b += 4099) xs.push_back(from_bits(b));  // (-2^-7, 0)
  for (float x : xs) {
    const f32::Pair m = f32::expm1_pair(x);
    const L ex = std::expm1(static_cast<L>(x));
    worst = std::max(worst, std::fabs((static_cast<L>(m.hi) + m.lo) / ex - 1));
  }
  std::printf("[f32] expm1_pair on [-87, 0): max relative error 2^%.2f\n", double(std::log2(worst)));
  EXPECT_LT(worst, 0x1p-26L);
}

TEST(F32Core, HalfLog1pPairWithin2pow25) {
  L worst = 0;
  for (float x = 0.0f; x <= 80.0f; x += 0.000977f) {  // log1p(e^-x), e as the exp pair
    const f32::Pair e = f32::exp_pair(-x);
    const f32::Pair l = f32::half_log1p_pair({e.hi * 0.5f, e.lo * 0.5f});  // log1p(e)/2
    const L ex = std::log1p(std::exp(-static_cast<L>(x)));
    worst = std::max(worst, std::fabs(2 * (static_cast<L>(l.hi) + l.lo) / ex - 1));
  }
  std::printf("[f32] 2 half_log1p_pair(e^-x / 2), x in [0, 80]: max relative error 2^%.2f\n",
              double(std::log2(worst)));
  EXPECT_LT(worst, 0x1p-25L);
}

TEST(F32Core, RcpOfEveryFloatInOneTwoAndAcrossTheRange) {
  double worst = 0;
  for (std::uint32_t b = 0x3f800000u; b < 0x40000000u; ++b) {  // every d in [1, 2)
    const float d = from_bits(b);
    worst = std::max(worst, std::fabs(1.0 - double(d) * double(f32::rcp(d))));
  }
  for (std::uint32_t b = 0x00800000u; b < 0x7e000000u; b += 997) {  // normal d below 2^125
    const float d = from_bits(b);
    worst = std::max(worst, std::fabs(1.0 - double(d) * double(f32::rcp(d))));
  }
  std::printf("[f32] rcp: max |1 - d rcp(d)| = 2^%.2f\n", std::log2(worst));
  EXPECT_LT(worst, 0x1p-23);
}

TEST(F32Core, FastTwoSumOfASmallIntegerIsExact) {
  // mish relies on it: Fast2Sum(c, b) for c = 1, 2 and |b| < 2^24 is exact even where |b| > c.
  for (float c : {1.0f, 2.0f})
    for (std::uint32_t b = 0; b < 0x4b800000u; b += 61)
      for (float v : {from_bits(b), -from_bits(b)}) {
        const f32::Pair s = fp::fast_two_sum(c, v);
        ASSERT_EQ(static_cast<L>(s.hi) + s.lo, static_cast<L>(c) + v) << c << " + " << v;
      }
}

// ---- the functions, sampled ---------------------------------------------------------------------------

/// One f32 function with its pieces and the reference case it answers.
struct Fn {
  std::string name;
  Activation act;
  Direction dir;
  Params params;
  std::function<float(float)> full, hot, slow;
  std::function<bool(float)> cold;
};

template <class F, class H, class S, class C>
Fn fn(const char* name, Activation a, Direction d, Params p, F full, H hot, S slow, C cold) {
  return {name, a, d, p, full, hot, slow, cold};
}

std::vector<Fn> default_functions() {
  using namespace f32;
  const Params p;
  const Direction F = Direction::fwd, D = Direction::deriv;
  return {
      fn("sigmoid", Activation::sigmoid, F, p, sigmoid, sigmoid_hot, sigmoid_slow, sigmoid_cold),
      fn("sigmoid'", Activation::sigmoid, D, p, sigmoid_deriv, sigmoid_deriv_hot, sigmoid_deriv_slow, sigmoid_deriv_cold),
      fn("tanh", Activation::tanh, F, p, f32::tanh, tanh_hot, tanh_slow, tanh_cold),
      fn("tanh'", Activation::tanh, D, p, tanh_deriv, tanh_deriv_hot, tanh_deriv_slow, tanh_deriv_cold),
      fn("elu", Activation::elu, F, p, [](float x) { return elu(x, 1.0f); }, [](float x) { return elu_hot(x, 1.0f); },
         [](float x) { return elu_slow(x, 1.0f); }, [](float x) { return elu_cold(x, 1.0f); }),
      fn("elu'", Activation::elu, D, p, [](float x) { return elu_deriv(x, 1.0f); },
         [](float x) { return elu_deriv_hot(x, 1.0f); }, [](float x) { return elu_deriv_slow(x, 1.0f); },
         [](float x) { return elu_deriv_cold(x, 1.0f); }),
      fn("selu", Activation::selu, F, p, selu, selu_hot, selu_slow, selu_cold),
      fn("selu'", Activation::selu, D, p, selu_deriv, selu_deriv_hot, selu_deriv_slow, selu_deriv_cold),
      fn("celu", Activation::celu, F, p, [](float x) { return celu(x, 1.0f); }, [](float x) { return elu_hot(x, 1.0f); },
         [](float x) { return elu_slow(x, 1.0f); }, [](float x) { return elu_cold(x, 1.0f); }),
      fn("softplus", Activation::softplus, F, p, [](float x) { return softplus(x, 1.0f); }, softplus_hot, softplus_slow,
         softplus_cold),
      fn("softplus'", Activation::softplus, D, p, [](float x) { return softplus_deriv(x, 1.0f); }, sigmoid_hot,
         sigmoid_slow, sigmoid_cold),
      fn("silu", Activation::swish, F, p, silu, silu_hot, silu_slow, silu_cold),
      fn("silu'", Activation::swish, D, p, silu_deriv, silu_deriv_hot, silu_deriv_slow, silu_deriv_cold),
      fn("mish", Activation::mish, F, p, mish, mish_hot, mish_slow, mish_cold),
      fn("mish'", Activation::mish, D, p, mish_deriv, mish_deriv_hot, mish_deriv_slow, mish_deriv_cold),
  };
}

/// Every binade of both signs at `per` points, the specials, and dense points next to the interior zeros
/// and the hot/cold thresholds.
std::vector<float> sample(int per) {
  std::vector<float> xs;
  for (std::uint32_t sign : {0u, 0x80000000u})
    for (std::uint32_t e = 0; e < 256; ++e)
      for (int k = 0; k < per; ++k)
        xs.push_back(from_bits(sign | (e << 23) | static_cast<std::uint32_t>((std::uint64_t(k) * 0x7fffffu) / (per - 1))));
  xs.push_back(NAN);
  xs.push_back(-NAN);
  for (double c : {-1.2784645427610738, -1.1924312145154952, -80.0, 80.0, -40.0, 40.0, -87.0, -88.0, 10.0, 12.0,
                   -17.0, 17.0, -103.9, 0.0})
    for (int k = -2000; k <= 2000; ++k) xs.push_back(static_cast<float>(c + k * 0x1p-18));
  return xs;
}

struct Tally {
  double max_ulp = 0;
  float worst_x = 0;
  int over = 0, nonfinite = 0, signed_zero = 0, flushed = 0;
};

void check(Tally& t, const Fn& f, float x, float y, double bound, const char* piece) {
  const L exact = ref::reference_value(DType::f32, f.act, f.dir, x, 0, f.params);
  const UlpError e = ulp_error(DType::f32, to_bits(y), exact);
  bool bad = false;
  if (e.cls == UlpClass::nonfinite_mismatch) bad = ++t.nonfinite;
  if (e.signed_zero_mismatch) bad = ++t.signed_zero;
  if (e.flushed_subnormal) bad = ++t.flushed;
  if (e.cls == UlpClass::finite && double(e.ulp) > t.max_ulp) {
    t.max_ulp = double(e.ulp);
    t.worst_x = x;
  }
  if (e.cls == UlpClass::finite && double(e.ulp) > bound) bad = ++t.over;
  if (bad && t.over + t.nonfinite + t.signed_zero + t.flushed <= 5)
    ADD_FAILURE() << f.name << " (" << piece << ") x = " << std::hexfloat << x << std::defaultfloat << " (" << x
                  << "): got " << y << ", exact " << double(exact) << " (" << double(e.ulp) << " ulp)";
}

TEST(F32Functions, WithinTwoUlpNoAllowanceOnADenseSample) {
  const std::vector<float> xs = sample(512);
  std::printf("[f32] precise f32 functions, %zu inputs each: max ULP (no absolute allowance)\n", xs.size());
  for (const Fn& f : default_functions()) {
    Tally full, slow;
    int hot_n = 0;
    for (float x : xs) {
      check(full, f, x, f.full(x), 2.0, "full");
      check(slow, f, x, f.slow(x), 2.0, "slow");
      if (!f.cold(x)) {  // the hot path answers these: the full function must be exactly it
        ++hot_n;
        const float h = f.hot(x), y = f.full(x);
        ASSERT_TRUE(to_bits(h) == to_bits(y) || (h != h && y != y)) << f.name << " hot vs full at " << x;
      }
    }
    std::printf("[f32]   %-10s max %.4f ulp at x = %-13.7g (slow path everywhere: %.4f); hot on %d of %zu\n",
                f.name.c_str(), full.max_ulp, full.worst_x, slow.max_ulp, hot_n, xs.size());
    EXPECT_EQ(full.over + full.nonfinite + full.signed_zero + full.flushed, 0) << f.name;
    EXPECT_EQ(slow.over + slow.nonfinite + slow.signed_zero + slow.flushed, 0) << f.name;
  }
}

/// The hot range covers at least [-20, 20] for every function (the benchmark's data are in [-8, 8]).
TEST(F32Functions, HotRangeCoversMinusTwentyToTwenty) {
  for (const Fn& f : default_functions())
    for (float x = -20.0f; x <= 20.0f; x += 0.001f) ASSERT_FALSE(f.cold(x)) << f.name << " cold at " << x;
}

TEST(F32Functions, GeneralParametersWithinTwoUlp) {
  const std::vector<float> xs = sample(192);
  struct P {
    const char* name;
    Activation act;
    Direction dir;
    float v;
    std::function<float(float, float)> f;
  };
  const Direction F = Direction::fwd, D = Direction::deriv;
  std::vector<P> cases;
  for (float a : {0.5f, 2.5f, 0.01f}) {
    cases.push_back({"elu", Activation::elu, F, a, f32::elu});
    cases.push_back({"elu'", Activation::elu, D, a, f32::elu_deriv});
  }
  for (float a : {0.5f, 2.5f, -1.5f, 0.03f}) {
    cases.push_back({"celu", Activation::celu, F, a, f32::celu});
    cases.push_back({"celu'", Activation::celu, D, a, f32::celu_deriv});
  }
  for (float b : {0.5f, 3.0f, 0.05f, 20.0f}) {
    cases.push_back({"softplus", Activation::softplus, F, b, f32::softplus});
    cases.push_back({"softplus'", Activation::softplus, D, b, f32::softplus_deriv});
  }
  for (float b : {0.7f, 1.7f, 3.0f, 0.1f}) {
    cases.push_back({"swish", Activation::swish, F, b, f32::swish});
    cases.push_back({"swish'", Activation::swish, D, b, f32::swish_deriv});
  }
  std::printf("[f32] general parameters, %zu inputs each (the zero of swish' moves to z0/beta: sampled densely)\n",
              xs.size());
  for (const P& c : cases) {
    Fn f{c.name, c.act, c.dir, Params{}, {}, {}, {}, {}};
    f.params.elu_alpha = f.params.celu_alpha = f.params.softplus_beta = f.params.swish_beta = c.v;
    std::vector<float> in;
    for (float x : xs)  // alpha < 0: beyond |x| = 1e4, ref::eval's e^q + e^q ql is inf - inf (NaN), not the limit
      if (!(c.act == Activation::celu && c.v < 0 && std::fabs(x) > 1e4f)) in.push_back(x);
    if (c.act == Activation::swish)  // next to z0/beta
      for (int k = -3000; k <= 3000; ++k) in.push_back(static_cast<float>((-1.2784645427610738 + k * 0x1p-17) / c.v));
    Tally t;
    for (float x : in) check(t, f, x, c.f(x, c.v), 2.0, "full");
    std::printf("[f32]   %-10s %-5g max %.4f ulp at x = %.7g\n", c.name, c.v, t.max_ulp, t.worst_x);
    EXPECT_EQ(t.over + t.nonfinite + t.signed_zero + t.flushed, 0) << c.name << " " << c.v;
  }
}

// ---- known-answer slices: consecutive bit patterns against the fast reference ---------------------------

/// Every pattern in [from, to] of one function against ref::fast_eval: max ULP <= 2, no mismatches.
void slice(const Fn& f, std::uint32_t from, std::uint32_t to) {
  constexpr std::uint32_t kChunk = 1u << 16;
  std::vector<float> xs(kChunk);
  std::vector<double> ref(kChunk);
  Tally t;
  for (std::uint64_t b = from; b <= to; b += kChunk) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, std::uint64_t(to) + 1 - b));
    for (std::size_t i = 0; i < n; ++i) xs[i] = from_bits(static_cast<std::uint32_t>(b + i));
    ref::fast_eval(f.act, f.dir, xs.data(), ref.data(), n, f.params);
    for (std::size_t i = 0; i < n; ++i) {
      const float y = f.full(xs[i]);
      const UlpError e = ulp_error(DType::f32, to_bits(y), static_cast<L>(ref[i]));
      const bool bad = e.cls == UlpClass::nonfinite_mismatch || e.signed_zero_mismatch || e.flushed_subnormal ||
                       (e.cls == UlpClass::finite && e.ulp > 2);
      if (e.cls == UlpClass::finite && double(e.ulp) > t.max_ulp) {
        t.max_ulp = double(e.ulp);
        t.worst_x = xs[i];
      }
      if (bad && ++t.over <= 5)
        ADD_FAILURE() << f.name << " x = " << std::hexfloat << xs[i] << std::defaultfloat << ": got " << y << ", ref "
                      << ref[i] << " (" << double(e.ulp) << " ulp)";
    }
  }
  std::printf("[f32]   %-10s patterns %08x..%08x (%u): max %.4f ulp at x = %.9g\n", f.name.c_str(), from, to,
              to - from + 1, t.max_ulp, t.worst_x);
  EXPECT_EQ(t.over, 0) << f.name;
}

const Fn& find(const std::vector<Fn>& fs, const char* name) {
  for (const Fn& f : fs)
    if (f.name == name) return f;
  throw std::invalid_argument(name);
}

TEST(F32Functions, KnownAnswerSlicesOfConsecutivePatterns) {
  const std::vector<Fn> fs = default_functions();
  std::printf("[f32] known-answer slices (every pattern, fast reference)\n");
  const std::uint32_t kSwishZero = to_bits(-1.27846456f), kMishZero = to_bits(-1.19243121f);
  slice(find(fs, "silu'"), kSwishZero - (1u << 21), kSwishZero + (1u << 21));  // |x - z0| < 0.25
  slice(find(fs, "silu'"), 0x41800000u, 0x41c00000u);  // [16, 24): E = e^x past 2^24, d's low part off (< 1 ulp)
  slice(find(fs, "silu'"), 0x42800000u, 0x42a00000u);  // [64, 80]: the hot range's top, E up to 2^116
  slice(find(fs, "mish'"), kMishZero - (1u << 21), kMishZero + (1u << 21));
  slice(find(fs, "sigmoid"), 0xc2a00000u, 0xc2d00000u);  // x in [-104, -80]: the cold tail, subnormal results
  slice(find(fs, "silu"), 0xc2a00000u, 0xc2d00000u);
  slice(find(fs, "tanh'"), 0x42200000u, 0x42600000u);  // [40, 56]: 4 e^-2x, subnormal results
  slice(find(fs, "elu'"), 0xc2a00000u, 0xc2d00000u);
  slice(find(fs, "tanh"), 0x3d800000u, 0x3e800000u);      // [1/16, 1/4): expm1 without cancellation
  slice(find(fs, "softplus"), 0x3e800000u, 0x3f000000u);  // [1/4, 1/2]: the log's two roundings
  slice(find(fs, "mish"), 0x00000000u, 0x00400000u);      // subnormal x
}

}  // namespace
}  // namespace actbench
