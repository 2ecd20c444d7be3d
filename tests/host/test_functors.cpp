// Tests of kernels/activations.hpp on the host: derivatives against finite differences of the
// forward, special values (+-0, +-inf, NaN, sign of zero, no spurious overflow, subnormal outputs),
// prelu's channel mapping, make_functor's parameter mapping, dispatch_op's reach, and the agreement of
// each catalog row with its code.  Only variants that exist for a dtype are evaluated (variant_exists:
// fast is f32-only; textbook where the activation has one).
#include "kernels/activations.hpp"
#include "kernels/bits16.hpp"
#include "kernels/catalog.hpp"
#include "kernels/dtype.hpp"
#include "kernels/elementwise.hpp"

#include <gtest/gtest.h>

#include <cfloat>
#include <cstdint>
#include <cstring>
#include <cmath>
#include <stdexcept>
#include <type_traits>
#include <limits>
#include <random>
#include <string>
#include <typeinfo>
#include <utility>
#include <vector>

namespace actbench {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// f(x) or f'(x) of activation a (default Params) with variant V in compute type C.
template <Variant V, class C>
C eval(Activation a, Direction d, C x, const Params& p = Params{}) {
  OpSpec s;
  s.activation = a;
  s.variant = V;
  s.direction = d;
  s.params = p;
  return dispatch_op<C>(s, [&](auto op) -> C {
    const auto f = op.act;
    if constexpr (decltype(op)::per_channel) {
      return d == Direction::fwd ? f.channel(0).fwd(x) : f.channel(0).deriv(x);
    } else {
      return d == Direction::fwd ? f.fwd(x) : f.deriv(x);
    }
  });
}

double pd(Activation a, Direction d, double x, const Params& p = Params{}) {
  return eval<Variant::precise, double>(a, d, x, p);
}
float pf(Activation a, Direction d, float x, const Params& p = Params{}) {
  return eval<Variant::precise, float>(a, d, x, p);
}
float ff(Activation a, Direction d, float x, const Params& p = Params{}) { return eval<Variant::fast, float>(a, d, x, p); }

std::vector<double> kinks(Activation a) {
  switch (a) {
    case Activation::relu:
    case Activation::leaky_relu:
    case Activation::prelu:
    case Activation::elu:
    case Activation::selu:
    case Activation::celu: return {0.0};
    case Activation::relu6: return {0.0, 6.0};
    case Activation::hardsigmoid:
    case Activation::hardswish: return {-3.0, 3.0};
    default: return {};
  }
}

template <Variant V, class C>
void check_derivatives(double rel_tol, double abs_tol) {
  int activations = 0;
  for (const auto& info : kCatalog) {
    const Activation a = info.id;
    if (!variant_exists(a, V, dtype_traits<C>::dtype)) continue;
    const auto ks = kinks(a);
    int checked = 0;
    for (double x = -20.0; x <= 20.0; x += 0.0173) {
      // f64: h ~ eps^(1/3); f32: h large enough for float's noise.
      const double h = (sizeof(C) == 8 ? 1e-5 : 4e-3) * std::max(1.0, std::fabs(x));
      bool near_kink = false;
      for (double k : ks) near_kink |= std::fabs(x - k) < 3 * h;
      if (near_kink) continue;
      const double fp = eval<V, C>(a, Direction::fwd, C(x + h));
      const double fm = eval<V, C>(a, Direction::fwd, C(x - h));
      // the step actually taken in C
      const double hh = (double(C(x + h)) - double(C(x - h))) / 2;
      const double fd = (fp - fm) / (2 * hh);
      const double dv = eval<V, C>(a, Direction::deriv, C(x));
      const double scale = std::max(1.0, std::fabs(dv));
      ASSERT_NEAR(dv, fd, rel_tol * scale + abs_tol)
          << info.name << " " << to_string(V) << " " << (sizeof(C) == 8 ? "f64" : "f32") << " at x=" << x;
      ++checked;
    }
    EXPECT_GT(checked, 2000) << info.name;
    ++activations;
  }
  EXPECT_GT(activations, 0);
}

TEST(Functors, PreciseDerivativeMatchesFiniteDifferenceF64) { check_derivatives<Variant::precise, double>(2e-8, 1e-12); }
TEST(Functors, PreciseDerivativeMatchesFiniteDifferenceF32) { check_derivatives<Variant::precise, float>(2e-3, 1e-5); }
TEST(Functors, FastDerivativeMatchesFiniteDifferenceF32) { check_derivatives<Variant::fast, float>(2e-3, 1e-5); }
// The textbook formulas are right in exact arithmetic; in f64 over [-20, 20] they are still close.
TEST(Functors, TextbookDerivativeMatchesFiniteDifferenceF64) { check_derivatives<Variant::textbook, double>(1e-6, 1e-8); }

/// Derivatives agree with an independent closed form at a few points (guards against a derivative
/// and its forward sharing the same mistake, which a finite difference would not see).
// softplus at beta != 1 is positive at every x: its far tail, where beta x's rounding term passes 1 (f64 from
// -2^53, the fast f32 variant from -2^24), and its 16-bit form, where that term times sigma underflows (bf16 at
// x = -94, beta = 1.1) or s/beta does (beta = 10), gave -0 before e46016c.
TEST(Functors, SoftplusAtOtherBetasIsNeverMinusZero) {
  Softplus<Variant::precise> p;
  Softplus<Variant::fast> f;
  p.beta = f.beta = 1.1;
  for (const double x : {-1.6e16, -1e17, -1e300, -800.0}) {
    EXPECT_FALSE(std::signbit(p.fwd(x))) << x;
    EXPECT_EQ(p.fwd(x), 0.0) << x;
  }
  for (const float x : {-3.05e7f, -1e9f, -1e38f}) {
    EXPECT_FALSE(std::signbit(f.fwd(x))) << x;
    EXPECT_EQ(f.fwd(x), 0.0f) << x;
  }
  for (const double beta : {1.1, 0.3, 10.0, 1000.0}) {
    p.beta = beta;
    for (std::uint32_t b = 0x8000u; b < 0xff80u; ++b) {  // every negative bf16 but NaN: the result rounds to +0 or more
      const float x = detail::bf16_bits_to_f32(static_cast<std::uint16_t>(b));
      ASSERT_NE(detail::f32_to_bf16_bits(p.fwd_narrow<bf16_t>(x)), 0x8000u) << "beta " << beta << " x " << x;
    }
  }
}

TEST(Functors, DerivativesMatchClosedForms) {
  const double x = -0.8, s = 1 / (1 + std::exp(-x)), sp = std::log1p(std::exp(x));
  const double th = std::tanh(x), tsp = std::tanh(sp);
  const double u = std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x), tu = std::tanh(u);
  const double phi = std::exp(-x * x / 2) / std::sqrt(2 * M_PI), Phi = 0.5 * std::erfc(-x / std::sqrt(2.0));
  const std::pair<Activation, double> cases[] = {
      {Activation::sigmoid, s * (1 - s)},
      {Activation::tanh, 1 - th * th},
      {Activation::softplus, s},
      {Activation::swish, s + x * s * (1 - s)},
      {Activation::gelu, Phi + x * phi},
      {Activation::gelu_tanh, 0.5 * (1 + tu) + 0.5 * x * (1 - tu * tu) * std::sqrt(2 / M_PI) * (1 + 3 * 0.044715 * x * x)},
      {Activation::mish, tsp + x * s * (1 - tsp * tsp)},
      {Activation::elu, std::exp(x)},
      {Activation::selu, 1.0507009873554804934 * 1.6732632423543772848 * std::exp(x)},
      {Activation::celu, std::exp(x)},
      {Activation::softsign, 1 / ((1 + 0.8) * (1 + 0.8))},
      {Activation::hardswish, (2 * x + 3) / 6},
      {Activation::hardsigmoid, 1.0 / 6},
      {Activation::leaky_relu, 0.01},
      {Activation::prelu, 0.25},
      {Activation::relu, 0.0},
      {Activation::relu6, 0.0},
  };
  for (const auto& [a, want] : cases) {
    EXPECT_NEAR(pd(a, Direction::deriv, x), want, 1e-14) << to_string(a);
    EXPECT_NEAR(pf(a, Direction::deriv, float(x)), want, 1e-6) << to_string(a);
  }
}

