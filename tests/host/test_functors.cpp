// Tests of kernels/activations.hpp on the host: derivatives against finite differences of the
// forward, special values (+-0, +-inf, NaN, sign of zero, no spurious overflow, subnormal outputs),
// prelu's channel mapping, make_functor's parameter mapping, and dispatch_op's reach.
// (On the host, fast computes what precise computes: math<fast>::kHostIsPrecise.)
#include "kernels/activations.hpp"
#include "kernels/catalog.hpp"
#include "kernels/dtype.hpp"
#include "kernels/elementwise.hpp"

#include <gtest/gtest.h>

#include <cfloat>
#include <cstring>
#include <cmath>
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
  for (const auto& info : kCatalog) {
    const Activation a = info.id;
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
  }
}

TEST(Functors, PreciseDerivativeMatchesFiniteDifferenceF64) { check_derivatives<Variant::precise, double>(2e-8, 1e-12); }
TEST(Functors, PreciseDerivativeMatchesFiniteDifferenceF32) { check_derivatives<Variant::precise, float>(2e-3, 1e-5); }
TEST(Functors, FastDerivativeMatchesFiniteDifferenceF64) { check_derivatives<Variant::fast, double>(2e-8, 1e-12); }
TEST(Functors, FastDerivativeMatchesFiniteDifferenceF32) { check_derivatives<Variant::fast, float>(2e-3, 1e-5); }
// The textbook formulas are right in exact arithmetic; in f64 over [-20, 20] they are still close.
TEST(Functors, TextbookDerivativeMatchesFiniteDifferenceF64) { check_derivatives<Variant::textbook, double>(1e-6, 1e-8); }

/// Derivatives agree with an independent closed form at a few points (guards against a derivative
/// and its forward sharing the same mistake, which a finite difference would not see).
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
TEST(Functors, NoSpuriousOverflow) {
  const float big[] = {1e38f, FLT_MAX, 3e19f, 1e30f};
  for (float x : big) {
    for (Activation a : {Activation::hardswish, Activation::gelu_tanh, Activation::gelu, Activation::swish,
                         Activation::mish, Activation::softplus, Activation::relu, Activation::leaky_relu,
                         Activation::elu, Activation::celu}) {
      EXPECT_EQ(pf(a, Direction::fwd, x), x) << to_string(a) << " at " << x;
      EXPECT_EQ(ff(a, Direction::fwd, x), x) << to_string(a) << " fast at " << x;
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
  EXPECT_TRUE(is_per_channel<Prelu<Variant::precise>>::value);
  EXPECT_FALSE(is_per_channel<LeakyRelu<Variant::precise>>::value);
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
      const auto get = [&](const Params& pp) {
        return v == Variant::precise    ? pd(c.a, Direction::fwd, c.x, pp)
               : v == Variant::fast     ? eval<Variant::fast, double>(c.a, Direction::fwd, c.x, pp)
                                        : eval<Variant::textbook, double>(c.a, Direction::fwd, c.x, pp);
      };
      EXPECT_NEAR(get(d), c.want_default, 1e-15) << to_string(c.a) << " " << to_string(v);
      EXPECT_NEAR(get(p), c.want_p, 1e-15) << to_string(c.a) << " " << to_string(v);
    }
  }
  // The member fields themselves.
  EXPECT_EQ((make_functor<Activation::leaky_relu, Variant::precise>(p, nullptr).alpha), 0.2);
  EXPECT_EQ((make_functor<Activation::elu, Variant::fast>(p, nullptr).alpha), 2.0);
  EXPECT_EQ((make_functor<Activation::celu, Variant::textbook>(p, nullptr).alpha), 2.0);
  EXPECT_EQ((make_functor<Activation::softplus, Variant::precise>(p, nullptr).beta), 2.0);
  EXPECT_EQ((make_functor<Activation::swish, Variant::precise>(p, nullptr).beta), 2.0);
  p.prelu_channels = 5;
  const float slopes[5] = {};
  const auto pr = make_functor<Activation::prelu, Variant::precise>(p, slopes);
  EXPECT_EQ(pr.alpha, slopes);
  EXPECT_EQ(pr.channels, 5);
}

// ---- dispatch reaches every (activation, variant, direction) for every dtype ----
// One generic lambda per dtype (dispatch_op instantiates it for all 153 ElementOps); the expected
// functor type comes from functor_t through a table built once per dtype.