template <class C>
void check_nan_propagates() {
  for (const auto& info : kCatalog)
    for (Variant v : kAllVariants)
      for (Direction d : {Direction::fwd, Direction::deriv}) {
        if (!variant_exists(info.id, v, dtype_traits<C>::dtype)) continue;
        OpSpec s;
        s.activation = info.id;
        s.variant = v;
        s.direction = d;
        const C y = dispatch_op<C>(s, [&](auto op) -> C {
          if constexpr (decltype(op)::per_channel) {
            return d == Direction::fwd ? op.act.channel(0).fwd(C(kNaN)) : op.act.channel(0).deriv(C(kNaN));
          } else {
            return d == Direction::fwd ? op.act.fwd(C(kNaN)) : op.act.deriv(C(kNaN));
          }
        });
        EXPECT_TRUE(std::isnan(y)) << info.name << " " << to_string(v) << " " << to_string(d);
      }
}
TEST(Functors, NaNPropagatesF64) { check_nan_propagates<double>(); }
TEST(Functors, NaNPropagatesF32) { check_nan_propagates<float>(); }

struct Special {
  Activation a;
  Direction d;
  double x, want;  ///< want: exact expected value (sign of zero checked)
};

template <Variant V, class C>
void check_specials() {
  const double la = double(C(1.0507009873554804934)) * double(C(1.6732632423543772848));
  const Special cases[] = {
      {Activation::relu, Direction::fwd, kInf, kInf},        {Activation::relu, Direction::fwd, -kInf, 0.0},
      {Activation::relu, Direction::fwd, -0.0, 0.0},         {Activation::relu6, Direction::fwd, kInf, 6.0},
      {Activation::relu6, Direction::fwd, -kInf, 0.0},       {Activation::leaky_relu, Direction::fwd, -0.0, -0.0},
      {Activation::leaky_relu, Direction::fwd, -kInf, -kInf}, {Activation::prelu, Direction::fwd, -0.0, -0.0},
      {Activation::elu, Direction::fwd, -kInf, -1.0},         {Activation::elu, Direction::fwd, -0.0, -0.0},
      {Activation::elu, Direction::deriv, -kInf, 0.0},        {Activation::elu, Direction::fwd, kInf, kInf},
      {Activation::selu, Direction::fwd, -0.0, -0.0},         {Activation::selu, Direction::deriv, -kInf, 0.0},
      {Activation::celu, Direction::fwd, -kInf, -1.0},        {Activation::celu, Direction::fwd, -0.0, -0.0},
      {Activation::softplus, Direction::fwd, kInf, kInf},    {Activation::softplus, Direction::fwd, -kInf, 0.0},
      {Activation::softplus, Direction::deriv, kInf, 1.0},   {Activation::softplus, Direction::deriv, -kInf, 0.0},
      {Activation::sigmoid, Direction::fwd, kInf, 1.0},      {Activation::sigmoid, Direction::fwd, -kInf, 0.0},
      {Activation::sigmoid, Direction::deriv, kInf, 0.0},    {Activation::sigmoid, Direction::deriv, -kInf, 0.0},
      {Activation::hardsigmoid, Direction::fwd, kInf, 1.0},  {Activation::hardsigmoid, Direction::fwd, -kInf, 0.0},
      {Activation::tanh, Direction::fwd, kInf, 1.0},         {Activation::tanh, Direction::fwd, -kInf, -1.0},
      {Activation::tanh, Direction::fwd, -0.0, -0.0},        {Activation::tanh, Direction::deriv, kInf, 0.0},
      {Activation::tanh, Direction::deriv, -kInf, 0.0},      {Activation::softsign, Direction::fwd, kInf, 1.0},
      {Activation::softsign, Direction::fwd, -kInf, -1.0},   {Activation::softsign, Direction::fwd, -0.0, -0.0},
      {Activation::softsign, Direction::deriv, kInf, 0.0},   {Activation::softsign, Direction::deriv, -kInf, 0.0},
      {Activation::swish, Direction::fwd, -kInf, -0.0},      {Activation::swish, Direction::fwd, kInf, kInf},
      {Activation::swish, Direction::fwd, -0.0, -0.0},       {Activation::swish, Direction::deriv, -kInf, -0.0},
      {Activation::swish, Direction::deriv, kInf, 1.0},      {Activation::hardswish, Direction::fwd, kInf, kInf},
      {Activation::hardswish, Direction::fwd, -kInf, -0.0},  {Activation::hardswish, Direction::fwd, -0.0, -0.0},
      {Activation::hardswish, Direction::fwd, -5.0, -0.0},   {Activation::hardswish, Direction::deriv, -kInf, 0.0},
      {Activation::hardswish, Direction::deriv, kInf, 1.0},  {Activation::hardswish, Direction::deriv, -3.0, -0.5},
      {Activation::hardswish, Direction::deriv, 3.0, 1.5},   {Activation::gelu, Direction::fwd, -kInf, -0.0},
      {Activation::gelu, Direction::fwd, kInf, kInf},        {Activation::gelu, Direction::fwd, -0.0, -0.0},
      {Activation::gelu, Direction::deriv, -kInf, -0.0},     {Activation::gelu, Direction::deriv, kInf, 1.0},
      {Activation::gelu_tanh, Direction::fwd, -kInf, -0.0},  {Activation::gelu_tanh, Direction::fwd, kInf, kInf},
      {Activation::gelu_tanh, Direction::fwd, -0.0, -0.0},   {Activation::gelu_tanh, Direction::deriv, -kInf, -0.0},
      {Activation::gelu_tanh, Direction::deriv, kInf, 1.0},  {Activation::mish, Direction::fwd, -kInf, -0.0},
      {Activation::mish, Direction::fwd, kInf, kInf},        {Activation::mish, Direction::fwd, -0.0, -0.0},
      {Activation::mish, Direction::deriv, -kInf, -0.0},     {Activation::mish, Direction::deriv, kInf, 1.0},
      {Activation::selu, Direction::fwd, -kInf, -la},
  };
  for (const auto& c : cases) {
    if (!variant_exists(c.a, V, dtype_traits<C>::dtype)) continue;
    const C y = eval<V, C>(c.a, c.d, C(c.x));
    const std::string where = std::string(to_string(c.a)) + " " + to_string(c.d) + "(" + std::to_string(c.x) +
                              ") " + to_string(V) + (sizeof(C) == 8 ? " f64" : " f32");
    if (c.want == 0) {
      EXPECT_EQ(y, C(0)) << where;
      EXPECT_EQ(std::signbit(y), std::signbit(c.want)) << where << " sign of zero";
    } else {
      EXPECT_EQ(double(y), double(C(c.want))) << where;
    }
  }
}
TEST(Functors, SpecialValuesPreciseF64) { check_specials<Variant::precise, double>(); }
TEST(Functors, SpecialValuesPreciseF32) { check_specials<Variant::precise, float>(); }
TEST(Functors, SpecialValuesFastF32) { check_specials<Variant::fast, float>(); }

/// Where the true value is negative, the result is negative or -0, never +0.
TEST(Functors, SignOfZeroInNegativeTails) {
  const std::pair<Activation, double> cases[] = {
      {Activation::swish, -100}, {Activation::swish, -200},     {Activation::swish, -1e30},
      {Activation::gelu, -6},    {Activation::gelu, -20},       {Activation::gelu, -1e30},
      {Activation::gelu_tanh, -6}, {Activation::gelu_tanh, -12}, {Activation::gelu_tanh, -1e30},
      {Activation::mish, -100},  {Activation::mish, -200},      {Activation::mish, -1e30},
  };
  for (const auto& [a, x] : cases) {
    for (Direction d : {Direction::fwd, Direction::deriv}) {
      const float yf = pf(a, d, float(x));
      EXPECT_TRUE(std::signbit(yf)) << to_string(a) << " " << to_string(d) << " f32 at " << x << " = " << yf;
      const double yd = pd(a, d, x);
      EXPECT_TRUE(std::signbit(yd)) << to_string(a) << " " << to_string(d) << " f64 at " << x << " = " << yd;
    }
  }
  // silu(-100) in f32 is a (negative) subnormal, not a zero.
  const float s = pf(Activation::swish, Direction::fwd, -100.0f);
  EXPECT_LT(s, 0.0f);
  EXPECT_NEAR(double(s), -100.0 * std::exp(-100.0), 1.5e-45);
}