template <class T, Activation A, Variant V>
void expect_value(const OpSpec& s, const float* alpha, Direction d, const std::string& got_type, T got) {
  using tr = dtype_traits<T>;
  const std::string where = std::string(to_string(A)) + " " + to_string(V) + " " + to_string(d) + " " + tr::code;
  EXPECT_EQ(got_type, std::string(typeid(functor_t<A, V>).name())) << where;
  const auto f = make_functor<A, V>(s.params, alpha);
  volatile double src = -0.75;  // not a compile-time constant: g++ would fold libm calls (MPFR, correctly
                                // rounded) and differ from glibc's run-time result in the last bit
  const compute_t<T> cx = tr::to_compute(tr::from_compute(compute_t<T>(src)));
  compute_t<T> want;
  if constexpr (is_per_channel<functor_t<A, V>>::value) {
    want = d == Direction::fwd ? f.channel(0).fwd(cx) : f.channel(0).deriv(cx);
  } else {
    want = d == Direction::fwd ? f.fwd(cx) : f.deriv(cx);
  }
  if (d == Direction::bwd) want = compute_t<T>(2) * want;
  const T w = tr::from_compute(want);
  EXPECT_EQ(std::memcmp(&got, &w, sizeof(T)), 0) << where;
}

template <class T, Activation A>
void expect_activation(const OpSpec& s, const float* alpha, const std::string& got_type, T got) {
  switch (s.variant) {
    case Variant::precise: return expect_value<T, A, Variant::precise>(s, alpha, s.direction, got_type, got);
    case Variant::fast: return expect_value<T, A, Variant::fast>(s, alpha, s.direction, got_type, got);
    case Variant::textbook: return expect_value<T, A, Variant::textbook>(s, alpha, s.direction, got_type, got);
  }
}

template <class T, std::size_t... I>
void expect_any(const OpSpec& s, const float* alpha, const std::string& got_type, T got, std::index_sequence<I...>) {
  ((static_cast<int>(s.activation) == int(I) ? expect_activation<T, static_cast<Activation>(I)>(s, alpha, got_type, got)
                                             : void()),
   ...);
}

template <class T>
void check_dispatch_for_dtype() {
  using tr = dtype_traits<T>;
  const float alpha[1] = {0.25f};
  int calls = 0;
  for (const auto& info : kCatalog)
    for (Variant v : kAllVariants)
      for (Direction d : kAllDirections) {
        OpSpec s;
        s.activation = info.id;
        s.variant = v;
        s.direction = d;
        s.prelu_alpha = alpha;
        s.params.prelu_channels = 1;
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
        expect_any<T>(s, alpha, type, got, std::make_index_sequence<kNumActivations>{});
      }
  EXPECT_EQ(calls, kNumActivations * 3 * 3);
}

TEST(Functors, DispatchReachesEveryCase) {
  static_assert(kNumActivations == 17, "update the catalog test");
  check_dispatch_for_dtype<float>();
  check_dispatch_for_dtype<double>();
  check_dispatch_for_dtype<f16_t>();
  check_dispatch_for_dtype<bf16_t>();
}

TEST(Functors, FunctorOfCoversTheCatalogInOrder) {
  for (int i = 0; i < kNumActivations; ++i) EXPECT_EQ(static_cast<int>(kCatalog[i].id), i);
}

}  // namespace
}  // namespace actbench

namespace actbench {
namespace {
// prelu's channel index by multiply-high and shift (ChannelOf) against the 64-bit remainder.
TEST(Functors, PreluChannelOfMatchesRemainder) {
  std::mt19937_64 rng(11);
  for (std::int64_t d : {1LL, 2LL, 3LL, 5LL, 7LL, 64LL, 100LL, 1000LL, 65537LL, (1LL << 20) + 1, 999999937LL,
                         1000000000LL, 1LL << 30}) {
    const ChannelOf c(d);
    std::vector<std::int64_t> is = {0, 1, d - 1, d, d + 1, 2 * d - 1, (1LL << 31) - 1, (1LL << 31) - d, 1LL << 31,
                                    (1LL << 40) + 3};
    for (int k = 0; k < 20000; ++k) is.push_back(static_cast<std::int64_t>(rng() % (1ULL << 31)));
    for (std::int64_t i : is) {
      if (i < 0) continue;
      ASSERT_EQ(c(i), i % d) << "i=" << i << " d=" << d;
    }
  }
}
}  // namespace
}  // namespace actbench