/// No intermediate overflow where the true value is finite.
// hardsigmoid f and hardswish' divide by 6 without a division in f32 (detail::div6_normal, the same bits as the
// IEEE quotient on all 2^32 inputs) and with one in f64, where the division-free form rounded these two inputs
// (found by a review) to 0.5 instead of 0.5 + 2^-53: each result is the correctly rounded one.
TEST(Functors, DivideBySixRoundsCorrectlyNextToOneHalf) {
  EXPECT_EQ(Hardsigmoid{}.fwd(0x1.8000000000001p-52), 0x1.0000000000001p-1);
  EXPECT_EQ(Hardswish<Variant::precise>{}.deriv(0x1.8000000000001p-53), 0x1.0000000000001p-1);
  EXPECT_EQ(Hardsigmoid{}.fwd(0x1.2p-21f), 0x1.000004p-1f);  // (3 + x)/6 a tie: to even
  EXPECT_EQ(Hardswish<Variant::precise>{}.fwd(0x1p-149f), 0x1p-149f);  // x/2 + x^2/6 just above the tie
  // div6_normal adds its correction without a zero-sign select: its zero sums are +0 (hardsigmoid at x <= -3,
  // hardswish' at x = -1.5), and so are the results
  for (float x : {-3.0f, -1.5f}) {
    const float h = x == -3.0f ? Hardsigmoid{}.fwd(x) : Hardswish<Variant::precise>{}.deriv(x);
    EXPECT_EQ(h, 0.0f) << x;
    EXPECT_FALSE(std::signbit(h)) << x;
  }
  EXPECT_FALSE(std::signbit(Hardsigmoid{}.fwd(-7.0f)));
}

TEST(Functors, NoSpuriousOverflow) {
  const float big[] = {1e38f, FLT_MAX, 3e19f, 1e30f};
  for (float x : big) {
    for (Activation a : {Activation::hardswish, Activation::gelu_tanh, Activation::gelu, Activation::swish,
                         Activation::mish, Activation::softplus, Activation::relu, Activation::leaky_relu,
                         Activation::elu, Activation::celu}) {
      EXPECT_EQ(pf(a, Direction::fwd, x), x) << to_string(a) << " at " << x;
      if (info(a).has_fast) {
        EXPECT_EQ(ff(a, Direction::fwd, x), x) << to_string(a) << " fast at " << x;
      }
      const float d = pf(a, Direction::deriv, x);
      EXPECT_TRUE(std::isfinite(d)) << to_string(a) << "' at " << x;
      const float dm = pf(a, Direction::deriv, -x);
      EXPECT_TRUE(std::isfinite(dm)) << to_string(a) << "' at " << -x;
    }
    EXPECT_EQ(pf(Activation::softsign, Direction::fwd, x), 1.0f);
  }
  // softsign'(3e19) = 1/x^2 ~ 1.1e-39: a subnormal, not a zero from an overflowed d*d
  EXPECT_NEAR(double(pf(Activation::softsign, Direction::deriv, 3e19f)), 1 / (3e19 * 3e19), 1.5e-45);
  EXPECT_GT(pf(Activation::softsign, Direction::deriv, 3e19f), 0.0f);
  EXPECT_EQ(pd(Activation::hardswish, Direction::fwd, DBL_MAX), DBL_MAX);
  EXPECT_EQ(pd(Activation::gelu_tanh, Direction::fwd, 1e200), 1e200);
  // softplus with beta = 2: beta*x overflows, the value is x.
  Params p;
  p.softplus_beta = 2;
  EXPECT_EQ(pf(Activation::softplus, Direction::fwd, 3e38f, p), 3e38f);
  // and the textbook hardswish does overflow (that is what the check is there to catch)
  EXPECT_TRUE(std::isinf(eval<Variant::textbook, float>(Activation::hardswish, Direction::fwd, 1e38f)));
}

/// Subnormal outputs where the exact value is subnormal (no flush, no loss beyond rounding).
TEST(Functors, SubnormalOutputs) {
  const float s = pf(Activation::sigmoid, Direction::fwd, -100.0f);
  EXPECT_GT(s, 0.0f);
  EXPECT_LT(s, FLT_MIN);
  EXPECT_NEAR(double(s), std::exp(-100.0), 1.5e-45);
  const float sp = pf(Activation::softplus, Direction::fwd, -95.0f);
  EXPECT_NEAR(double(sp), std::exp(-95.0), 1.5e-45);
  EXPECT_GT(sp, 0.0f);
  const double sd = pd(Activation::sigmoid, Direction::fwd, -720.0);
  EXPECT_GT(sd, 0.0);
  EXPECT_LT(sd, DBL_MIN);
  EXPECT_NEAR(sd, std::exp(-720.0), 1e-323);
  // x e^x normal while e^x is subnormal: no bits lost (f32: 1 ulp of the result).
  const float m = pf(Activation::swish, Direction::fwd, -88.0f);
  const double mt = -88.0 * std::exp(-88.0) / (1 + std::exp(-88.0));
  EXPECT_NEAR(double(m), mt, std::fabs(mt) * 1.2e-7);
  const float t = pf(Activation::tanh, Direction::deriv, 44.0f);
  EXPECT_NEAR(double(t), 4 * std::exp(-88.0), 4 * std::exp(-88.0) * 1.2e-7);
}

// prelu's i % channels: the multiply-high form below 2^31 (index and channel count), the 64-bit remainder (out of
// line) beyond, the same values either way.
TEST(Functors, ChannelOfIsTheRemainderEverywhere) {
  const std::int64_t big = std::int64_t{1} << 31;
  for (std::int64_t d : {std::int64_t{1}, std::int64_t{2}, std::int64_t{3}, std::int64_t{64}, std::int64_t{1000},
                         std::int64_t{65537}, big - 1, big, big * 4 + 7}) {
    const ChannelOf c(d);
    for (std::int64_t i : {std::int64_t{0}, std::int64_t{1}, d - 1, d, d + 1, std::int64_t{123456789}, big - 2, big - 1,
                           big, big + 1, big * 3 + 5, (std::int64_t{1} << 40) + 12345}) {
      if (i < 0) continue;
      EXPECT_EQ(c(i), i % d) << "i=" << i << " d=" << d;
    }
  }
  EXPECT_EQ(ChannelOf(0)(5), 0);  // fewer than one channel: one
}

TEST(Functors, PreluChannelMapping) {
  const float alpha[3] = {0.1f, 0.2f, 0.3f};
  OpSpec s;
  s.activation = Activation::prelu;
  s.params.prelu_channels = 3;
  s.prelu_alpha = alpha;
  for (Direction d : {Direction::fwd, Direction::deriv, Direction::bwd}) {
    s.direction = d;
    dispatch_op<float>(s, [&](auto op) {
      if constexpr (!decltype(op)::per_channel) {
        ADD_FAILURE() << "prelu must be per-channel";
      } else {
      for (std::int64_t i = 0; i < 12; ++i) {
        const float want = d == Direction::fwd ? -2.0f * alpha[i % 3] : alpha[i % 3] * (d == Direction::bwd ? 0.5f : 1.0f);
        float got;
        if constexpr (decltype(op)::direction == Direction::bwd) {
          got = op.at(i, -2.0f, 0.5f);
        } else {
          got = op.at(i, -2.0f);
        }
        EXPECT_EQ(got, want) << "i=" << i << " " << to_string(d);
        if constexpr (decltype(op)::direction != Direction::bwd) {
          EXPECT_EQ(op.at(i, 4.0f), d == Direction::fwd ? 4.0f : 1.0f);
        }
      }
      }
      return 0;
    });
  }
  // No slope memory: every channel uses Params::prelu_alpha.
  s.prelu_alpha = nullptr;
  s.params.prelu_alpha = 0.5;
  s.direction = Direction::fwd;
  dispatch_op<double>(s, [&](auto op) {
    if constexpr (decltype(op)::direction == Direction::fwd) {
      EXPECT_EQ(op.at(7, -2.0), -1.0);
    }
    return 0;
  });
  // only prelu is per-channel
  EXPECT_TRUE(is_per_channel<Prelu>::value);
  EXPECT_FALSE(is_per_channel<LeakyRelu>::value);
  EXPECT_FALSE(is_per_channel<Gelu<Variant::precise>>::value);
}

TEST(Functors, MakeFunctorMapsParams) {
  Params d;  // defaults
  Params p;
  p.leaky_relu_alpha = 0.2;
  p.elu_alpha = 2.0;
  p.celu_alpha = 2.0;
  p.softplus_beta = 2.0;
  p.swish_beta = 2.0;
  p.prelu_alpha = 0.5;
  struct Case {
    Activation a;
    double x, want_default, want_p;
  };
  const Case cases[] = {
      {Activation::leaky_relu, -1, -0.01, -0.2},
      {Activation::prelu, -1, -0.25, -0.5},
      {Activation::elu, -1, std::expm1(-1.0), 2 * std::expm1(-1.0)},
      {Activation::celu, -1, std::expm1(-1.0), 2 * std::expm1(-0.5)},
      {Activation::softplus, 1, std::log1p(std::exp(1.0)), std::log1p(std::exp(2.0)) / 2},
      {Activation::swish, 1, 1 / (1 + std::exp(-1.0)), 1 / (1 + std::exp(-2.0))},
  };
  for (const auto& c : cases) {
    for (Variant v : kAllVariants) {
      // f64 where the variant exists for f64 (1e-15), else f32 (fast: 1e-6)
      const bool f64 = variant_exists(c.a, v, DType::f64);
      if (!f64 && !variant_exists(c.a, v, DType::f32)) continue;
      const auto get = [&](const Params& pp) -> double {
        switch (v) {
          case Variant::precise: return pd(c.a, Direction::fwd, c.x, pp);
          case Variant::textbook: return eval<Variant::textbook, double>(c.a, Direction::fwd, c.x, pp);
          case Variant::fast: break;
        }
        return ff(c.a, Direction::fwd, float(c.x), pp);
      };
      const double tol = f64 ? 1e-15 : 1e-6;
      EXPECT_NEAR(get(d), c.want_default, tol) << to_string(c.a) << " " << to_string(v);
      EXPECT_NEAR(get(p), c.want_p, tol) << to_string(c.a) << " " << to_string(v);
    }
  }
  // The member fields themselves.
  OpSpec s;
  s.params = p;
  EXPECT_EQ((make_functor<LeakyReluDef, Variant::precise>(s).alpha), 0.2);
  EXPECT_EQ((make_functor<EluDef, Variant::fast>(s).alpha), 2.0);
  EXPECT_EQ((make_functor<CeluDef, Variant::textbook>(s).alpha), 2.0);
  EXPECT_EQ((make_functor<SoftplusDef, Variant::precise>(s).beta), 2.0);
  EXPECT_EQ((make_functor<SwishDef, Variant::textbook>(s).beta), 2.0);
  s.params.prelu_channels = 5;
  const float slopes[5] = {};
  s.prelu_alpha = slopes;
  const auto pr = make_functor<PreluDef, Variant::precise>(s);
  EXPECT_EQ(pr.alpha, slopes);
  EXPECT_EQ(pr.channels, 5);
}

// ---- dispatch reaches every existing (activation, variant, direction) for every dtype ----
// One generic lambda per dtype (dispatch_op instantiates it for every existing ElementOp); the expected
// functor type comes from the row (D::functor<V>, D::textbook) through visit_activation.

template <class T, class D, Variant V>
void expect_value(const OpSpec& s, const std::string& got_type, T got) {
  using tr = dtype_traits<T>;
  using F = std::conditional_t<V == Variant::textbook, typename D::textbook, typename D::template functor<V>>;
  const Direction d = s.direction;
  const std::string where = std::string(D::info.name) + " " + to_string(V) + " " + to_string(d) + " " + tr::code;
  EXPECT_EQ(got_type, std::string(typeid(F).name())) << where;
  const F f = make_functor<D, V>(s);
  volatile double src = -0.75;  // not a compile-time constant: g++ would fold libm calls (MPFR, correctly
                                // rounded) and differ from glibc's run-time result in the last bit
  const compute_t<T> cx = tr::to_compute(tr::from_compute(compute_t<T>(src)));
  compute_t<T> want;
  if constexpr (kNarrow<T, F>) {
    want = d == Direction::fwd ? f.template fwd_narrow<T>(cx) : f.template deriv_narrow<T>(cx);
  } else if constexpr (is_per_channel<F>::value) {
    want = d == Direction::fwd ? f.channel(0).fwd(cx) : f.channel(0).deriv(cx);
  } else {
    want = d == Direction::fwd ? f.fwd(cx) : f.deriv(cx);
  }
  if (d == Direction::bwd) want = compute_t<T>(2) * want;
  const T w = tr::from_compute(want);
  EXPECT_EQ(std::memcmp(&got, &w, sizeof(T)), 0) << where;
}

template <class T>
void check_dispatch_for_dtype() {
  using tr = dtype_traits<T>;
  const float alpha[1] = {0.25f};
  int calls = 0, expected = 0;
  for (const auto& info : kCatalog)
    for (Variant v : kAllVariants)
      for (Direction d : kAllDirections) {
        OpSpec s;
        s.activation = info.id;
        s.variant = v;
        s.direction = d;
        s.prelu_alpha = alpha;
        s.params.prelu_channels = 1;
        if (!variant_exists(info.id, v, tr::dtype)) {
          EXPECT_THROW(dispatch_op<T>(s, [](auto) { return 0; }), std::invalid_argument) << info.name;
          continue;
        }
        ++expected;
        std::string type;
        Direction got_dir{};
        T got{};
        dispatch_op<T>(s, [&](auto op) {
          using Op = decltype(op);
          ++calls;
          type = typeid(typename Op::activation_t).name();
          got_dir = Op::direction;
          static_assert(std::is_same<typename Op::storage_t, T>::value, "storage type");
          volatile double src = -0.75;
          const T x = tr::from_compute(compute_t<T>(src));
          if constexpr (Op::direction == Direction::bwd) {
            got = op.at(0, x, tr::from_compute(compute_t<T>(2)));
          } else {
            got = op.at(0, x);
          }
          return 0;
        });
        EXPECT_EQ(got_dir, d) << info.name;
        visit_activation(info.id, [&](auto row) {
          using D = decltype(row);
          switch (v) {
            case Variant::precise: return expect_value<T, D, Variant::precise>(s, type, got);
            case Variant::fast:
              if constexpr (variant_exists_for<D>(Variant::fast, tr::dtype)) expect_value<T, D, Variant::fast>(s, type, got);
              return;
            case Variant::textbook:
              if constexpr (kHasTextbook<D>) expect_value<T, D, Variant::textbook>(s, type, got);
              return;
          }
        });
      }
  EXPECT_EQ(calls, expected);
  EXPECT_GE(expected, kNumActivations * 3);
}

TEST(Functors, DispatchReachesEveryCase) {
  check_dispatch_for_dtype<float>();
  check_dispatch_for_dtype<double>();
  check_dispatch_for_dtype<f16_t>();
  check_dispatch_for_dtype<bf16_t>();
}

// ---- an op's input clamp done in storage (kernels/elementwise.cuh: clamp_inputs) is the op's own ----
// For every 16-bit input and the ops that clamp x (deriv_range: gelu_tanh and mish f' and bwd), the in_range() form
// on x clamped as the kernel clamps the stored values (the bound's own bits where x lies past it, NaN kept) gives the
// bits of the op itself, which clamps in f32.  bwd with gradients of both signs, one above 1.

template <class S>
std::vector<std::string> check_clamp_in_storage_agrees() {
  using tr = dtype_traits<S>;
  using B = Bits16<S>;
  std::vector<std::string> clamping;
  for (const auto& info : kCatalog)
    for (Direction d : {Direction::deriv, Direction::bwd}) {
      OpSpec s;
      s.activation = info.id;
      s.direction = d;
      dispatch_op_as<S, Variant::precise>(s, [&](auto op) {
        using Op = decltype(op);
        if constexpr (Op::clamps_input) {
          constexpr narrow::Range r = Op::input_range();
          const S lo{B::exactly(r.lo).bits}, hi{B::exactly(r.hi).bits};
          ASSERT_FALSE(B::nan(lo.bits) || B::nan(hi.bits)) << info.name << ": a bound S does not hold";
          ASSERT_EQ(tr::to_compute(lo), r.lo);
          ASSERT_EQ(tr::to_compute(hi), r.hi);
          clamping.push_back(std::string(info.name) + " " + to_string(d));
          const auto in = op.in_range();
          const S grads[] = {tr::from_compute(1.0f), tr::from_compute(-3.5f), tr::from_compute(1000.0f)};
          for (std::uint32_t b = 0; b < 0x10000u; ++b) {
            const S x{static_cast<std::uint16_t>(b)};
            const float xf = tr::to_compute(x);
            const S xc = xf < r.lo ? lo : (xf > r.hi ? hi : x);  // NaN: x itself
            for (const S& g : grads) {
              S want, got;
              if constexpr (Op::direction == Direction::bwd) {
                want = op.at(0, x, g);
                got = in.at(0, xc, g);
              } else {
                want = op.at(0, x);
                got = in.at(0, xc);
              }
              if (B::nan(want.bits) && B::nan(got.bits)) continue;
              ASSERT_EQ(got.bits, want.bits) << info.name << " " << to_string(d) << " x bits " << std::hex << b;
              if (d != Direction::bwd) break;
            }
          }
        }
      });
    }
  return clamping;
}

TEST(Functors, ClampInStorageIsTheOpsOwnClamp) {
  const std::vector<std::string> expected = {"gelu_tanh deriv", "gelu_tanh bwd", "mish deriv", "mish bwd"};
  EXPECT_EQ(check_clamp_in_storage_agrees<f16_t>(), expected);
  EXPECT_EQ(check_clamp_in_storage_agrees<bf16_t>(), expected);
}

// gelu_tanh's 16-bit constants from k and a_C as the reference rounds them (to f32): c1 = 2k log2(e) and c3 = c1 a_C,
// in long double (64 bits: far from an f32 rounding tie here).
TEST(Functors, GeluTanhNarrowConstantsAreTheReferences) {
  using G = GeluTanh<Variant::precise>;
  const long double k = static_cast<float>(G::k), a = static_cast<float>(G::a);
  const long double c1 = 2.0L * k / std::log(2.0L), c3 = c1 * a;
  EXPECT_EQ(G::kNarrowC1F16, static_cast<float>(c1));
  EXPECT_EQ(G::kNarrowC3, static_cast<float>(c3));
  EXPECT_EQ(std::fmod(G::kNarrowC1Bf16, 0x1p-17f), 0.0f);  // bf16: the high part
  EXPECT_LT(std::fabs(c1 - G::kNarrowC1Bf16), 0x1p-17L);
}

TEST(Bits16, ExactlyIsTheValuesBitsOrNaN) {
  EXPECT_EQ(Bits16<f16_t>::exactly(9.5f).bits, 0x48c0);
  EXPECT_EQ(Bits16<f16_t>::exactly(-16.0f).bits, 0xcc00);
  EXPECT_EQ(Bits16<bf16_t>::exactly(-104.0f).bits, 0xc2d0);
  EXPECT_EQ(Bits16<f16_t>::exactly(65504.0f).bits, 0x7bff);
  EXPECT_EQ(Bits16<f16_t>::exactly(0x1p-14f).bits, 0x0400);
  for (float v : {0.1f, 65536.0f, 0x1p-15f, 2049.0f, 0.0f})  // inexact, past the range, subnormal, 12 bits, zero
    EXPECT_TRUE(Bits16<f16_t>::nan(Bits16<f16_t>::exactly(v).bits)) << v;
  EXPECT_EQ(Bits16<bf16_t>::exactly(0x1p127f).bits, 0x7f00);
  EXPECT_EQ(Bits16<bf16_t>::exactly(-9.25f).bits, 0xc114);
  for (float v : {0.1f, std::numeric_limits<float>::infinity(), 0x1p-127f, 257.0f, -0.0f})
    EXPECT_TRUE(Bits16<bf16_t>::nan(Bits16<bf16_t>::exactly(v).bits)) << v;
  static_assert(Bits16<bf16_t>::exactly(9.5f).bits == 0x4118, "constexpr");
}

TEST(Catalog, RowsSitAtTheirTagsPosition) {
  for (int i = 0; i < kNumActivations; ++i) EXPECT_EQ(static_cast<int>(kCatalog[i].id), i);
  for (const auto& i : kCatalog) {
    EXPECT_EQ(parse_activation(i.name), i.id);
    if (i.alias) {
      EXPECT_EQ(parse_activation(i.alias), i.id);
    }
  }
}

/// A textbook variant listed in the catalog is real code that computes something else than precise: on
/// the inputs where the naive formula is known to break (tails, tiny x, thresholds) it must differ from
/// the precise functor somewhere, in f32 or f64.  (The static_assert in kernels/catalog.hpp already ties
/// the row's textbook text to the existence of a textbook type.)
TEST(Catalog, EveryTextbookVariantDiffersFromPrecise) {
  const double xs[] = {-1e30, -800, -120, -95, -50, -20, -10, -6, -3, -1.5, -1e-3, -1e-8, 1e-8, 1e-3, 1, 5, 10, 20, 100,
                       800, 1e38};
  int with_textbook = 0;
  for (const auto& info : kCatalog) {
    if (!variant_exists(info.id, Variant::textbook, DType::f32)) {
      EXPECT_EQ(info.textbook, nullptr) << info.name;
      continue;
    }
    ++with_textbook;
    ASSERT_NE(info.textbook, nullptr) << info.name;
    bool differs = false;
    for (double x : xs)
      for (Direction d : {Direction::fwd, Direction::deriv}) {
        const float tf = eval<Variant::textbook, float>(info.id, d, float(x)), pf_ = pf(info.id, d, float(x));
        const double td = eval<Variant::textbook, double>(info.id, d, x), pd_ = pd(info.id, d, x);
        differs = differs || std::memcmp(&tf, &pf_, sizeof tf) != 0 || std::memcmp(&td, &pd_, sizeof td) != 0;
      }
    EXPECT_TRUE(differs) << info.name << ": its textbook variant is a copy of precise";
  }
  EXPECT_GE(with_textbook, 11);
}

}  // namespace
}  // namespace actbench
