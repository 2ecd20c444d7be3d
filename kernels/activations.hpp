// actbench/kernels/activations.hpp - one functor per activation (forward and derivative), its textbook
// form where it has one, and its catalog row.  Everything about one activation is here, in one place.
//
// Shape of an activation `Name`:
//   template <Variant V> struct Name {            // V = precise or fast (the stable formulas)
//     <parameters as double members, PyTorch's defaults>
//     template <class C> ACTBENCH_HD C fwd(C x) const;    // f(x),  C = float or double
//     template <class C> ACTBENCH_HD C deriv(C x) const;  // f'(x)
//     [template <class S> ACTBENCH_HOT float fwd_narrow(float x) const;   // 16-bit data, S = f16_t / bf16_t
//      template <class S> ACTBENCH_HOT float deriv_narrow(float x) const;]
//   };
//   struct NameTextbook { fwd, deriv };           // the naive formulas, where the activation has them
//   struct NameDef : Def<Activation::name> {      // the catalog row (kernels/catalog.hpp folds them)
//     static constexpr ActivationInfo info = {...};
//     template <Variant V> using functor = Name<V>;
//     using textbook = NameTextbook;              // void: no textbook form
//     template <class F> static void set_params(F& f, const Params& p, const float* prelu_alpha);
//   };
// Activations with one formula and no transcendental math (relu, relu6, leaky_relu, prelu,
// hardsigmoid) are plain structs: functor<V> is the same type for every V, and only precise exists.
//
// C is the compute type (float for f32/f16/bf16 data, double for f64).  Parameters are rounded to C once
// (C(alpha)), and the host reference uses the same rounded values.  What runs (docs/DESIGN.md has the
// table):
//   precise f32   float only, no double, no libm or SFU call: the exp family (sigmoid, tanh, elu, selu, celu,
//                 softplus, swish, mish) in kernels/f32/activations.hpp, gelu and gelu_tanh in kernels/f32/gelu.hpp
//                 (float pairs, exact reductions, fitted polynomials; <= 2 ulp on every one of the 2^32 inputs,
//                 the same bits on host and device; kF32 below); the others in plain float.
//   precise f64   the same formulas in double on library math (libm on the host, libdevice on the device).
//   fast (f32)    the same formulas on math<fast>: device intrinsics on the GPU; libm float math on the host
//                 (no widening to double), so fast differs from precise on the host too.
//   16-bit data   the narrow paths (narrow.hpp: SFU exp2/rcp with exact reduction, series, no double), shared by
//                 every non-textbook variant; an f32 error of a few ulp is 2^-13 (f16) / 2^-16 (bf16) of the
//                 16-bit ulp.  So fast exists for f32 data only (kernels/catalog.hpp: variant_exists).  The
//                 narrow paths and their helpers are ACTBENCH_HOT (always inlined on the host) and call no
//                 libm function there: a call left in the cpu backend's loop keeps it from vectorizing.
//   textbook      the naive formulas (docs/ACCURACY.md's table) in the compute type, on precise math.
// Special values follow the reference's conventions (harness/reference.hpp): NaN propagates (also
// through derivatives), +-inf give the limits with the sign of the approach (silu(-inf) = -0).
// Functors are small, copyable, and know nothing of buffers, launches or the harness.
#pragma once

#include "axes.hpp"
#include "config.hpp"
#include "fp.hpp"
#include "f32/activations.hpp"
#include "f32/gelu.hpp"
#include "f32/split.hpp"
#include "f64/exp.hpp"
#include "f64/log.hpp"
#include "f64/recip.hpp"
#include "math.hpp"
#include "narrow.hpp"

#include <cstdint>
#include <type_traits>

namespace actbench {

/// The base of every catalog row: its tag, and what a row without parameters or textbook form has.
template <Activation A>
struct Def {
  static constexpr Activation id = A;
  using textbook = void;
  template <class F>
  static void set_params(F&, const Params&, const float*) {}
};

namespace detail {

/// The precise variant on f32 data of the transcendental activations: kernels/f32/ (float only, <= 2 ulp on
/// every input, the same bits on host and device).  Fast (f32) and f64 run the stable formulas below.
template <Variant V, class C>
inline constexpr bool kF32 = V == Variant::precise && std::is_same<C, float>::value;

using fp::Pair;

/// a*b exactly as hi + lo (fma; hi rounded once and never fused into a later add).
template <class M, class C>
ACTBENCH_HD Pair<C> mul_exact(C a, C b) {
  return fp::two_prod(a, b);
}

/// sigma(z) and 1 - sigma(z) = sigma(-z), both accurate: e = exp(-|z|), p = 1/(1+e), q = e/(1+e).
template <class C>
struct Sig {
  C s, sc;  ///< sigma(z), sigma(-z)
};
/// Both quotients are correctly rounded up to e's own error: the rounding of d = 1+e (dl = (1-d)+e,
/// exact) and each first quotient's remainder (fma) are carried into a final correction:
/// a/(d+dl) = q0 + (a - q0 d - q0 dl)/d.  One division: q0 = e p0 (within 1.5 ulp of e/d), which the
/// correction takes to the same result.
template <class M, class C>
ACTBENCH_HD Sig<C> sig(C z) {
  const C e = M::exp(-M::fabs(z));
  const auto d = fp::fast_two_sum(C(1), e);  // 1 >= e
  const C p0 = M::div(C(1), d.hi);
  const C q0 = e * p0;
  const C p = M::fma(M::fma(-p0, d.hi, C(1)) - p0 * d.lo, p0, p0);
  const C q = M::fma(M::fma(-q0, d.hi, e) - q0 * d.lo, p0, q0);
  return z >= C(0) ? Sig<C>{p, q} : Sig<C>{q, p};
}

/// (k + kl) e^a below a = -700 (double), where e^a alone would lose bits as a subnormal while the product is
/// normal: (k + kl) e^(a+700) e^-700, a+700 exact.  Out of line: the benchmark's data (|x| <= 8) never gets
/// there, and inline it would put a second exp on the hot path.
template <class M, class C>
ACTBENCH_COLD C k_exp_far(C k, C kl, C a) {
  constexpr double kE700 = 9.8596765437597708e-305, kE700c = 8.6188721006753665e-18;  // e^-700 (1 + kE700c)
  const C e = M::exp(a + C(700));
  C m = kl == C(0) ? k * e : M::fma(k, e, kl * e);
  m = M::fma(m, C(kE700c), m);
  return m * C(kE700);
}
/// (k + kl) e^a above a = 700 (double), where e^a alone overflows while the product need not (|k| < 1):
/// (k + kl) e^(a-700) e^700, a-700 exact.  Out of line, for the same reason as k_exp_far.
template <class M, class C>
ACTBENCH_COLD C k_exp_high(C k, C kl, C a) {
  constexpr double kE700 = 1.0142320547350045e+304, kE700c = 1.643270082317529e-17;  // e^700 (1 + kE700c)
  const C e = M::exp(a - C(700));
  C m = M::fma(k, e, kl * e);
  m = M::fma(m, C(kE700c), m);
  return m * C(kE700);
}
/// k e^a for k of moderate size, without losing bits to a subnormal e^a when k e^a is normal (double below
/// -700: k_exp_far).  (The float precise paths widen instead.)
template <class M, class C>
ACTBENCH_HD C k_exp(C k, C a) {
  if constexpr (std::is_same<C, double>::value) {
    if (a < C(-700)) return k_exp_far<M>(k, C(0), a);
  }
  return k * M::exp(a);
}
/// (k + kl) e^a for a pair k + kl, rounded once: e^a computed once.
template <class M, class C>
ACTBENCH_HD C k_exp(C k, C kl, C a) {
  if constexpr (std::is_same<C, double>::value) {
    if (a < C(-700)) return k_exp_far<M>(k, kl, a);
  }
  const C e = M::exp(a);
  return M::fma(k, e, kl * e);
}

/// k_exp out of line, for the far tails (a < -700 and the like) of the f64 paths: the benchmark's data
/// (|x| <= 8) never gets there, and inline the tail's exp would be a second one on the hot path.
template <class M, class C>
ACTBENCH_COLD C k_exp_cold(C k, C a) {
  return k_exp<M>(k, a);
}

/// sigma'(z) = e/(1+e)^2, e = exp(-|z|), with the roundings of d = 1+e and of d*d compensated:
/// (d+dl)^2 = dd + (ddl + 2 d dl) exactly to first order, e/(dd + D) = (e/dd)(1 - D/dd).
template <class M, class C>
ACTBENCH_HD C sigmoid_deriv(C z) {
  const C e = M::exp(-M::fabs(z));
  const auto d = fp::fast_two_sum(C(1), e);  // exact, 1 >= e
  const auto dd = fp::two_prod(d.hi, d.hi);
  const C D = dd.lo + C(2) * d.hi * d.lo;
  const C y = M::div(e, dd.hi);
  return M::fma(y, -M::div(D, dd.hi), y);
}

/// y, or f'(x) next to a zero x0 = hi + lo of f' (16-bit paths) on the band |u| < w, u = x - hi (w <= |hi|/2, so that
/// x - hi is exact on the band by Sterbenz): f'(x) = (u - lo) q(u - lo) = u q(u) - lo q(0) - 2 lo q'(0) u + O(lo u^2),
/// and -lo q(0) is folded into the last fma; the term left out is 2 lo q'(0)/q(0) of f': 2^-24.2 for gelu_tanh
/// (lo = 2^-25.0; silu's lo is 2^-26.2, mish's 2^-28.3), against the ~2^-21 that the 16-bit bound leaves.  Both
/// computed and one selected (no divergent branch; data drawn around 0 put some of a warp's elements on the band).
/// q's coefficients highest first (tools/gen_narrow_coeffs.py).  NaN: y.
template <int N>
ACTBENCH_HOT float select_near_zero(float x, float hi, float lo, float w, const float (&q)[N], float y) {
  const float u = x - hi;
  return f32::select(::fabsf(u) < w, fp::fma(u, fp::horner(u, q), -lo * q[N - 1]), y);
}

/// The same for f64 derivatives (gelu_tanh', silu', mish'; gelu' carries its zero in a factor instead,
/// Gelu::deriv_f64_hot): next to their zero the terms of the formula cancel in double (~1e-16 absolute, many ulp
/// of a small result).  There, for |x - x0| <= 3/8,
/// f'(x) = u p(u), p the Taylor polynomial at x0 (truncation < 2^-60 relative; tools/gen_f64_zero_coeffs.py),
/// coefficients highest first: u exact to 0.5 ulp, Horner by explicit fma (no cancellation: p(u) stays
/// near p(0) on the band), so ~2 ulp, on the host and the device alike.  The band test is on the hot path;
/// each polynomial sits in the functor's out-of-line (ACTBENCH_COLD) deriv_near_zero, so the hot path's
/// code (and the instruction model's count) carries a compare and a call, not the polynomial.
inline constexpr double kF64ZeroBand = 0.375;
ACTBENCH_HD bool in_zero_band(double x, double hi) { return ::fabs(x - hi) <= kF64ZeroBand; }
template <int N>
ACTBENCH_HOT double near_zero_f64(double x, double hi, double lo, const double (&q)[N]) {
  const double u = (x - hi) - lo;  // x - hi exact: x within [2 hi, hi/2]
  return u * fp::horner(u, q);
}

/// -x/sqrt2 as a pair: 1/sqrt2 = hi + lo.
template <class C>
struct InvSqrt2;
template <>
struct InvSqrt2<double> {
  static constexpr double hi = 0.70710678118654757;
  static constexpr double lo = -4.8336466567264567e-17;
};
template <>
struct InvSqrt2<float> {
  static constexpr float hi = 0.707106769f;
  static constexpr float lo = 1.21016175e-08f;
};

/// b*x as hi + lo with lo = 0 where hi is not finite (so an overflowed or infinite product
/// carries no NaN into the correction terms).
template <class M, class C>
ACTBENCH_HOT Pair<C> scaled(C b, C x) {
  const C hi = fp::mul(b, x);
  const C lo = (hi - hi == C(0)) ? fp::fma(b, x, -hi) : C(0);
  return {hi, lo};
}
/// scaled(b, x), or at kUnit (the caller has found b == 1, the parameter's default) x and a constant 0, so that
/// every correction term of lo folds away in that copy.  b is a kernel parameter: every thread takes one copy.
template <bool kUnit, class M, class C>
ACTBENCH_HOT Pair<C> scaled_at(C b, C x) {
  if constexpr (kUnit) {
    return {x, C(0)};
  } else {
    return scaled<M>(b, x);
  }
}

/// (s + sl) / 6 rounded once (up to the tiny error of sl): q = s/6, r = s - 6q exactly.
template <class M, class C>
ACTBENCH_HD C div6(C s, C sl) {
  const C q = M::div(s, C(6));
  const C r = M::fma(-q, C(6), s);
  const C c = fp::mul(r + sl, C(0.16666666666666666));  // one value for the test and the sum
  return c == C(0) ? q : q + c;  // keeps the sign of a zero q
}
/// div6 for f32 without a division, for s = +0 or |s| >= 2^-100 (a normal quotient; never s = -0, whose sign the
/// sum q + c would drop): q = s (1/6 rounded) is within an ulp of s/6, so r = s - 6q is still exact, and
/// q + (r + sl)/6 rounds as div6's does.  An IEEE division is the
/// slowest vector instruction on the cpu and a long sequence with a slow path on the GPU (sm_90: hardsigmoid f32
/// 26.4 -> 16.2 instructions, no call left).  Every f32 result of hardsigmoid and hardswish' is div6's, bit for bit
/// (all 2^32 inputs compared).  Where the quotient is subnormal (hardswish at |x| < 2^-125) the two differ at ties,
/// so hardswish keeps div6; so does double: 1/6 rounded to double lies below 1/6, q can land an ulp low next to a
/// power of two, and the correction then ties (hardsigmoid at x = 0x1.8000000000001p-52: 0.5 instead of the
/// correctly rounded 0.5 + 2^-53, a review found).
template <class M, class C>
ACTBENCH_HD C div6_normal(C s, C sl) {
  if constexpr (!std::is_same<C, float>::value) {
    return div6<M>(s, sl);
  } else {
    constexpr float kSixth = 0.16666666666666666f;  // above 1/6
    const float q = fp::mul(s, kSixth);
    const float c = fp::mul(fp::add(fp::fma(-q, 6.0f, s), sl), kSixth);
    return fp::add(q, c);  // q + 0 = q: no select (q = -0 excluded above)
  }
}

using fp::two_sum;

}  // namespace detail

// ---------------------------------------------------------------------------------------------
// Piecewise-linear activations: comparisons and at most one multiply, one formula, precise only.
// ---------------------------------------------------------------------------------------------

namespace detail {
/// What a deriv_selects_only functor F's on_bits<B>() gives the cpu's 16-bit loop (kernels/bits16.hpp): F's own
/// f' logic (F::deriv_given) with its one non-integer value already held as the storage bits B.  It has f' only:
/// fwd and bwd multiply by that value, which B cannot do, so they cannot be called on it by mistake.
template <class F, class B>
struct DerivOnBits {
  B value;
  ACTBENCH_HOT B deriv(B x) const { return F::deriv_given(x, value); }
};
}  // namespace detail

/// relu: f = max(x, 0), f' = [x > 0].  relu(-0) = +0 and f'(0) = 0 as PyTorch; NaN propagates.
/// selects_only: f is x, 0 or NaN and f' is 0, 1 or NaN, so 16-bit data run this code on their bits
/// (kernels/bits16.hpp); the same holds for relu6.
struct Relu {
  static constexpr bool selects_only = true;
  template <class C>
  ACTBENCH_HD C fwd(C x) const {
    return x > C(0) ? x : (x != x ? x : C(0));
  }
  template <class C>
  ACTBENCH_HD C deriv(C x) const {
    return x > C(0) ? C(1) : (x != x ? x : C(0));
  }
};
struct ReluDef : Def<Activation::relu> {
  static constexpr ActivationInfo info = {
      id, "relu", nullptr, "max(x, 0)", "x > 0 ? 1 : 0", "comparison", nullptr, {}, true, false, {0.0, kNone}, kNone,
      {1.0}};
  template <Variant>
  using functor = Relu;
};

/// relu6: f = min(max(x, 0), 6), f' = [0 < x < 6] (0 at both break points, as PyTorch).
struct Relu6 {
  static constexpr bool selects_only = true;
  template <class C>
  ACTBENCH_HD C fwd(C x) const {
    if (x != x) return x;
    return x > C(0) ? (x < C(6) ? x : C(6)) : C(0);
  }
  template <class C>
  ACTBENCH_HD C deriv(C x) const {
    if (x != x) return x;
    return (x > C(0) && x < C(6)) ? C(1) : C(0);
  }
};
struct Relu6Def : Def<Activation::relu6> {
  static constexpr ActivationInfo info = {
      id, "relu6", nullptr, "min(max(x, 0), 6)", "0 < x < 6 ? 1 : 0", "comparisons", nullptr, {}, true, false,
      {0.0, 6.0}, kNone, {1.0}};
  template <Variant>
  using functor = Relu6;
};

/// leaky_relu(alpha): f = x > 0 ? x : alpha*x, f' = x > 0 ? 1 : alpha (alpha at 0, as PyTorch).
/// One rounded multiply; leaky(-0) = alpha*(-0).  A holds alpha: double for leaky_relu's parameter, float for
/// prelu's channels (their slopes are floats in memory: a table of float slopes is half the bytes, one load and
/// no conversion per element where the cpu's 16-bit prelu loop ran at half leaky_relu's speed).
template <class A>
struct LeakyReluOf {
  A alpha = A(0.01);
  template <class C>
  ACTBENCH_HD C fwd(C x) const {
    const C a = C(alpha);  // read for every x: prelu's table entry is then a plain vector load on the cpu, where
    return x > C(0) ? x : a * x;  // a read on one side only became masked loads (a third of leaky_relu's speed)
  }
  template <class C>
  ACTBENCH_HD C deriv(C x) const {
    return deriv_given(x, C(alpha));  // alpha read for every x, as in fwd
  }
  /// f' with its one non-integer value (alpha) given: C(alpha) above, or on the bits alpha rounded to the storage.
  template <class C, class K>
  ACTBENCH_HD static C deriv_given(C x, K a) {
    if (x != x) return x;
    return x > C(0) ? C(1) : C(a);
  }
  /// f' is 1, alpha or NaN: on 16-bit data the cpu runs it on the storage bits (kernels/bits16.hpp), with alpha
  /// rounded once to B (the f32 path's float alpha, rounded back as its result would be).
  static constexpr bool deriv_selects_only = true;
  template <class B>
  detail::DerivOnBits<LeakyReluOf, B> on_bits() const {
    return {B::rounded(static_cast<float>(alpha))};
  }
};
using LeakyRelu = LeakyReluOf<double>;
struct LeakyReluDef : Def<Activation::leaky_relu> {
  static constexpr ActivationInfo info = {
      id, "leaky_relu", nullptr, "x > 0 ? x : alpha*x", "x > 0 ? 1 : alpha", "comparison, one multiply", nullptr,
      {{{"alpha", &Params::leaky_relu_alpha, Domain::finite}}}, false, false, {0.0, kNone}, kNone, {1.0}};
  template <Variant>
  using functor = LeakyRelu;
  template <class F>
  static void set_params(F& f, const Params& p, const float*) {
    f.alpha = p.leaky_relu_alpha;
  }
};

/// i mod d without a division: for 0 <= i < 2^31 a multiply-high and a shift (Granlund & Montgomery
/// 1994, the form of PyTorch's IntDivider): q = (umulhi(i, m) + i) >> s, 2^(s-1) < d <= 2^s,
/// m = 2^32 (2^s - d)/d + 1; larger i or d (i >= 2^31: a buffer of 2^31 elements or more) take the 64-bit
/// remainder, out of line.
struct ChannelOf {
  std::int64_t d = 1;
  std::uint32_t m = 1;
  unsigned s = 0;
  ChannelOf() = default;
  explicit ChannelOf(std::int64_t channels) : d(channels < 1 ? 1 : channels) {
    while (s < 31 && (std::int64_t{1} << s) < d) ++s;
    m = static_cast<std::uint32_t>(((std::uint64_t{1} << 32) * ((std::uint64_t{1} << s) - std::uint64_t(d))) /
                                       std::uint64_t(d) +
                                   1);
  }
  ACTBENCH_HD std::int64_t operator()(std::int64_t i) const {
    // one test of i and d together (i < 0 sets the top bit): a branch on the index, so that the instruction model
    // counts the remainder's both sides, not a version of the kernel where d alone decides
    if ((static_cast<std::uint64_t>(i) | static_cast<std::uint64_t>(d)) < (std::uint64_t{1} << 31)) {
      const auto n = static_cast<std::uint32_t>(i);
#if ACTBENCH_DEVICE_PASS
      const std::uint32_t t = __umulhi(n, m);
#else
      const auto t = static_cast<std::uint32_t>((std::uint64_t{n} * m) >> 32);
#endif
      const std::uint32_t q = (t + n) >> s;
      return static_cast<std::int64_t>(n - q * static_cast<std::uint32_t>(d));
    }
    return wide(i, d);
  }
  /// Beyond 2^31 (elements or channels): the 64-bit remainder, out of line (a 64-bit division is a long device
  /// sequence that would otherwise sit in every per-channel kernel's loop); static, so that no `this` escapes.
  ACTBENCH_COLD static std::int64_t wide(std::int64_t i, std::int64_t d) { return i % d; }
};

/// prelu: leaky_relu with a learned slope per channel: element i uses alpha[i % channels].
/// channel(i) returns that leaky_relu (elementwise.hpp detects per-channel activations by it).
/// alpha == nullptr means every channel has the slope init_alpha (Params::prelu_alpha rounded to float, as the
/// slopes in memory are).  fwd/deriv without an index use channel 0.
struct Prelu {
  const float* alpha = nullptr;
  std::int64_t channels = 1;
  ChannelOf channel_of{};  ///< i % channels; set_channels() keeps the two in step
  double init_alpha = 0.25;  ///< a float's value (set_params rounds it): the slopes in memory are floats
  void set_channels(std::int64_t c) {
    channels = c;
    channel_of = ChannelOf(c);
  }
  /// A channel's slope as its functor holds it: float on the host (a table of them is half the bytes), double on
  /// the device (whose f64 code then widens it once, as it loads it). The same value either way.
#if ACTBENCH_DEVICE_PASS
  using Slope = double;
#else
  using Slope = float;
#endif
  ACTBENCH_HD LeakyReluOf<Slope> channel(std::int64_t i) const {
    LeakyReluOf<Slope> f;
    f.alpha = Slope(alpha != nullptr ? double(alpha[channel_of(i)]) : init_alpha);
    return f;
  }
  template <class C>
  ACTBENCH_HD C fwd(C x) const {
    return channel(0).fwd(x);
  }
  template <class C>
  ACTBENCH_HD C deriv(C x) const {
    return channel(0).deriv(x);
  }
};
struct PreluDef : Def<Activation::prelu> {
  static constexpr ActivationInfo info = {
      id, "prelu", nullptr, "x > 0 ? x : alpha[c]*x, c = index % channels", "x > 0 ? 1 : alpha[c]",
      "comparison, one multiply", nullptr,
      {{{"alpha", &Params::prelu_alpha, Domain::finite}, {"channels", nullptr, Domain::count}}}, false, false,
      {0.0, kNone}, kNone, {1.0}};
  template <Variant>
  using functor = Prelu;
  /// prelu's per-channel slopes live in memory the kernel reads (device memory for the CUDA backend):
  /// `prelu_alpha[channels]`; when null, every channel uses p.prelu_alpha rounded to float.
  template <class F>
  static void set_params(F& f, const Params& p, const float* prelu_alpha) {
    f.alpha = prelu_alpha;
    f.set_channels(p.prelu_channels > 0 ? static_cast<std::int64_t>(p.prelu_channels) : 1);
    f.init_alpha = static_cast<float>(p.prelu_alpha);
  }
};

// ---------------------------------------------------------------------------------------------
// The exp family: elu, selu, celu, softplus, sigmoid, tanh, softsign, swish, mish.
// ---------------------------------------------------------------------------------------------

/// elu(alpha): f = x > 0 ? x : alpha*(e^x - 1), f' = x > 0 ? 1 : alpha*e^x.
/// stable: alpha*expm1(x).  Source: Clevert et al. 2015; torch.nn.ELU.
template <Variant V>
struct Elu {
  double alpha = 1.0;
  /// The pieces of the precise f32 f (kDeriv false) or f' (kernels/f32/split.hpp).
  template <bool kDeriv>
  ACTBENCH_HD auto f32_parts() const {
    using namespace f32;
    return pick<kDeriv>(Parts1<elu_deriv_cold, elu_deriv_hot, elu_deriv_slow>{float(alpha)},
                        Parts1<elu_cold, elu_hot, elu_slow>{float(alpha)});
  }
  template <class C>
  ACTBENCH_HD C fwd(C x) const {
    if constexpr (detail::kF32<V, C>) return f32_parts<false>()(x);  // kernels/f32
    using M = math<V>;
    if (x > C(0)) return x;
    return C(alpha) * M::expm1(x);
  }
  template <class C>
  ACTBENCH_HD C deriv(C x) const {
    if constexpr (detail::kF32<V, C>) return f32_parts<true>()(x);  // kernels/f32
    using M = math<V>;
    if (x > C(0)) return C(1);
    return detail::k_exp<M>(C(alpha), x);
  }
  template <class S>
  ACTBENCH_HOT float fwd_narrow(float x) const {
    return x > 0.0f ? x : float(alpha) * narrow::expm1_neg(x);
  }
  template <class S>
  ACTBENCH_HOT float deriv_narrow(float x) const {
    // e^x is used only where x <= 0 (or NaN): narrow::exp's kNonPositive (on the cpu, no upper clamp and for f16 one
    // scaling product; whatever it gives for x > 0 is discarded by the select)
    return x > 0.0f ? 1.0f : float(alpha) * narrow::exp<kTinyResults<S>, false, true>(x);
  }
};
/// textbook elu: alpha*(exp(x) - 1) (cancellation near 0); derivative from the output, y + alpha
/// (~5e3 ulp at x = -10).
struct EluTextbook {
  double alpha = 1.0;
  template <class C>
  ACTBENCH_HD C fwd(C x) const {
    using M = math<Variant::textbook>;
    if (x > C(0)) return x;
    return C(alpha) * (M::exp(x) - C(1));
  }
  template <class C>
  ACTBENCH_HD C deriv(C x) const {
    if (x > C(0)) return C(1);
    return fwd(x) + C(alpha);
  }
};
struct EluDef : Def<Activation::elu> {
  static constexpr ActivationInfo info = {
      id, "elu", nullptr, "x > 0 ? x : alpha*(exp(x)-1)", "x > 0 ? 1 : alpha*exp(x)", "alpha*expm1(x)",
      "alpha*(exp(x)-1); derivative y+alpha from the output", {{{"alpha", &Params::elu_alpha, Domain::finite}}}, true,
      true, {0.0, kNone}, kNone, {3.0, 64, 64}};
  template <Variant V>
  using functor = Elu<V>;
  using textbook = EluTextbook;
  template <class F>
  static void set_params(F& f, const Params& p, const float*) {
    f.alpha = p.elu_alpha;
  }
};

/// selu: f = lambda*(x > 0 ? x : alpha*(e^x - 1)), f' = lambda*(x > 0 ? 1 : alpha*e^x),
/// alpha = 1.6732632423543772848, lambda = 1.0507009873554804934 (each rounded to C).
/// stable: (lambda*alpha as an exact hi+lo product) * expm1(x), one rounding.
/// Source: Klambauer et al. 2017; torch.nn.SELU.
struct SeluConstants {
  double alpha = 1.6732632423543772848170429916717;
  double lambda = 1.0507009873554804934193349852946;
};
template <Variant V>
struct Selu : SeluConstants {
  template <bool kDeriv>
  ACTBENCH_HD auto f32_parts() const {
    using namespace f32;
    return pick<kDeriv>(Parts<selu_deriv_cold, selu_deriv_hot, selu_deriv_slow>{},
                        Parts<selu_cold, selu_hot, selu_slow>{});
  }
  template <class C>
  ACTBENCH_HD C fwd(C x) const {
    if constexpr (detail::kF32<V, C>) return f32_parts<false>()(x);  // kernels/f32
    using M = math<V>;
    if (x > C(0)) return C(lambda) * x;
    const auto la = detail::mul_exact<M>(C(lambda), C(alpha));
    const C em = M::expm1(x);
    return M::fma(la.hi, em, la.lo * em);
  }
  template <class C>
  ACTBENCH_HD C deriv(C x) const {
    if constexpr (detail::kF32<V, C>) return f32_parts<true>()(x);  // kernels/f32
    using M = math<V>;
    if (x > C(0)) return C(lambda);
    const auto la = detail::mul_exact<M>(C(lambda), C(alpha));
    return detail::k_exp<M>(la.hi, la.lo, x);
  }
  // 16-bit: lambda*alpha rounded to f32 once (2^-24, far below a 16-bit ulp).
  template <class S>
  ACTBENCH_HOT float fwd_narrow(float x) const {
    return x > 0.0f ? float(lambda) * x : (float(lambda) * float(alpha)) * narrow::expm1_neg(x);
  }
  template <class S>
  ACTBENCH_HOT float deriv_narrow(float x) const {
    // e^x used only where x <= 0, as elu's
    return x > 0.0f ? float(lambda) : (float(lambda) * float(alpha)) * narrow::exp<kTinyResults<S>, false, true>(x);
  }
};
/// textbook selu: lambda*alpha*(exp(x) - 1); derivative from the output, y + lambda*alpha.
struct SeluTextbook : SeluConstants {
  template <class C>
  ACTBENCH_HD C fwd(C x) const {
    using M = math<Variant::textbook>;
    if (x > C(0)) return C(lambda) * x;
    return detail::mul_exact<M>(C(lambda), C(alpha)).hi * (M::exp(x) - C(1));
  }
  template <class C>
  ACTBENCH_HD C deriv(C x) const {
    using M = math<Variant::textbook>;
    if (x > C(0)) return C(lambda);
    return fwd(x) + detail::mul_exact<M>(C(lambda), C(alpha)).hi;
  }
};
struct SeluDef : Def<Activation::selu> {
  static constexpr ActivationInfo info = {
      id, "selu", nullptr, "scale*(x > 0 ? x : alpha*(exp(x)-1)), alpha=1.6732632, scale=1.0507010",
      "scale*(x > 0 ? 1 : alpha*exp(x))", "scale*alpha*expm1(x)", "scale*alpha*(exp(x)-1)", {}, false, true,
      {0.0, kNone}, kNone, {3.0, 64, 64}};
  template <Variant V>
  using functor = Selu<V>;
  using textbook = SeluTextbook;
};

/// celu(alpha): f = x > 0 ? x : alpha*(e^(x/alpha) - 1), f' = x > 0 ? 1 : e^(x/alpha).
/// stable: alpha*expm1(x/alpha) with the rounding of x/alpha corrected to first order
/// (q + ql = x/alpha, expm1(q + ql) = expm1(q) + e^q ql).  Source: Barron 2017; torch.nn.CELU.
template <Variant V>
struct Celu {
  double alpha = 1.0;
  /// alpha = 1 is elu's pieces.
  template <bool kDeriv>
  ACTBENCH_HD auto f32_parts() const {
    using namespace f32;
    const float a = float(alpha);
    return pick_at_one<kDeriv>(a, Parts1<elu_deriv_cold, elu_deriv_hot, elu_deriv_slow>{a},
                               Parts1<celu_deriv_cold, celu_deriv_hot, celu_deriv_slow>{a},
                               Parts1<elu_cold, elu_hot, elu_slow>{a}, Parts1<celu_cold, celu_hot, celu_slow>{a});
  }
  template <class C>
  ACTBENCH_HD C fwd(C x) const {
    if constexpr (detail::kF32<V, C>) return f32_parts<false>()(x);  // kernels/f32
    using M = math<V>;
    if (x > C(0)) return x;
    const C a = C(alpha);
    if (a == C(1)) return M::expm1(x);  // alpha = 1 (a kernel parameter: every thread agrees): q = x, ql = 0
    const C q = M::div(x, a);
    const C ql = (q - q == C(0)) ? M::div(M::fma(-q, a, x), a) : C(0);
    const C em = M::expm1(q);
    if constexpr (std::is_same<C, double>::value) {
      if (em == M::template infinity<C>()) return fwd_high<M>(a, q, ql);  // alpha < 0: alpha e^q may be finite
    }
    return a * (ql != C(0) ? M::fma(em + C(1), ql, em) : em);
  }
  /// alpha (e^(q+ql) - 1) where e^q overflows (alpha < 0, f64): alpha e^q (1 + ql), the 1 below half an ulp
  /// (-inf past q = 1400: exact for |alpha| >= e^-690).
  template <class M, class C>
  ACTBENCH_COLD static C fwd_high(C a, C q, C ql) {
    if (q > C(1400)) return a * M::template infinity<C>();  // |alpha| e^1400 overflows
    return detail::k_exp_high<M>(a, a * ql, q);
  }
  template <class C>
  ACTBENCH_HD C deriv(C x) const {
    if constexpr (detail::kF32<V, C>) return f32_parts<true>()(x);  // kernels/f32
    using M = math<V>;
    if (x > C(0)) return C(1);
    const C a = C(alpha);
    if (a == C(1)) return M::exp(x);  // as fwd
    const C q = M::div(x, a);
    const C ql = (q - q == C(0)) ? M::div(M::fma(-q, a, x), a) : C(0);
    const C e = M::exp(q);
    return e == M::template infinity<C>() ? e : M::fma(e, ql, e);  // alpha < 0: inf, not inf - inf
  }
  // 16-bit: q = x/alpha by narrow::div (fwd: narrow::expm1_ratio_times); the derivative carries q's rounding
  // (e^q's tail needs it).  alpha = 1, the default: elu's code (q = x exactly, ql = 0), where the test is free
  // (ACTBENCH_IF_KNOWN: in the cpu backend's loops over the default functor; f' on the device too, where nvcc keeps
  // one uniform branch per element: fwd there keeps its one path, so that other alphas pay no test).
  template <class S>
  ACTBENCH_HOT float fwd_narrow(float x) const {
    if (!(x < 0.0f)) return x;  // x >= 0, NaN
    const float a = float(alpha);
#if !ACTBENCH_DEVICE_PASS
    if (ACTBENCH_IF_KNOWN(a == 1.0f)) return narrow::expm1_neg(x);  // the same bits as below at a = 1
#endif
    return narrow::expm1_ratio_times(x, a);
  }
  template <class S>
  ACTBENCH_HOT float deriv_narrow(float x) const {
    if (x > 0.0f) return 1.0f;
    const float a = float(alpha);
    // e^x is what the general path below gives at alpha = 1, bit for bit (e^-inf = 0, NaN kept), in 10 device
    // instructions fewer; on the cpu, for f16 data, but for e^x in [2^-126.5, 2^-126), unflushed here (narrow::exp's
    // kNonPositive): the same stored value, 0
    if (ACTBENCH_IF_KNOWN(a == 1.0f)) return narrow::exp<kTinyResults<S>, false, true>(x);  // x <= 0 here: elu's
    if (x == -INFINITY) return a > 0.0f ? 0.0f : INFINITY;  // e^(-inf/alpha)
    const float q = narrow::div(x, a);
    const float ql = (q - q == 0.0f) ? ::fmaf(-q, a, x) * narrow::rcp(a) : 0.0f;
    const float e = narrow::exp<kTinyResults<S>>(q);
    return ::fmaf(e, ql, e);
  }
};
/// textbook celu: alpha*(exp(x/alpha) - 1); derivative from the output, y/alpha + 1.
struct CeluTextbook {
  double alpha = 1.0;
  template <class C>
  ACTBENCH_HD C fwd(C x) const {
    using M = math<Variant::textbook>;
    if (x > C(0)) return x;
    const C a = C(alpha);
    return a * (M::exp(x / a) - C(1));
  }
  template <class C>
  ACTBENCH_HD C deriv(C x) const {
    if (x > C(0)) return C(1);
    return fwd(x) / C(alpha) + C(1);
  }
};
struct CeluDef : Def<Activation::celu> {
  static constexpr ActivationInfo info = {
      id, "celu", nullptr, "x > 0 ? x : alpha*(exp(x/alpha)-1)", "x > 0 ? 1 : exp(x/alpha)", "alpha*expm1(x/alpha)",
      "alpha*(exp(x/alpha)-1)", {{{"alpha", &Params::celu_alpha, Domain::nonzero}}}, false, true, {0.0, kNone},
      kNone, {3.0, 64, 64}};
  template <Variant V>
  using functor = Celu<V>;
  using textbook = CeluTextbook;
  template <class F>
  static void set_params(F& f, const Params& p, const float*) {
    f.alpha = p.celu_alpha;
  }
};

/// softplus(beta): f = log(1 + e^(beta x))/beta, f' = sigma(beta x).
/// stable: z = beta x (exact as hi + lo), (max(z,0) + log1p(e^-|z|) + sigma(z) lo)/beta, and x
/// itself once z > 24 (f32) / 40 (f64) (the log1p term is below half an ulp; beta x may overflow).
/// f' = sigma(z) + sigma(z) sigma(-z) lo with the stable sigma.
/// Source: Dugas et al. 2001; torch.nn.Softplus (whose threshold=20 returns x).
template <Variant V>
struct Softplus {
  double beta = 1.0;
  /// beta = 1: softplus's pieces, and f' = sigmoid's.
  template <bool kDeriv>
  ACTBENCH_HD auto f32_parts() const {
    using namespace f32;
    const float b = float(beta);
    return pick_at_one<kDeriv>(b,
                               Staged3<sigmoid_cold, sigmoid_pre, exp_sigma_pair<false>, sigmoid_tail, sigmoid_slow>{},
                               Staged1<softplus_beta_deriv_cold, softplus_beta_deriv_head, softplus_beta_deriv_tail,
                                       softplus_beta_deriv_slow>{b},
                               Staged3<softplus_cold, softplus_pre, exp_sigma_pair<true>, softplus_tail,
                                       softplus_slow>{},
                               Parts1<softplus_beta_cold, softplus_beta_hot, softplus_beta_slow>{b});
  }

  template <class M, class C, bool kUnit = false>
  static ACTBENCH_HD C eval_fwd(C x, C b) {
    const auto z = detail::scaled_at<kUnit, M>(b, x);
    if (z.hi > C(sizeof(C) == 4 ? 24 : 40)) return x;
    const C e = M::exp(-M::fabs(z.hi));
    if (z.hi < C(-700)) {  // the far tail: e^z (1 + z.lo)/beta
      // beta != 1: |z.lo|, up to half an ulp of z, reaches 1 from |z| = 2^24 (f32) or 2^53 (f64) on, where 1 + z.lo
      // would turn the result -0; the cut at 2^23 or 2^52 leaves a margin, and past it e^z/beta is +0 for every beta
      // the type holds
      if (!kUnit && z.hi < C(sizeof(C) == 4 ? -0x1p23 : -0x1p52)) return C(0);
      return detail::k_exp_cold<M>(M::div(C(1) + z.lo, b), z.hi);
    }
    const C l = M::log1p(e);
    const C m = z.hi > C(0) ? z.hi : C(0);
    C s = m + l;
    if (z.lo != C(0)) s += M::div(z.lo * (z.hi > C(0) ? C(1) : e), C(1) + e);
    return b == C(1) ? s : M::div(s, b);
  }
  /// f64 precise, beta = 1, |x| <= 700: max(x, 0) + log1p(e), e = e^-|x| by f64::exp_pair and log1p(e) by
  /// f64::log1p_unit: no libm call and no branch (the library's exp and log1p were two calls per element, and their
  /// device code is long).  Past 700, +-inf, NaN: eval_fwd, out of line; beta != 1: eval_fwd, inline.
  ACTBENCH_HOT static double fwd_f64_hot(double x) {
    const double l = f64::log1p_unit(f64::exp_pair(-::fabs(x), 0.0));
    return x > 0.0 ? fp::add(x, l) : l;
  }
  ACTBENCH_COLD static double fwd_f64_slow(double x) { return eval_fwd<math<V>, double, true>(x, 1.0); }
  template <class C>
  ACTBENCH_HD C fwd(C x) const {
    if constexpr (detail::kF32<V, C>) return f32_parts<false>()(x);  // kernels/f32
    using M = math<V>;
    const C b = C(beta);
    if constexpr (V == Variant::precise && std::is_same<C, double>::value) {
      if (b == 1.0) return ::fabs(x) <= 700.0 ? fwd_f64_hot(x) : fwd_f64_slow(x);
    }
    return b == C(1) ? eval_fwd<M, C, true>(x, C(1)) : eval_fwd<M, C>(x, b);
  }
  template <class M, class C, bool kUnit>
  static ACTBENCH_HD C eval_deriv(C x, C b) {
    const auto z = detail::scaled_at<kUnit, M>(b, x);
    const auto s = detail::sig<M>(z.hi);
    return z.lo != C(0) ? M::fma(s.s * s.sc, z.lo, s.s) : s.s;
  }
  template <class C>
  ACTBENCH_HD C deriv(C x) const {
    if constexpr (detail::kF32<V, C>) return f32_parts<true>()(x);  // kernels/f32
    using M = math<V>;
    const C b = C(beta);
    return b == C(1) ? eval_deriv<M, C, true>(x, C(1)) : eval_deriv<M, C, false>(x, b);
  }
  // 16-bit: max(z, 0) + log1p(e^-|z|) with narrow::exp and narrow::log1p_unit, branch-free: past z = 17,
  // log1p(e^-z) < 2^-24.5 is under half of z's ulp, and the sum rounds to z = x (inf at inf, NaN kept).
  // beta != 1 adds the rounding of beta x (times sigma(z)) and divides by beta; there z > 24 selects x
  // (beta x may overflow where x does not).
  template <class S>
  ACTBENCH_HOT float fwd_narrow(float x) const {
    const float b = float(beta);
    const float z = b * x;
    const float e = narrow::exp<kTinyResults<S>, false, true>(-::fabsf(z));
    float l = narrow::log1p_unit(e);
    if (b != 1.0f) {
      // + zl sigma(-|z|), its factor to ~2^-22 (rcp alone), added to l before max(z, 0): a negative product that
      // underflows makes l + it -0, and the + max(z, 0) = +0 below makes that +0 (softplus > 0 at every x)
      const float zl = detail::scaled<math<Variant::precise>>(b, x).lo;
      l = ::fmaf(zl, (z > 0.0f ? 1.0f : e) * narrow::rcp_normal(1.0f + e), l);
    }
    const float s = (z > 0.0f ? z : 0.0f) + l;
    if (b == 1.0f) return s;
    // s/beta as s rb + s rbl, 1/beta as a pair (loop-invariant), rounded once: one instruction fewer than div.  The
    // fma's exact value is s rb (1 + ~2^-22), never of the other sign even where s rb underflows (beta > 2, s
    // subnormal).  float(beta) below 2^-126 gives NaN (1/beta overflows; docs/ACCURACY.md, known limits)
    const float rb = narrow::rcp_normal(b);
    const float rbl = ::fmaf(-rb, b, 1.0f) * rb;
    return f32::select(z > 24.0f, x, ::fmaf(s, rb, s * rbl));
  }
  template <class S>
  ACTBENCH_HOT float deriv_narrow(float x) const {
    const float b = float(beta);
    const float z = b * x;
    const auto g = narrow::sig<kTinyResults<S>>(z);
    if (b == 1.0f) return g.s;
    const float zl = detail::scaled<math<Variant::precise>>(b, x).lo;
    return ::fmaf(g.s * g.sc, zl, g.s);
  }
};
/// textbook softplus: log(1 + exp(beta x))/beta (inf past 88.7, ~1e7 ulp at -20); f' = e^z/(1+e^z).
struct SoftplusTextbook {
  double beta = 1.0;
  template <class C>
  ACTBENCH_HD C fwd(C x) const {
    using M = math<Variant::textbook>;
    const C b = C(beta);
    return M::log(C(1) + M::exp(b * x)) / b;
  }
  template <class C>
  ACTBENCH_HD C deriv(C x) const {
    using M = math<Variant::textbook>;
    const C e = M::exp(C(beta) * x);
    return e / (C(1) + e);
  }
};
struct SoftplusDef : Def<Activation::softplus> {
  static constexpr ActivationInfo info = {
      id, "softplus", nullptr, "log(1+exp(beta*x))/beta", "sigmoid(beta*x)",
      "(max(z,0)+log1p(exp(-|z|)))/beta, z=beta*x", "log(1+exp(beta*x))/beta; derivative exp(z)/(1+exp(z))",
      {{{"beta", &Params::softplus_beta, Domain::positive}}}, false, true, {kNone, kNone}, kNone,
      {3.0, 1024, 140}};
  template <Variant V>
  using functor = Softplus<V>;
  using textbook = SoftplusTextbook;
  template <class F>
  static void set_params(F& f, const Params& p, const float*) {
    f.beta = p.softplus_beta;
  }
};

/// sigmoid: f = 1/(1+e^-x), f' = f(1-f).
/// stable: x>=0: 1/(1+e^-x); x<0: e^x/(1+e^x).  f' = e^-|x|/(1+e^-|x|)^2 with the roundings of
/// 1+e and its square compensated.
template <Variant V>
struct Sigmoid {
  template <bool kDeriv>
  ACTBENCH_HD auto f32_parts() const {
    using namespace f32;
    return pick<kDeriv>(Staged3<sigmoid_deriv_cold, sigmoid_deriv_pre, exp_sigma_pair<false>, sigmoid_deriv_tail,
                                sigmoid_deriv_slow>{},
                        Staged3<sigmoid_cold, sigmoid_pre, exp_sigma_pair<false>, sigmoid_tail, sigmoid_slow>{});
  }
  template <class C>
  ACTBENCH_HD C fwd(C x) const {
    if constexpr (detail::kF32<V, C>) return f32_parts<false>()(x);  // kernels/f32
    using M = math<V>;
    const C e = M::exp(-M::fabs(x));  // e^-|x| in (0, 1]
    return M::div(x >= C(0) ? C(1) : e, C(1) + e);
  }
  template <class C>
  ACTBENCH_HD C deriv(C x) const {
    if constexpr (detail::kF32<V, C>) return f32_parts<true>()(x);  // kernels/f32
    return detail::sigmoid_deriv<math<V>>(x);
  }
  template <class S>
  ACTBENCH_HOT float fwd_narrow(float x) const {
    return narrow::sig<kTinyResults<S>>(x).s;
  }
  template <class S>
  ACTBENCH_HOT float deriv_narrow(float x) const {
    const auto g = narrow::sig<kTinyResults<S>>(x);  // sigma(x) sigma(-x) = e r^2
    return (g.e * g.r) * g.r;
  }
};
/// textbook sigmoid: 1/(1+e^-x) (0 for -103.97<x<-88.72 in f32); f' = y(1-y) (0 past x>17.3).
struct SigmoidTextbook {
  template <class C>
  ACTBENCH_HD C fwd(C x) const {
    return C(1) / (C(1) + math<Variant::textbook>::exp(-x));
  }
  template <class C>
  ACTBENCH_HD C deriv(C x) const {
    const C y = fwd(x);
    return y * (C(1) - y);
  }
};
struct SigmoidDef : Def<Activation::sigmoid> {
  static constexpr ActivationInfo info = {
      id, "sigmoid", nullptr, "1/(1+exp(-x))", "sigmoid(x)*(1-sigmoid(x))",
      "x>=0 ? 1/(1+e^-x) : e^x/(1+e^x); derivative e^-|x|/(1+e^-|x|)^2", "1/(1+exp(-x)); derivative y*(1-y)", {},
      true, true, {kNone, kNone}, kNone, {3.0, 140, 140}};
  template <Variant V>
  using functor = Sigmoid<V>;
  using textbook = SigmoidTextbook;
};

/// hardsigmoid: f = clamp(x/6 + 1/2, 0, 1), f' = -3 < x < 3 ? 1/6 : 0 (0 at +-3, as PyTorch).
/// stable: (clamp(x, -3, 3) + 3)/6 with the sum's rounding carried into one correctly rounded
/// quotient (detail::div6_normal; x + 3 is exact near -3 anyway).  Source: torch.nn.Hardsigmoid.
struct Hardsigmoid {
  template <class C>
  ACTBENCH_HD C fwd(C x) const {
    // NaN passes through the clamp (both compares false) and the arithmetic: no test of its own, which on the
    // cpu cost a compare and a blend per vector and made GCC blend every clamp case at the end
    C c;
    if constexpr (std::is_same<C, float>::value) {
      // selects, not branches: GCC threads the branches, computes each clamp case on its own and blends them all
      c = f32::detail::clamp_above(f32::detail::clamp_below(x, -3.0f), 3.0f);
    } else {
      c = x < C(-3) ? C(-3) : (x > C(3) ? C(3) : x);
    }
    const auto s = fp::fast_two_sum(C(3), c);  // |3| >= |c|
    return detail::div6_normal<math<Variant::precise>>(s.hi, s.lo);  // s = +0 or s >= 2^-22 (f32), 2^-51 (f64)
  }
  template <class C>
  ACTBENCH_HD C deriv(C x) const {
    return deriv_given(x, C(1) / C(6));
  }
  /// f' with its one non-integer value given: C(1)/C(6) above, or on the bits that value rounded to the storage type.
  template <class C, class K>
  ACTBENCH_HD static C deriv_given(C x, K sixth) {
    if (x != x) return x;
    return (x > C(-3) && x < C(3)) ? C(sixth) : C(0);
  }
  /// f' is 0, 1/6 or NaN: on 16-bit data the cpu runs it on the storage bits (kernels/bits16.hpp), with 1/6 as the
  /// f32 path rounds its float result back to the storage type.
  static constexpr bool deriv_selects_only = true;
  template <class B>
  detail::DerivOnBits<Hardsigmoid, B> on_bits() const {
    return {B::rounded(1.0f / 6.0f)};
  }
  // 16-bit: (c + 3) * (1/6), two roundings in f32.  NaN passes through the clamp and the arithmetic, as in fwd: its
  // own test slowed the cpu's 16-bit loops by 15% (f16) and 21% (bf16) (single-threaded, an uncommitted
  // micro-benchmark).
  template <class S>
  ACTBENCH_HOT float fwd_narrow(float x) const {
    const float c = f32::detail::clamp_above(f32::detail::clamp_below(x, -3.0f), 3.0f);  // selects, as in fwd
    return (c + 3.0f) * (1.0f / 6.0f);
  }
  template <class S>
  ACTBENCH_HOT float deriv_narrow(float x) const {
    return deriv(x);
  }
};
struct HardsigmoidDef : Def<Activation::hardsigmoid> {
  static constexpr ActivationInfo info = {
      id, "hardsigmoid", nullptr, "clamp(x/6 + 1/2, 0, 1)", "-3 < x < 3 ? 1/6 : 0", "(clamp(x, -3, 3) + 3)/6",
      nullptr, {}, false, false, {-3.0, 3.0}, kNone, {1.0}};
  template <Variant>
  using functor = Hardsigmoid;
};

/// tanh: f = tanh x, f' = 1 - tanh^2 x = 4t/(1+t)^2, t = e^-2|x| (= 4 sigma'(2x)).
/// stable: the library tanh (tanh.approx on fast); f' from t, never from the output.
template <Variant V>
struct Tanh {
  template <bool kDeriv>
  ACTBENCH_HD auto f32_parts() const {
    using namespace f32;
    return pick<kDeriv>(Staged3<tanh_deriv_cold, tanh_deriv_pre, exp_sigma_pair<false>, tanh_deriv_tail,
                                tanh_deriv_slow>{},
                        Staged3<tanh_cold, tanh_pre, expm1_of_core, tanh_tail, tanh_slow>{});
  }
  template <class C>
  ACTBENCH_HD C fwd(C x) const {
    if constexpr (detail::kF32<V, C>) return f32_parts<false>()(x);  // kernels/f32
    return math<V>::tanh(x);
  }
  template <class C>
  ACTBENCH_HD C deriv(C x) const {
    if constexpr (detail::kF32<V, C>) return f32_parts<true>()(x);  // kernels/f32
    using M = math<V>;
    const C a = M::fabs(x);
    if (a > C(sizeof(C) == 4 ? 40 : 350)) return detail::k_exp_cold<M>(C(4), C(-2) * a);  // far tail
    return C(4) * detail::sigmoid_deriv<M>(C(2) * x);
  }
  // 16-bit: on the device the library tanh in f32 (its f32 error is far below a 16-bit ulp).  On the host inline and
  // branch-free, where libm's tanhf is a call per element that keeps the cpu backend's loop from vectorizing:
  // narrow::host::tanh_16, |x| P(x^2)/Q(x^2) for |x| clamped to 5, each f16 and bf16 result the nearest.
  // f' = 4 sigma(2x) sigma(-2x) = 4 e r^2, e = e^-2|x|.
  template <class S>
  ACTBENCH_HOT float fwd_narrow(float x) const {
#if ACTBENCH_DEVICE_PASS
    return math<Variant::precise>::tanh(x);
#else
    return narrow::host::tanh_16(x);
#endif
  }
  template <class S>
  ACTBENCH_HOT float deriv_narrow(float x) const {
    const auto g = narrow::sig<kTinyResults<S>>(2.0f * x);
    return (4.0f * g.e * g.r) * g.r;
  }
};
/// textbook tanh: 2 sigma(2x) - 1 (~600 ulp at 1e-3, ~1e7 at 1e-8); f' = 1 - y^2 (0 past 9 in f32).
struct TanhTextbook {
  template <class C>
  ACTBENCH_HD C fwd(C x) const {
    return C(2) / (C(1) + math<Variant::textbook>::exp(C(-2) * x)) - C(1);
  }
  template <class C>
  ACTBENCH_HD C deriv(C x) const {
    const C y = fwd(x);
    return C(1) - y * y;
  }
};
struct TanhDef : Def<Activation::tanh> {
  static constexpr ActivationInfo info = {
      id, "tanh", nullptr, "tanh(x)", "1 - tanh(x)^2", "tanh(x); derivative 4t/(1+t)^2, t=exp(-2|x|)",
      "2*sigmoid(2x)-1; derivative 1-y^2", {}, true, true, {kNone, kNone}, kNone, {3.0, 8192, 140}};
  template <Variant V>
  using functor = Tanh<V>;
  using textbook = TanhTextbook;
};

/// softsign: f = x/(1+|x|), f' = 1/(1+|x|)^2.
/// stable: |x| <= 1: |x|/(1+|x|) with the rounding of 1+|x| compensated; |x| > 1: 1 - 1/(1+|x|)
/// (finite at inf); sign copied.  f' = (1/d)^2 from r = 1/d and its exact residual, one rounding.
/// No textbook form (the naive formula is the stable one).  Source: Bergstra et al. 2009; torch.nn.Softsign.
template <Variant V>
struct Softsign {
  template <class C>
  ACTBENCH_HD C fwd(C x) const {
    if constexpr (detail::kF32<V, C>) return f32::softsign(x);  // kernels/f32: no division
    using M = math<V>;
    const C a = M::fabs(x);
    const C d = C(1) + a;
    C r;
    if (a > C(1)) {
      r = C(1) - M::rcp(d);
    } else {
      const C dl = (C(1) - d) + a;
      const C q = M::div(a, d);
      r = M::fma(-q, M::div(dl, d), q);
    }
    return M::copysign(r, x);
  }
  template <class C>
  ACTBENCH_HD C deriv(C x) const {
    using M = math<V>;
    const C a = M::fabs(x);
    if (a != a) return x;
    if (a == M::template infinity<C>()) return C(0);
    const C d = C(1) + a;
    const C dl = a > C(1) ? (a - d) + C(1) : (C(1) - d) + a;  // Fast2Sum
    const C r = M::rcp(d);
    const C R = M::div(M::fma(-r, d, C(1)), d) - r * r * dl;  // 1/(d+dl) = r + R to first order
    return M::fma(r, r, C(2) * r * R);
  }
  // 16-bit: |x|/(1+|x|) and 1/(1+|x|)^2 by narrow::div / a refined rcp (|x| clamped where the results
  // round to 1 and 0, keeping rcp's argument normal).
  template <class S>
  ACTBENCH_HOT float fwd_narrow(float x) const {
    const float a = ::fabsf(x);
    const float r = a > 0x1p30f ? 1.0f : narrow::div(a, 1.0f + a);
    return ::copysignf(r, x);
  }
  template <class S>
  ACTBENCH_HOT float deriv_narrow(float x) const {
    float a = ::fabsf(x);
    a = a > 0x1p100f ? 0x1p100f : a;  // keeps NaN; 1/(1+2^100)^2 rounds to 0
    const float r = narrow::recip(1.0f + a);
    return r * r;
  }
};
struct SoftsignDef : Def<Activation::softsign> {
  static constexpr ActivationInfo info = {
      id, "softsign", nullptr, "x/(1+|x|)", "1/(1+|x|)^2", "x/(1+|x|)", nullptr, {}, false, true, {kNone, kNone},
      kNone, {2.0, 4, 4}};
  template <Variant V>
  using functor = Softsign<V>;
};

/// swish(beta) (beta = 1: silu): f = x sigma(beta x), f' = s + beta x s (1 - s), s = sigma(beta x).
/// stable: z = beta x exact as hi + lo, x (s + s(1-s) lo) with the stable sigma; f(-inf) = -0;
/// f' = s + z s(1-s) (+ its first-order lo term).  Far tails (e^z subnormal, x e^z not) in
/// double.  Source: Ramachandran et al. 2017; Elfwing et al. 2017; torch.nn.SiLU.
template <Variant V>
struct Swish {
  double beta = 1.0;
  /// beta = 1: silu's pieces.
  template <bool kDeriv>
  ACTBENCH_HD auto f32_parts() const {
    using namespace f32;
    const float b = float(beta);
    return pick_at_one<kDeriv>(b, Staged<silu_deriv_cold, silu_deriv_head, silu_deriv_tail, silu_deriv_slow>{},
                               Staged1<swish_beta_deriv_cold, swish_beta_deriv_head, swish_beta_deriv_tail,
                                       swish_beta_deriv_slow>{b},
                               Staged3<silu_cold, silu_pre, exp_sigma_pair<false>, silu_tail, silu_slow>{},
                               Staged1<swish_beta_cold, swish_beta_head, swish_beta_tail, swish_beta_slow>{b});
  }

  // Outside z = beta x in [-700, inf) (x = +-inf, beta x past the range, the f64 far tail, NaN) out of line:
  // beta x = inf gives the limits at x = inf; below -800 the value is under half the least subnormal (and
  // z.lo, up to ulp(z)/2 >= 1 there, would spoil the first-order tail's sign); on (-800, -700) the tail
  // e^z (...) by k_exp; NaN propagates.
  template <class M, class C, class Z>
  ACTBENCH_COLD static C fwd_tail(C x, Z z) {
    if (z.hi == M::template infinity<C>()) return x;
    if (z.hi < C(-800)) return C(-0.0);
    if (z.hi < C(-700)) return detail::k_exp<M>(M::fma(x, z.lo, x), z.hi);
    return x + z.hi;  // NaN
  }
  template <class M, class C, class Z>
  ACTBENCH_COLD static C deriv_tail(C x, Z z) {
    if (z.hi == M::template infinity<C>()) return C(1);
    if (z.hi < C(-800)) return C(-0.0);
    if (z.hi < C(-700)) return detail::k_exp<M>(M::fma(C(2) + z.hi, z.lo, C(1) + z.hi), z.hi);
    return x + z.hi;  // NaN
  }
  template <class M, class C, bool kUnit = false>
  static ACTBENCH_HD C eval_fwd(C x, C b) {
    const auto z = detail::scaled_at<kUnit, M>(b, x);
    if (!(z.hi >= C(-700) && z.hi < M::template infinity<C>())) return fwd_tail<M>(x, z);
    const auto s = detail::sig<M>(z.hi);
    return x * (z.lo != C(0) ? M::fma(s.s * s.sc, z.lo, s.s) : s.s);
  }
  template <class M, class C, bool kUnit = false>
  static ACTBENCH_HD C eval_deriv(C x, C b) {
    const auto z = detail::scaled_at<kUnit, M>(b, x);
    if (!(z.hi >= C(-700) && z.hi < M::template infinity<C>())) return deriv_tail<M>(x, z);
    const auto s = detail::sig<M>(z.hi);
    const C t = s.s * s.sc;
    C y = M::fma(z.hi, t, s.s);
    if (z.lo != C(0)) y = M::fma(t * (C(2) + z.hi * (s.sc - s.s)), z.lo, y);
    return y;
  }
  template <class C>
  ACTBENCH_HD C fwd(C x) const {
    if constexpr (detail::kF32<V, C>) return f32_parts<false>()(x);  // kernels/f32
    using M = math<V>;
    const C b = C(beta);
    return b == C(1) ? eval_fwd<M, C, true>(x, C(1)) : eval_fwd<M, C>(x, b);
  }
  /// f64 f' next to its zero (kernels/activations.hpp: near_zero_f64), out of line.
  ACTBENCH_COLD static double deriv_near_zero_f64(double x) {
    constexpr double q[21] = {-7.5034460938528700e-11, -2.2513662018810812e-10, 2.3648315053103246e-10,
                              2.9177603026903803e-9, 4.6193797690316062e-9, -1.8877622907727958e-8,
                              -9.2666463092674402e-8, -3.0512447500554211e-8, 8.5996950282685755e-7,
                              2.3460296824638660e-6, -2.9426318888424640e-6, -2.9733542213263916e-5,
                              -4.0905342374286117e-5, 0.00018570724361186496, 0.00079852188183979978,
                              0.00012662741008112200, -0.0066065891383566964, -0.015222655223188032,
                              0.018874814223782313, 0.14664879699694690, 0.21781170571980010};
    return detail::near_zero_f64(x, -1.27846454276107368564, -1.0946994183093437e-16, q);
  }
  template <class C>
  ACTBENCH_HD C deriv(C x) const {
    if constexpr (detail::kF32<V, C>) return f32_parts<true>()(x);  // kernels/f32
    using M = math<V>;
    const C b = C(beta);
    if constexpr (std::is_same<C, double>::value) {
      if (b == 1.0 && detail::in_zero_band(x, -1.27846454276107368564)) return deriv_near_zero_f64(x);
    }
    return b == C(1) ? eval_deriv<M, C, true>(x, C(1)) : eval_deriv<M, C>(x, b);
  }
  // 16-bit: x sigma(z), f' = s + z s (1-s), narrow sigma; beta != 1 adds the rounding of z = beta x.
  // Next to the zero of f' (beta = 1: -1.2785) the terms cancel: there f' = u q(u) (detail::select_near_zero).
  // fwd: x = -inf multiplies sigma = 0 as -FLT_MAX (beta > 0), giving -0; NaN propagates through z.
  template <class S>
  ACTBENCH_HOT float fwd_narrow(float x) const {
    const float b = float(beta);
    const float z = b * x;
    const float xf = narrow::max_num(x, -0x1.fffffep127f);  // -FLT_MAX
    const auto g = narrow::sig<kTinyResults<S>>(z);
    if (b == 1.0f) return xf * g.s;
    const float zl = detail::scaled<math<Variant::precise>>(b, x).lo;
    return xf * ::fmaf(g.s * g.sc, zl, g.s);
  }
  // deriv: f' = s B, B = 1 + z sc, one fma; beta != 1 adds beta x's rounding zl inside: f'(z + zl) =
  // s (B + zl sc (2 + z (sc - s))) to first order.  s >= 0 and B < 0 in the left tail give its -0 without a
  // sign fix.  No branch for x = +-inf or beta x past f32's range: z is clamped to [-104, 104] (NaN kept; past
  // it s or sc is 0 and f' rounds to 1 or -0), which also spares exp its own clamp, and zl to [-1, 1] (NaN, at
  // inf - inf, taken as +1): it meets sc s = 0 wherever it is not tiny.  Next to the zero (beta = 1) the band's
  // polynomial is selected, both computed: no divergent branch.
  // On the cpu, f16 data: zc by narrow::clamp_magnitude_bits (integer code where clamp_keep_nan's compares and selects
  // cost ~1.1-1.4 cycles per 16 elements each in an uncommitted micro-benchmark on a Zen 5) and sigma of z itself,
  // whose e^x clamps at -88 for f16 data whatever kInRange says (the same e^-|z| for every |z| past 104 and for +-inf)
  // and carries a NaN z: the same bits for every input but a NaN, which gives a NaN (its sign may differ).
  template <class S>
  ACTBENCH_HOT float deriv_narrow(float x) const {
    constexpr bool kBits = narrow::kCpuForms && !kTinyResults<S>;
    const float b = float(beta);
    const float z = b == 1.0f ? x : fp::mul(b, x);  // (fp::mul is not folded at b = 1)
    const float zc = kBits ? narrow::clamp_magnitude_bits(z, 104.0f) : narrow::clamp_keep_nan(z, -104.0f, 104.0f);
    const auto g = narrow::sig<kTinyResults<S>, !kBits>(kBits ? z : zc);
    float B = ::fmaf(zc, g.sc, 1.0f);
    if (b != 1.0f) {
      // beta x's rounding, as detail::scaled's lo but without its guard (fewer instructions in the beta != 1
      // terms, which nvcc if-converts into the default's path)
      const float zl = narrow::max_num(narrow::min_num(::fmaf(b, x, -z), 1.0f), -1.0f);
      B = ::fmaf(g.sc * ::fmaf(zc, g.sc - g.s, 2.0f), zl, B);
    }
    const float y = g.s * B;
    if (b != 1.0f) return y;
    // next to the zero of f' (tools/gen_narrow_coeffs.py): f16 |x - x0| < 0.25, q of degree 5 (2^-23.6); bf16
    // 0.12, degree 3 (2^-20.1)
    constexpr float hi = -1.2784645557403564f, lo = 1.2979282537628478e-08f;
    if constexpr (kTinyResults<S>) {
      constexpr float q[4] = {-1.522032544e-02f, 1.877983473e-02f, 1.466487944e-01f, 2.178118825e-01f};
      return detail::select_near_zero(x, hi, lo, 0.12f, q, y);
    } else {
      constexpr float q[6] = {1.466792892e-04f, -6.532008760e-03f, -1.522327960e-02f,
                              1.887306757e-02f, 1.466487944e-01f,  2.178117186e-01f};
      return detail::select_near_zero(x, hi, lo, 0.25f, q, y);
    }
  }
};
/// textbook swish: x/(1+e^-beta x) (NaN at -inf, -0 in the tail); f' = s(1 + beta x (1-s)).
struct SwishTextbook {
  double beta = 1.0;
  template <class C>
  ACTBENCH_HD C fwd(C x) const {
    return x / (C(1) + math<Variant::textbook>::exp(-C(beta) * x));
  }
  template <class C>
  ACTBENCH_HD C deriv(C x) const {
    const C b = C(beta);
    const C s = C(1) / (C(1) + math<Variant::textbook>::exp(-b * x));
    return s * (C(1) + b * x * (C(1) - s));
  }
};
struct SwishDef : Def<Activation::swish> {
  static constexpr ActivationInfo info = {
      id, "swish", "silu", "x*sigmoid(beta*x)  (beta=1: silu)", "s + beta*x*s*(1-s), s=sigmoid(beta*x)",
      "x*sigmoid(beta*x) with the stable sigmoid", "x/(1+exp(-beta*x))",
      {{{"beta", &Params::swish_beta, Domain::positive}}}, true, true, {kNone, kNone}, -1.2784645427610738,
      {6.0, 140, 140, 0x1p-20, 0, 0x1p-52}};
  template <Variant V>
  using functor = Swish<V>;
  using textbook = SwishTextbook;
  template <class F>
  static void set_params(F& f, const Params& p, const float*) {
    f.beta = p.swish_beta;
  }
};

/// hardswish: f = x clamp(x+3, 0, 6)/6, f' = x < -3 ? 0 : x > 3 ? 1 : (2x+3)/6 (the (2x+3)/6
/// branch on the closed [-3, 3], as PyTorch).
/// stable: x >= 3: x (never x*6: no overflow); x <= -3: x*0 = -0; else x(x+3)/6 with the roundings
/// of x+3 and the product carried into one division.  f' = (2x+3)/6 from the exact sum.
/// Source: Howard et al. 2019 (MobileNetV3); torch.nn.Hardswish.
template <Variant V>
struct Hardswish {
  template <class C>
  ACTBENCH_HD C fwd(C x) const {
    using M = math<V>;
    if constexpr (std::is_same<C, float>::value) {  // selects (see Hardsigmoid): every piece, then a choice
      // The quotient's piece is computed in every lane, also where |x| >= 3 and it is dropped: for |x| above ~2^63
      // (never the benchmark's data) its product is huge or infinite and the GPU's division takes its slow path
      // there.  Clamping x first would spare that at 4 more AVX2 instructions per 8 elements on every input.
      const auto t = fp::fast_two_sum(3.0f, x);  // exact where |x| < 3, the lanes kept
      const auto p = fp::two_prod(x, t.hi);
      const float q = detail::div6<M>(p.hi, p.lo + x * t.lo);
      return f32::select(x >= 3.0f, x, f32::select(x <= -3.0f, -0.0f, q));  // NaN: q
    } else {
      if (x >= C(3)) return x;
      if (x <= C(-3)) return C(-0.0);
      const auto t = fp::fast_two_sum(C(3), x);  // |x| < 3
      const auto p = fp::two_prod(x, t.hi);
      return detail::div6<M>(p.hi, p.lo + x * t.lo);
    }
  }
  template <class C>
  ACTBENCH_HD C deriv(C x) const {
    if constexpr (std::is_same<C, float>::value) {  // selects (see Hardsigmoid)
      const auto n = detail::two_sum(2.0f * x, 3.0f);
      const float q = detail::div6_normal<math<V>>(n.hi, n.lo);  // n = +0 (x = -1.5) or |n| >= 2^-22
      return f32::select(x < -3.0f, 0.0f, f32::select(x > 3.0f, 1.0f, q));  // NaN: q
    } else {
      if (x < C(-3)) return C(0);
      if (x > C(3)) return C(1);
      const auto n = detail::two_sum(C(2) * x, C(3));
      return detail::div6_normal<math<V>>(n.hi, n.lo);  // n = +0 (x = -1.5) or |n| >= 2^-51
    }
  }
  // 16-bit: x (x+3) * (1/6) and (2x+3) * (1/6) in f32 (a few roundings of 2^-24).
  template <class S>
  ACTBENCH_HOT float fwd_narrow(float x) const {
    if (x >= 3.0f) return x;
    if (x <= -3.0f) return -0.0f;
    return (x * (x + 3.0f)) * (1.0f / 6.0f);
  }
  template <class S>
  ACTBENCH_HOT float deriv_narrow(float x) const {
    if (x < -3.0f) return 0.0f;
    if (x > 3.0f) return 1.0f;
    return ::fmaf(2.0f, x, 3.0f) * (1.0f / 6.0f);
  }
};
/// textbook hardswish: x*clamp(x+3,0,6)/6 as written (inf for x > 5.7e37); f' = x/3 + 0.5 (cancels
/// at -1.5).
struct HardswishTextbook {
  template <class C>
  ACTBENCH_HD C fwd(C x) const {
    C t = x + C(3);
    t = t < C(0) ? C(0) : (t > C(6) ? C(6) : t);
    return x * t / C(6);
  }
  template <class C>
  ACTBENCH_HD C deriv(C x) const {
    if (x < C(-3)) return C(0);
    if (x > C(3)) return C(1);
    return x / C(3) + C(0.5);
  }
};
struct HardswishDef : Def<Activation::hardswish> {
  static constexpr ActivationInfo info = {
      id, "hardswish", nullptr, "x*clamp(x+3, 0, 6)/6", "x<-3 ? 0 : x>3 ? 1 : (2x+3)/6",
      "x*clamp(x+3,0,6)/6 without overflow; derivative (2x+3)/6", "x*(x+3)/6; derivative x/3+0.5", {}, false, true,
      {-3.0, 3.0}, -1.5, {1.0}};
  template <Variant V>
  using functor = Hardswish<V>;
  using textbook = HardswishTextbook;
};

namespace detail {
// f64 gelu's rational functions P/Q on a = |x| in [0, 37] (Gelu::fwd_f64_hot, deriv_f64_hot), highest degree first,
// as tools/gen_gelu_coeffs.py prints them; every coefficient is positive (Horner's scheme does not cancel):
//   K(a) = 1/G(a) - sqrt(2 pi) a = KP/KQ, 2^-56.2 of G, scaled so that KQ(0) = 1.9 and KP(0) = 2 KQ(0) (G(0) = 1/2
//          exactly; for small a both sit just under a power of two, where a rounding is relatively smallest);
//   S(a) = L(a) - C = SP/SQ (C = 1/sqrt(2 pi) as a double), 2^-54.4 of L.
ACTBENCH_TABLE(kGeluF64KP, 2.3797537878559652e-06, 7.310476848111728e-05, 0.0010988290593979919, 0.010500260409304385,
                0.069980184957867439, 0.33712045374610888, 1.1776368460492905, 2.8994505297100512, 4.6358941358764092,
                3.7999999999999998);
ACTBENCH_TABLE(kGeluF64KQ, 9.4938440308438664e-07, 2.9164583016683288e-05, 0.00044026814192928772,
                0.0042473268806250564, 0.028789100965654714, 0.14269451364005792, 0.52305671404626342,
                1.4017607418992626, 2.6398999372951395, 3.1832632633122109, 1.8999999999999999);
ACTBENCH_TABLE(kGeluF64SP, 5.5641425424127365e-07, 1.6310379091284685e-05, 0.00022971871535182049,
                0.0020217110470447434, 0.012187707815146586, 0.052055797269174447, 0.15750837072394822,
                0.32645713881168187, 0.42351416945977188, 0.26613571473000158);
ACTBENCH_TABLE(kGeluF64SQ, 1.8552000871061132e-06, 5.5455155661975263e-05, 0.0007988096105456964,
                0.0072250565939541182, 0.045105346529508691, 0.20195673210936105, 0.65392584952168897,
                1.5066354451059738, 2.3569526371498513, 2.2551186673413732, 1.0);
}  // namespace detail

/// gelu (erf): f = x Phi(x) = x/2 (1 + erf(x/sqrt2)), f' = Phi(x) + x phi(x).
/// stable: x/2 erfc(-x/sqrt2), with x/sqrt2 exact as hi + lo (erfc(-t - tl) = erfc(-t) +
/// 2/sqrt(pi) e^-t^2 tl); f' = erfc(..)/2 + x e^(-x^2/2)/sqrt(2 pi) with x^2 exact as hi + lo.
/// f32 precise: f32::gelu / f32::gelu_deriv (kernels/f32/gelu.hpp: float pairs, no double, <= 2 ulp on
/// every input).  f64: rational functions on |x| <= 37 (fwd_f64_hot, deriv_f64_hot); beyond, the formulas above in
/// double, and below -37 a scaled tail (tail_f64) so that a subnormal result rounds once.
/// Source: Hendrycks & Gimpel 2016; torch.nn.GELU(approximate='none').
template <Variant V>
struct Gelu {
  template <bool kDeriv>
  ACTBENCH_HD auto f32_parts() const {
    using namespace f32;
    return pick<kDeriv>(Parts<gelu_cold, gelu_deriv_hot, gelu_deriv_slow>{},
                        Parts<gelu_cold, gelu_hot, gelu_slow>{});
  }
  template <class M, class C>
  static ACTBENCH_HD C erfc_neg(C x) {  // erfc(-x/sqrt2), argument carried exactly
    using R = detail::InvSqrt2<C>;
    const C t = fp::mul(x, R::hi);  // the very t that erfc sees: never fused into its arithmetic
    const C tl = M::fma(x, R::hi, -t) + x * R::lo;
    const C e = M::erfc(-t);
    return M::fma(C(1.1283791670955126) * M::exp(-fp::mul(t, t)), tl, e);
  }
  /// Far tail of f64 (x < -37, results near or below 2^-1022): with a = -x, u = 1/a^2,
  ///   f = -phi(a) (1 - delta),     delta  = u - 3u^2 + 15u^3 - ... (Mills' ratio series, 8 terms)
  ///   f' = -a phi(a) (1 - delta'), delta' = u - u^2 + 3u^3 - 15u^4 + ...
  /// phi(a) = e^(-a^2/2)/sqrt(2 pi) with a^2 an exact pair, scaled around the subnormal range by
  /// k_exp (one rounding into it): erfc's own subnormal result would round twice (7 ulp at -38).
  template <class M>
  static ACTBENCH_HD double tail_f64(double x, bool d) {
    const double u = 1.0 / (x * x);
    // (2k-1)!! u^k for k = 1..8, alternating; delta' = u (1 - (u - 3u^2 + ...)) = u - u delta
    double s = M::fma(2027025.0, -u, 135135.0);
    s = M::fma(s, -u, 10395.0);
    s = M::fma(s, -u, 945.0);
    s = M::fma(s, -u, 105.0);
    s = M::fma(s, -u, 15.0);
    s = M::fma(s, -u, 3.0);
    s = M::fma(s, -u, 1.0);
    const double delta = s * u;
    const double x2 = x * x;
    const double x2l = M::fma(x, x, -x2);
    const double one_minus = d ? 1.0 - (u - u * delta) : 1.0 - delta;
    const double k = (d ? x : -1.0) * 0.3989422804014327 * one_minus * (1.0 - 0.5 * x2l);
    return detail::k_exp<M>(k, -0.5 * x2);
  }
  template <class M, class C>
  static ACTBENCH_HD C eval_fwd(C x) {
    const C inf = M::template infinity<C>();
    if (x == inf) return x;
    if (x < C(-40)) return C(-0.0);  // below the smallest subnormal double (and -inf)
    if constexpr (std::is_same<C, double>::value) {
      if (x < -37.0) return tail_f64<M>(x, false);
    }
    return C(0.5) * x * erfc_neg<M>(x);
  }
  template <class M, class C>
  static ACTBENCH_HD C eval_deriv(C x) {
    const C inf = M::template infinity<C>();
    if (x == inf) return C(1);
    if (x < C(-40)) return C(-0.0);  // -|x| phi(x) below the smallest subnormal double (and -inf)
    if constexpr (std::is_same<C, double>::value) {
      if (x < -37.0) return tail_f64<M>(x, true);
    }
    const C x2 = fp::mul(x, x);  // x2 - x2 must be 0 or NaN: never fma(x, x, -x2)
    const C x2l = (x2 - x2 == C(0)) ? M::fma(x, x, -x2) : C(0);
    // x phi(x) = x/sqrt(2 pi) e^(-x2/2) (1 - x2l/2); 1/sqrt(2 pi) = 0.3989422804014327 - 2.4923e-17
    const C k = x * C(0.3989422804014327);
    const C kl = M::fma(x, C(0.3989422804014327), -k) + x * C(-2.4923272857812243e-17);
    const C xphi = detail::k_exp<M>(k, C(-0.5) * x2);
    const C xphi_c = M::fma(xphi, C(-0.5) * x2l + kl / (k == C(0) ? C(1) : k), xphi);
    const C y = M::fma(C(0.5), erfc_neg<M>(x), xphi_c);
    return (y == C(0) && x < C(-1)) ? C(-0.0) : y;  // f' < 0 there: +0 + -0 must stay -0
  }
  /// f64, |x| <= 37 (the benchmark's data are in [-8, 8]), with a = |x|, E = e^(-a^2/2), G(a) = e^(a^2/2) Phi(-a),
  /// C = 1/sqrt(2 pi) and a0 the zero of G(a) - a C (f'(-a0) = 0):
  ///   f  = x - a E G(a) (x < 0: -a E G(a)),  a G = t/(sqrt(2 pi) t + KP(a)), t = a KQ(a)  (KP/KQ = 1/G - sqrt(2 pi) a),
  ///   f' = x < 0 ? y : 1 - y,  y = E (a0 - a) L(a),  L(a) = (G(a) - a C)/(a0 - a) = C + SP(a)/SQ(a),
  /// E by f64::exp_pair (-a^2/2 an exact pair), the rational functions of detail::kGeluF64* by Horner's scheme and
  /// f64::recip, a0 - a exact next to a0 (a0 a double pair): no band around f''s zero.  The forms keep Horner's
  /// roundings (a few ulp of KQ and KP where their highest terms dominate) small in the result: the relative errors
  /// of t and of KP enter a G times KP/(sqrt(2 pi) t + KP) (t is in the numerator and the denominator alike; the
  /// weight is 1 at a = 0, < 0.1 past a = 3); S's enters L times S/L (0.40 at a = 0, less beyond).  f's quotient
  /// takes one residual step.  No libm call and no branch; the coefficients are ACTBENCH_TABLEs (constant memory on
  /// the device).  The same bits on host and device but where a reciprocal lies within ~2^-86 of a rounding midpoint
  /// (f64::recip's seed is the SFU's on the device).  |x| > 37, +-inf, NaN: eval_fwd / eval_deriv, out of line.
  ACTBENCH_HOT static double e_f64(double a) {  // e^(-a^2/2), a <= 37 (exp_pair's domain ends at a = 37.65)
    const auto h = fp::two_prod(a, fp::mul(-0.5, a));  // -0.5 a exact (a subnormal: a^2 vanishes anyway)
    return f64::exp_pair(h.hi, h.lo);
  }
  static constexpr double kC = 0x1.9884533d43651p-2, kSqrt2Pi = 0x1.40d931ff62706p+1;  // both correctly rounded
  ACTBENCH_HOT static double fwd_f64_hot(double x) {
    const double a = ::fabs(x);
    const double t = fp::mul(a, fp::horner(a, ACTBENCH_TABLE_REF(detail::kGeluF64KQ)));
    const double d = fp::fma(kSqrt2Pi, t, fp::horner(a, ACTBENCH_TABLE_REF(detail::kGeluF64KP)));
    const double r = f64::recip(d);
    const double h0 = fp::mul(t, r);
    const double h = fp::fma(fp::fma(-d, h0, t), r, h0);  // t/d = a G
    return fp::fma(-e_f64(a), h, x < 0.0 ? -0.0 : x);  // -0 + -0 for x = -0
  }
  ACTBENCH_HOT static double deriv_f64_hot(double x) {
    constexpr double kA0 = 0x1.80ead197f00b4p-1, kA0lo = -0x1.13e74c58cada8p-56;
    const double a = ::fabs(x);
    const double sq = fp::horner(a, ACTBENCH_TABLE_REF(detail::kGeluF64SQ));
    const double L = fp::fma(fp::horner(a, ACTBENCH_TABLE_REF(detail::kGeluF64SP)), f64::recip(sq), kC);
    const double d = fp::add(fp::sub(kA0, a), kA0lo);  // a0 - a: kA0 - a exact for a in [a0/2, 2 a0]
    const double y = fp::mul(fp::mul(e_f64(a), d), L);
    return x < 0.0 ? y : fp::sub(1.0, y);
  }
  ACTBENCH_COLD static double fwd_f64_slow(double x) { return eval_fwd<math<V>, double>(x); }
  ACTBENCH_COLD static double deriv_f64_slow(double x) { return eval_deriv<math<V>, double>(x); }
  template <class C>
  ACTBENCH_HD C fwd(C x) const {
    using M = math<V>;
    if constexpr (detail::kF32<V, C>) {
      return f32_parts<false>()(x);
    } else if constexpr (V == Variant::precise && std::is_same<C, double>::value) {
      return ::fabs(x) <= 37.0 ? fwd_f64_hot(x) : fwd_f64_slow(x);
    } else {
      return eval_fwd<M, C>(x);
    }
  }
  template <class C>
  ACTBENCH_HD C deriv(C x) const {
    using M = math<V>;
    if constexpr (detail::kF32<V, C>) {
      return f32_parts<true>()(x);
    } else if constexpr (V == Variant::precise && std::is_same<C, double>::value) {
      return ::fabs(x) <= 37.0 ? deriv_f64_hot(x) : deriv_f64_slow(x);
    } else {
      return eval_deriv<M, C>(x);
    }
  }
  // 16-bit data: the structure of f32::gelu at the 16-bit data's precision (an f32 relative error of
  // ~2^-21 for f16, ~2^-18 for bf16), with the SFU: a = |x|, E = e^(-a^2/2) by narrow::exp2_scaled (a^2 as
  // an exact pair), w = a/(a + d) by narrow::rcp, and polynomials in w fitted on a in [0, 6] (f16, d = 4:
  // f16 results vanish below -5.7) or [0, 14.6] (bf16, d = 3) (tools/gen_gelu_coeffs.py):
  //   f  = max(x, 0) - E w (d/2 + w P(w)),   f' = [x >= 0] -+ E (a0 - a) L(w).
  // a^2 is exact (a has at most 11 significant bits), so -a^2/2 log2(e) takes two fma to its pair t + tl.
  // The zero of f' at -a0 is carried by (a0 - a) (exact next to it), so no band is needed.  A zero
  // result (flushed tail) keeps the sign of the true value; NaN propagates through E.
  struct Narrow {
    float e, w;  ///< e^(-a^2/2), a/(a + d) for a = min(|x|, 16)
  };
  /// d of w = a/(a + d): 4 for f16 (a in [0, 6]), 3 for bf16 (a in [0, 14.6], where it lets f' take degree 5).
  template <class S>
  static constexpr float kD = kTinyResults<S> ? 3.0f : 4.0f;
  /// min(|x|, 16), NaN kept (e^-128 is 0 even for bf16; keeps inf and overflow out of a^2 and the quotient).
  ACTBENCH_HOT static float clamp16(float x) {
    const float a = ::fabsf(x);
    return a > 16.0f ? 16.0f : a;
  }
  /// The parts at a = clamp16(x), or (kNanKept false: fwd, where the NaN comes through x itself) at
  /// min_num(|x|, 16), one instruction.
  template <class S, bool kNanKept = true>
  ACTBENCH_HOT static Narrow narrow_parts(float x) {
    // kEx2Arg folded in (on the device bf16's t/2 and tl/2, exact): the SFU's argument itself
    constexpr float kC = -0.5f * narrow::kL2E * narrow::kEx2Arg<kTinyResults<S>>;
    constexpr float kClo = -0.5f * narrow::kL2Elo * narrow::kEx2Arg<kTinyResults<S>>;
    const float a = kNanKept ? clamp16(x) : narrow::min_num(::fabsf(x), 16.0f);
    const float p = a * a;  // exact: a is a 16-bit value (at most 11 significant bits) or 16
    const float t = fp::mul(p, kC);  // -a^2/2 log2(e) kEx2Arg = t + tl (unfused: host and device agree)
    const float tl = ::fmaf(p, kClo, ::fmaf(p, kC, -t));
    // w by the SFU's rcp alone (1 ulp): the polynomials in w move by < 2^-24 relative
    return {narrow::exp2_scaled<kTinyResults<S>>(t, tl), fp::mul(a, narrow::rcp_normal(a + kD<S>))};
  }
  template <class S>
  ACTBENCH_HOT float fwd_narrow(float x) const {
    const Narrow n = narrow_parts<S, false>(x);
    float P;
    if constexpr (kTinyResults<S>) {  // bf16: a in [0, 14.6], d = 3, relative error 2^-20.6
      const float v = n.w - 0.375f;
      P = -7.341921329e-02f;
      P = ::fmaf(P, v, 1.482007653e-01f);
      P = ::fmaf(P, v, 9.061501920e-02f);
      P = ::fmaf(P, v, -3.155413866e-01f);
      P = ::fmaf(P, v, -1.453154981e-01f);
      P = ::fmaf(P, v, 1.096563220e+00f);
      P = ::fmaf(P, v, -1.676042318e+00f);
    } else {  // f16: a in [0, 6], relative error 2^-22.8
      const float v = n.w - 0.3125f;
      P = -3.753005266e-01f;
      P = ::fmaf(P, v, 2.558961213e-01f);
      P = ::fmaf(P, v, 9.513589740e-01f);
      P = ::fmaf(P, v, -2.561709404e+00f);
      P = ::fmaf(P, v, 3.403144360e+00f);
      P = ::fmaf(P, v, -3.043959856e+00f);
    }
    const float F = n.w * ::fmaf(n.w, P, 0.5f * kD<S>);
    // f = max(x, 0) - e F, e F >= 0.  The negation is F's, never e's: a compiler may rewrite -(fma(y, a, y))
    // inside e as fma(-y, a, -y), which turns e = +0 into -e = +0 (GCC -O2 -mfma does), while -F is -0 only
    // where F is 0 (x = 0).  x < 0 adds -0, so a flushed e F leaves f = -0; x = -0 adds itself; x NaN: NaN.
    return ::fmaf(n.e, -F, x < 0.0f ? -0.0f : x);
  }
  template <class S>
  ACTBENCH_HOT float deriv_narrow(float x) const {
    constexpr float kA0 = 0x1.80ead2p-1f, kA0lo = -0x1.a03fd4p-27f;  // a0 = 0.7517915246935645
    const Narrow n = narrow_parts<S>(x);
    float L;
    if constexpr (kTinyResults<S>) {  // bf16: d = 3, relative error 2^-19.8
      const float v = n.w - 0.375f;
      L = 3.135495260e-02f;
      L = ::fmaf(L, v, -1.751577854e-02f);
      L = ::fmaf(L, v, -1.084680334e-01f);
      L = ::fmaf(L, v, 2.561479211e-01f);
      L = ::fmaf(L, v, -2.988104820e-01f);
      L = ::fmaf(L, v, 5.118614435e-01f);
    } else {  // f16: relative error 2^-24.7 (near x = 0 the SFU's exp error leaves f' little room)
      const float v = n.w - 0.3125f;
      L = 1.603203453e-02f;
      L = ::fmaf(L, v, -3.878363967e-02f);
      L = ::fmaf(L, v, -2.832138352e-02f);
      L = ::fmaf(L, v, 1.949239373e-01f);
      L = ::fmaf(L, v, -3.564896286e-01f);
      L = ::fmaf(L, v, 4.037744403e-01f);
      L = ::fmaf(L, v, -3.254639506e-01f);
      L = ::fmaf(L, v, 5.111576319e-01f);
    }
    const float d = (kA0 - clamp16(x)) + kA0lo;  // a0 - a, exact next to a0
    const float y = fp::mul(n.e, d * L);  // not fused into 1 - y: host and device agree
    return x >= 0.0f ? 1.0f - y : y;
  }
};
/// textbook gelu: x/2 (1 + erf(x/sqrt2)) (0, i.e. 100% error, for x < -5.4 in f32).
struct GeluTextbook {
  template <class C>
  ACTBENCH_HD C fwd(C x) const {
    using M = math<Variant::textbook>;
    return C(0.5) * x * (C(1) + M::erf(x * C(0.70710678118654752440)));
  }
  template <class C>
  ACTBENCH_HD C deriv(C x) const {
    using M = math<Variant::textbook>;
    return C(0.5) * (C(1) + M::erf(x * C(0.70710678118654752440))) +
           x * M::exp(C(-0.5) * x * x) * C(0.39894228040143267794);
  }
};
struct GeluDef : Def<Activation::gelu> {
  static constexpr ActivationInfo info = {
      id, "gelu", nullptr, "x*Phi(x) = 0.5*x*(1+erf(x/sqrt2))", "Phi(x) + x*phi(x)", "0.5*x*erfc(-x/sqrt2)",
      "0.5*x*(1+erf(x/sqrt2))", {}, false, true, {kNone, kNone}, -0.75179152469356447, {5.0, 16, 16, 0, 0, 0}};
  template <Variant V>
  using functor = Gelu<V>;
  using textbook = GeluTextbook;
};

/// gelu_tanh: f = x/2 (1 + tanh u), u = k(x + a x^3), k = sqrt(2/pi), a = 0.044715 (rounded to C),
/// f' = s + x s(1-s) 2k(1 + 3a x^2), s = sigma(2u).
/// stable: x sigma(2u) with 2u carried as an exact hi + lo (fma products, TwoSum) and the stable
/// sigma; x > 10: x; x < -25: -0 (both exact after rounding); f64 far tail via a split exp.
/// f32 precise: f32::gelu_tanh / f32::gelu_tanh_deriv (kernels/f32/gelu.hpp: float pairs, no double,
/// <= 2 ulp on every input).  16-bit data: fwd_narrow/deriv_narrow.
/// Source: Hendrycks & Gimpel 2016; torch.nn.GELU(approximate='tanh').
template <Variant V>
struct GeluTanh {
  template <bool kDeriv>
  ACTBENCH_HD auto f32_parts() const {
    using namespace f32;
    return pick<kDeriv>(Staged<gelu_tanh_cold, gelu_tanh_deriv_head, gelu_tanh_deriv_tail, gelu_tanh_deriv_slow>{},
                        Staged<gelu_tanh_cold, gelu_tanh_head, gelu_tanh_tail, gelu_tanh_slow>{});
  }
  static constexpr double k = 0.79788456080286535588;  // sqrt(2/pi)
  static constexpr double a = 0.044715;

  /// 2u as hi + lo for |x| <= 25.
  template <class M, class C>
  ACTBENCH_HOT static detail::Pair<C> two_u(C x, C kc, C ac) {
    const auto x2 = fp::two_prod(x, x);
    const auto s = fp::two_prod(ac, x2.hi);
    const C sl = s.lo + ac * x2.lo;
    const auto A = fp::two_sum(C(1), s.hi);
    const C Al = A.lo + sl;
    const auto B = fp::two_prod(x, A.hi);
    const C Bl = B.lo + x * Al;
    const auto U = fp::two_prod(kc, B.hi);
    const C Ul = U.lo + kc * Bl;
    return {C(2) * U.hi, C(2) * Ul};
  }
  template <class M, class C>
  static ACTBENCH_HD C eval_fwd(C x, C kc, C ac) {
    if (x > C(10)) return x;
    if (x < C(-25)) return C(-0.0);
    const auto z = two_u<M>(x, kc, ac);
    if (z.hi < C(-700)) return detail::k_exp_cold<M>(M::fma(x, z.lo, x), z.hi);  // f64 far tail
    const auto s = detail::sig<M>(z.hi);
    return x * M::fma(s.s * s.sc, z.lo, s.s);
  }
  template <class M, class C>
  static ACTBENCH_HD C eval_deriv(C x, C kc, C ac) {
    if (x > C(10)) return C(1);
    if (x < C(-25)) return C(-0.0);
    const auto z = two_u<M>(x, kc, ac);
    const C xzp = fp::mul(C(2) * kc * x, M::fma(C(3) * ac, x * x, C(1)));  // x dz/dx, one value for every use
    if (z.hi < C(-700)) return detail::k_exp_cold<M>(M::fma(C(1) + xzp, z.lo, C(1) + xzp), z.hi);
    const auto s = detail::sig<M>(z.hi);
    const C t = s.s * s.sc;
    // f'(z + zl) = s + t xzp + zl t (1 + (1 - 2s) xzp) to first order (zl matters in float: ~2^-17 z)
    return M::fma(t, M::fma(z.lo, M::fma(s.sc - s.s, xzp, C(1)), xzp), s.s);
  }
  /// f64 precise, |x| <= 20 (the benchmark's data are in [-8, 8]): the 16-bit paths' form (below) in double,
  ///   f = max(x, 0) - a E/(1 + E),  f' = s (1 + sc x z'),  E = e^-|z|, |z| = a g, g = K + K3 a^2,
  /// with a^2 a pair and K's high part a multiple of 2^-48 (Kh - gh exact for gh < 32), E by f64::exp_pair
  /// (|z| <= 603: E normal, well inside exp_pair's domain, which ends at |x| = 21.14), f with one IEEE
  /// quotient and f' with f64::recip_pair: no libm call, the same bits on host and device (f': but where
  /// 1/(1 + E) lies within ~2^-86 of a rounding midpoint, for recip_pair's seed is the SFU's on the device).
  /// Far tails, +-inf, NaN: eval_fwd / eval_deriv, out of line;
  /// f' next to its zero: deriv_near_zero_f64.
  /// e^-|z| for ax = |x|, p + pl = x^2 exactly (the callers' pair, fp::two_prod, which f' reuses).
  ACTBENCH_HOT static double e_f64(double ax, fp::Pair<double> sq) {
    const double p = sq.hi, pl = sq.lo;
    constexpr double kK = 0x1.9884533d43650p+0, kKlo = 0x1p-52;                  // 2k = kK + kKlo exactly
    constexpr double kK3 = 0x1.2444f2a4d8b4bp-4, kK3lo = 0x1.8c953p-62;  // 2k a to 2^-83 (k, a as doubles)
    const double gh = fp::fma(kK3, p, kK);
    const double gl = fp::add(fp::fma(kK3, p, fp::sub(kK, gh)), fp::fma(kK3, pl, fp::fma(kK3lo, p, kKlo)));
    const double zh = fp::mul(-ax, gh);
    return f64::exp_pair(zh, fp::fma(-ax, gl, fp::fma(-ax, gh, -zh)));
  }
  ACTBENCH_HOT static double fwd_f64_hot(double x) {
    const double ax = ::fabs(x);
    const double e = e_f64(ax, fp::two_prod(ax, ax));
    const double q = e / fp::add(1.0, e);  // sigma(-|z|), IEEE
    return fp::fma(-ax, q, x < 0.0 ? -0.0 : x);
  }
  /// f' = s B, B = 1 + sc w: next to the band around f''s zero (|x - x0| = 3/8) B cancels ~2.3-fold, so
  /// 1/(1 + E) is taken of 1 + E as an exact pair (f64::recip_pair: two Newton steps from the SFU's f32 seed, no
  /// IEEE quotient) and w = x z'(x) = x (kK + kK3 x^2) is carried as a pair
  /// (G = kK + kK3 x^2 with its error; kK - G is exact for |x| <= 2.7, where the cancellation is; beyond, Gl is
  /// off by up to half an ulp of G, as G alone would be): 4.60 ulp at most on tests/host/test_f64_exp.cpp's points
  /// (a grid, random points next to the band, the worst of a 20M-point search of [-3, 0] with this code); with an
  /// IEEE 1/(1 + E) corrected afterwards it was 6.03.
  ACTBENCH_HOT static double deriv_f64_hot(double x) {
    constexpr double kK = 0x1.9884533d43651p+0, kK3 = 0x1.b6676bf7450f1p-3;  // 2k, 6k a: x z'(x) = x (kK + kK3 x^2)
    const auto sq = fp::two_prod(x, x);
    const double p = sq.hi, pl = sq.lo;
    const double e = e_f64(::fabs(x), sq);
    const double d = fp::add(1.0, e);
    const double r = f64::recip_pair(d, fp::add(fp::sub(1.0, d), e));  // 1/(1 + e), 1 + e = d + dl exactly
    const double q = fp::mul(e, r);
    const bool pos = x >= 0.0;
    const double s = pos ? r : q, sc = pos ? q : r;
    const double G = fp::fma(kK3, p, kK);
    const double Gl = fp::fma(kK3, pl, fp::fma(kK3, p, fp::sub(kK, G)));
    const double wh = fp::mul(x, G);
    const double wl = fp::fma(x, Gl, fp::fma(x, G, -wh));
    return fp::mul(s, fp::fma(sc, wh, fp::fma(sc, wl, 1.0)));
  }
  ACTBENCH_COLD static double fwd_f64_slow(double x) { return eval_fwd<math<V>, double>(x, k, a); }
  ACTBENCH_COLD static double deriv_f64_slow(double x) { return eval_deriv<math<V>, double>(x, k, a); }
  template <class C>
  ACTBENCH_HD C fwd(C x) const {
    using M = math<V>;
    if constexpr (detail::kF32<V, C>) {
      return f32_parts<false>()(x);
    } else if constexpr (V == Variant::precise && std::is_same<C, double>::value) {
      return ::fabs(x) <= 20.0 ? fwd_f64_hot(x) : fwd_f64_slow(x);
    } else {
      return eval_fwd<M, C>(x, C(k), C(a));
    }
  }
  /// 16-bit f' next to its zero x0 = -0.7525, where B's terms cancel: u q(u), u = x - x0, on the band |u| < 0.1,
  /// q of degree 3 (2^-20.7; tools/gen_narrow_coeffs.py), for f16 and bf16 alike.  For f16 neither q's error inside
  /// the band nor the SFU's error scaled by the cancellation just outside it (x z' sc / B: ~6 at the band's edges)
  /// is below the 2^-21 that a rounding midpoint leaves an f16 result: that no f16 input lands close enough to a
  /// midpoint for either to matter is what tests/host/test_sfu_model.cpp checks, every input with the SFU at its worst
  /// (f16 f' 0.5004 ulp as with f16's former band, |u| < 0.21 and q of degree 5, two instructions more).
  ACTBENCH_HOT static float deriv_band(float x, float y) {
    constexpr float hi = -0.7524614334106445f, lo = 2.900192264121415e-08f;
    constexpr float q[4] = {-1.136987880e-01f, -1.594854705e-02f, 3.875178397e-01f, 4.304003119e-01f};
    return detail::select_near_zero(x, hi, lo, 0.1f, q, y);
  }
  /// f64 f' next to its zero (kernels/activations.hpp: near_zero_f64), out of line.
  ACTBENCH_COLD static double deriv_near_zero_f64(double x) {
    constexpr double q[23] = {1.7449871378466231e-9, 1.7637802707907463e-9, -1.1961808479724424e-8,
                              -1.6978217459780963e-8, 7.5207409092899302e-8, 1.4157556987729436e-7,
                              -4.3102482988029071e-7, -9.8986477474336415e-7, 2.4335516344299589e-6,
                              5.9186117108939900e-6, -1.5950896871645142e-5, -3.4956171694436044e-5,
                              0.00012425227802639809, 0.00026392764052681032, -0.00092744202302054649,
                              -0.0024227318458750976, 0.0052610592549219184, 0.019682309459833124,
                              -0.016619328343052579, -0.11394448308095902, -0.015782853521848014,
                              0.38751844613578897, 0.43040009102485852};
    return detail::near_zero_f64(x, -0.752461422071016183821, -3.4736916813081852e-17, q);
  }
  template <class C>
  ACTBENCH_HD C deriv(C x) const {
    using M = math<V>;
    if constexpr (detail::kF32<V, C>) {
      return f32_parts<true>()(x);
    } else {
      if constexpr (std::is_same<C, double>::value) {  // next to the zero -0.7525: the expansion
        if (detail::in_zero_band(x, -0.752461422071016183821)) return deriv_near_zero_f64(x);
        if constexpr (V == Variant::precise) return ::fabs(x) <= 20.0 ? deriv_f64_hot(x) : deriv_f64_slow(x);
      }
      return eval_deriv<M, C>(x, C(k), C(a));
    }
  }
  // 16-bit data: with a = |x| and E = e^-|z| (z and x have one sign), sigma(-|z|) = E/(1 + E) and
  //   f  = max(x, 0) - a sigma(-|z|),   f' = s B, B = 1 + sc x z'(x)   (s = sigma(z), sc = sigma(-z)),
  // so the only exponential is E = 2^t, t = -|z| log2(e) = -a g, g = c1 + c3 a^2 (c1 = 2k log2(e), c3 = a_C c1, with
  // k = sqrt(2/pi) and a_C = 0.044715 rounded to f32, as the reference rounds them; c3 rounded to f32).  a^2 is exact
  // (a has at most 11 significant bits; or, bf16 below 2^-63, it is far below ulp(c1)), and gh = fma(c3, a^2, c1')
  // comes with its error gl = fma(c3, a^2, c1' - gh) where c1' - gh is exact: g and then t = -a g come as pairs from
  // 7 instructions (the residual, |tl| < 2^-16 wherever 2^t is nonzero, enters as 2^t (1 + tl ln2)), where z itself as
  // a pair took ~22.  What the pair leaves out is the rest of the constants, v ((c1 - c1') + (c3 - c3f) v^2):
  // - f16 data: c1' is c1 rounded to f32 (c1 - c1' = 2^-23.6), and c1' - gh is exact for gh < 6.3 (below 2 c1' by
  //   Sterbenz's lemma, then |c1' - gh| < 4 on c1''s grid), that is |x| < 6.23, past 5.98, the last |x| where a
  //   gradient can still make dy f' a normal f16.  The rest moves 2^t by at most 2^-23.07 (at |x| = 3.14; 2^-23.81
  //   at 5.98, 0 at 5.44; mpmath).  c1 as c1's high part plus its low part added to gl took one instruction more,
  //   and left only c3's rest: ~0 at small |x| (2^-28 at 1.25) but 2^-22.65 at 4.36 (where f' leaves f16's normals)
  //   and 2^-21.28 at 5.98.  The SFU-worst tests (tests/host/test_sfu_model.cpp) hold: f16 f 0.5006, f' 0.5004,
  //   bwd 0.5005 ulp as before, and bwd 0.5012 (0.5013 before) at the worst of every f16 gradient from 2^-4 up where
  //   f' is below f16's normals (bound 0.50195).  On the cpu (IEEE reciprocal, no SFU error) two f16 inputs of f' move
  //   across a rounding midpoint, to 0.50017 and 0.50007 ulp (x = -1.252, -3.639; the largest stays 0.50024).  With
  //   the reciprocal below unrefined, that bwd reached 0.50196: past its bound.
  // - bf16 data, whose budget is 2^-18, have |x| up to 10.2 where 2^t is nonzero: c1' is c1's high part, a multiple
  //   of 2^-17 (ulp(gh) is 2^-19 at most), so that c1' - gh is exact for every gh in [2, 32) (on the device, bf16's
  //   constants, and so gh and its ulp, are halved: kEx2Arg; the same argument).  The rest moves 2^t by at most
  //   2^-20.05 (at |v| = 6.31; its two parts cancel at 10.93) wherever 2^t is nonzero, whatever the gradient that bwd
  //   multiplies; with the SFU at its worst (tests/host/test_sfu_model.cpp) bf16 f' stays at 0.4999 ulp.
  // |x| is clamped to 16 (NaN kept where needed): past it E is 0 even for bf16.  r = 1/(1 + E) by rcp alone in f
  // (f16 too: with the SFU at its worst, 0.5006 ulp), refined once for f16's f' (unrefined, where E' is small the
  // raw rcp's error enters both factors of f': 0.5009 ulp, which 2^-23.9 more relative error in f' would take past
  // the bound, and the bwd above past it).
  // f' takes E' = e^z itself (x clamped to [-16, 9.5], past which f' rounds to -0 or 1; E' < 2^111): with
  // r' = 1/(1 + E'), sigma(z) = E' r' and sigma(-z) = r' for either sign of x, so
  //   f' = E' r' (1 + r' x z'(x))
  // needs no select.  f' of x < 0 has a zero at -0.7525, where that sum cancels: on a band around
  // it a polynomial is selected (computed for every element: no divergent branch).
  /// narrow_e's constants (see above; tests/host/test_functors.cpp derives them): c1' for f16 data (c1 rounded to f32)
  /// and for bf16 data (c1's high part, a multiple of 2^-17), c3 rounded to f32.
  static constexpr float kNarrowC1F16 = 0x1.26aec2p+1f, kNarrowC1Bf16 = 0x1.26aecp+1f, kNarrowC3 = 0x1.a5a7dp-4f;
  /// 2^(v g(v^2)) = e^(z(v)): e^-|z| for v = -|x|, e^z for v = x; v in [-16, 9.5] (or NaN).
  template <class S>
  ACTBENCH_HOT static float narrow_e(float v) {
    constexpr float s = narrow::kEx2Arg<kTinyResults<S>>;  // folded in (device bf16: halved)
    constexpr float kC1 = (kTinyResults<S> ? kNarrowC1Bf16 : kNarrowC1F16) * s;
    constexpr float kC3 = kNarrowC3 * s;
    const float p = v * v;                                            // exact
    const float gh = ::fmaf(kC3, p, kC1);
    const float gl = ::fmaf(kC3, p, kC1 - gh);                        // kC1 - gh exact (see above)
    const float th = fp::mul(v, gh);                                  // unfused: host and device agree
    const float tl = ::fmaf(v, gl, ::fmaf(v, gh, -th));
    return narrow::exp2_scaled<kTinyResults<S>>(th, tl);
  }
  template <class S>
  ACTBENCH_HOT float fwd_narrow(float x) const {
    const float a = narrow::min_num(::fabsf(x), 16.0f);  // NaN comes through the addend
    const float e = narrow_e<S>(-a);
    const float q = e * narrow::rcp_normal(1.0f + e);  // sigma(-|z|)
    // x < 0 adds -0, so that a flushed product leaves -0; x = -inf: -16 * 0
    return ::fmaf(-a, q, x < 0.0f ? -0.0f : x);
  }
  /// f' takes x in [-16, 9.5] (ElementOp clamps it, NaN kept: kernels/elementwise.hpp).
  template <class S>
  static constexpr narrow::Range deriv_range = {-16.0f, 9.5f};
  template <class S>
  ACTBENCH_HOT float deriv_narrow(float x) const {
    constexpr float kK = 0x1.988454p+0f, kK3 = 0x1.b6676cp-3f;  // 2k, 6k a_C: x z'(x) = x (kK + kK3 x^2)
    const float e = narrow_e<S>(x);  // e^z
    const float r = narrow::recip_one_plus<kTinyResults<S>>(e);
    // x < 0 in the far tail: sigma(z) = +0 and a negative sum give f' = -0, its sign
    const float y = (e * r) * ::fmaf(x * ::fmaf(kK3, x * x, kK), r, 1.0f);
    return deriv_band(x, y);
  }
};
/// textbook gelu_tanh: x/2 (1 + tanh u) (100% error for x < -5 in f32; x^3 overflows f16's range of u).
struct GeluTanhTextbook {
  static constexpr double k = 0.79788456080286535588;  // sqrt(2/pi)
  static constexpr double a = 0.044715;
  template <class C>
  ACTBENCH_HD C fwd(C x) const {
    const C u = C(k) * (x + C(a) * x * x * x);
    return C(0.5) * x * (C(1) + math<Variant::textbook>::tanh(u));
  }
  template <class C>
  ACTBENCH_HD C deriv(C x) const {
    const C u = C(k) * (x + C(a) * x * x * x);
    const C th = math<Variant::textbook>::tanh(u);
    return C(0.5) * (C(1) + th) + C(0.5) * x * (C(1) - th * th) * C(k) * (C(1) + C(3) * C(a) * x * x);
  }
};
struct GeluTanhDef : Def<Activation::gelu_tanh> {
  static constexpr ActivationInfo info = {
      id, "gelu_tanh", nullptr, "0.5*x*(1+tanh(u)), u=sqrt(2/pi)*(x+0.044715*x^3)",
      "0.5*(1+tanh u) + 0.5*x*(1-tanh(u)^2)*du/dx", "x*sigmoid(2u)", "0.5*x*(1+tanh(u))", {}, false, true,
      {kNone, kNone}, -0.7522, {8.0, 140, 140, 0, 0, 0}};
  template <Variant V>
  using functor = GeluTanh<V>;
  using textbook = GeluTanhTextbook;
};

/// mish: f = x tanh(softplus x), f' = tanh(sp) + x sigma(x)(1 - tanh(sp)^2).
/// stable: tanh(sp) = n/(n+2), n = e^x(e^x+2) for x <= 1 (n, n+2 and the quotient compensated);
/// 1 - 2t^2/(1+2t+2t^2), t = e^-x, for x > 1 (f' switches at 0); 1 - tanh^2 likewise from e^x or t (never
/// 1 - y^2); f(-inf) = -0, f'(-inf) = -0.
/// Far tail (e^x subnormal, x e^x not) in double.  Source: Misra 2019; torch.nn.Mish.
template <Variant V>
struct Mish {
  template <bool kDeriv>
  ACTBENCH_HD auto f32_parts() const {
    using namespace f32;
    return pick<kDeriv>(Staged<mish_deriv_cold, mish_deriv_head, mish_deriv_tail, mish_deriv_slow>{},
                        Staged3<mish_cold, mish_pre, exp_sigma_pair<false>, mish_tail, mish_slow>{});
  }
  template <class M, class C>
  static ACTBENCH_HD C eval_fwd(C x) {
    if (x == -M::template infinity<C>()) return C(-0.0);
    if (x <= C(1)) {
      if (x < C(-700)) return detail::k_exp_cold<M>(x, x);  // f64 far tail: tanh(sp) = e^x
      // f = n/(n+2), n = e(e+2), with n and n+2 carried as hi + lo and the division's remainder
      const C e = M::exp(x);
      const auto S = detail::two_sum(C(2), e);
      const C nh = e * S.hi;
      const C nl = M::fma(e, S.hi, -nh) + e * S.lo;
      const auto D = detail::two_sum(nh, C(2));
      const C Dl = D.lo + nl;
      const C q = M::div(nh, D.hi);
      const C r = M::fma(-q, D.hi, nh);
      return x * (q + M::div(r + nl - q * Dl, D.hi));
    }
    const C t = M::exp(-x);
    const C g = M::div(C(2) * t * t, M::fma(C(2) * t, t, C(1) + C(2) * t));
    return x * (C(1) - g);
  }
  template <class M, class C>
  static ACTBENCH_HD C eval_deriv(C x) {
    const C inf = M::template infinity<C>();
    if (x == -inf) return C(-0.0);
    if (x == inf) return C(1);
    if (x <= C(0)) {
      if (x < C(-700)) return detail::k_exp_cold<M>(C(1) + x, x);  // f64 far tail: e^x (1 + x)
      const C e = M::exp(x);
      const C n = fp::mul(e, e + C(2));  // one value for n + 2 and n + 1
      const C n2 = n + C(2);
      const C f = M::div(n, n2);
      // x sigma (1 - f^2) = x e/(1+e) 4(n+1)/(n+2)^2
      const C g = M::div(C(4) * x * e * (n + C(1)), (C(1) + e) * n2 * n2);
      return f + g;
    }
    const C t = M::exp(-x);
    const C D = M::fma(C(2) * t, t, C(1) + C(2) * t);
    const C f = C(1) - M::div(C(2) * t * t, D);
    // x sigma (1 - f^2) = 4 x t^2 (1+t) / D^2
    const C g = M::div(C(4) * (t * t) * x * (C(1) + t), D * D);  // t*t first: x may be ~FLT_MAX
    return f + g;
  }
  /// f64 precise, |x| <= 700: the 16-bit paths' form (below) in double, e = e^-|x| by f64::exp_pair,
  /// f = x N/D with N and D selected and one IEEE quotient: one exponential and one division where
  /// eval_fwd's two sides (each its own exp and divisions) both ran in a warp whose lanes disagree; no libm call,
  /// the same bits on host and device.  Far tails, +-inf, NaN: eval_fwd, out of line.
  /// e^-|x| (|x| <= 700).
  ACTBENCH_HOT static double e_f64(double x) { return f64::exp_pair(-::fabs(x), 0.0); }
  ACTBENCH_HOT static double fwd_f64_hot(double x) {
    const double e = e_f64(x);
    const bool neg = x <= 0.0;
    const double N = neg ? fp::mul(e, fp::add(e, 2.0)) : fp::fma(2.0, e, 1.0);
    const double D = neg ? fp::add(N, 2.0) : fp::fma(fp::mul(2.0, e), e, N);
    return fp::mul(x, N / D);  // IEEE quotient
  }
  ACTBENCH_COLD static double fwd_f64_slow(double x) { return eval_fwd<math<V>, double>(x); }
  /// f64 precise f', |x| <= 700 (next to the zero: deriv_near_zero_f64, before this), from e = e^-|x| as in
  /// fwd_f64_hot and one IEEE reciprocal: one exponential and one division where eval_deriv's two sides (each a libm
  /// exp and two divisions) both ran in a warp whose lanes disagree.  Far tails, +-inf, NaN: eval_deriv, out of line.
  ACTBENCH_HOT static double deriv_f64_hot(double x) {
    const double e = e_f64(x);
    const bool neg = x <= 0.0;
    // x <= 0: f' = e J / D^2, J = (e + 2) D + 4x (1 + e), D = e (e + 2) + 2: J cancels next to the zero, so its
    //   larger term 4x (1 + e) enters exactly (1 + e as a pair, the product inside the fma);
    // x > 0: f' = 1 + e^2 K / D^2, K = 4x (1 + e) - 2D, D = 1 + 2e + 2e^2: a correction to 1.
    // Both as fma(m M, 1/D^2, neg ? 0 : 1), M = a D + 4x (1 + e), m = e or e^2, a = e + 2 or -2.
    const double a = neg ? fp::add(e, 2.0) : -2.0;
    const double D = neg ? fp::fma(e, a, 2.0) : fp::fma(fp::mul(2.0, e), e, fp::fma(2.0, e, 1.0));
    const double r = 1.0 / D;  // IEEE
    const double x4 = fp::mul(4.0, x);
    const double eh = fp::add(1.0, e);
    const double el = fp::sub(e, fp::sub(eh, 1.0));  // 1 + e = eh + el exactly (e <= 1)
    const double M = fp::fma(x4, eh, fp::fma(x4, el, fp::mul(a, D)));
    return fp::fma(fp::mul(neg ? e : fp::mul(e, e), M), fp::mul(r, r), neg ? 0.0 : 1.0);
  }
  ACTBENCH_COLD static double deriv_f64_slow(double x) { return eval_deriv<math<V>, double>(x); }
  template <class C>
  ACTBENCH_HD C fwd(C x) const {
    if constexpr (detail::kF32<V, C>) return f32_parts<false>()(x);  // kernels/f32
    using M = math<V>;
    if constexpr (V == Variant::precise && std::is_same<C, double>::value) {
      return ::fabs(x) <= 700.0 ? fwd_f64_hot(x) : fwd_f64_slow(x);
    }
    return eval_fwd<M, C>(x);
  }
  /// f64 f' next to its zero (kernels/activations.hpp: near_zero_f64), out of line.
  ACTBENCH_COLD static double deriv_near_zero_f64(double x) {
    constexpr double q[22] = {4.8176463002186969e-10, 3.3604012383661332e-9, 6.3895954615089854e-9,
                              -5.4601861730283812e-9, -6.1744243631049071e-8, -1.4117255919499382e-7,
                              2.6879417855557726e-8, 1.0716767027020740e-6, 2.9088199364912222e-6,
                              9.4273613273766512e-7, -1.7299270810304400e-5, -5.5828915673606879e-5,
                              -4.1961496031696129e-5, 0.00025412936386191073, 0.00098981810212891967,
                              0.0010924055409445855, -0.0033606849270232687, -0.015821126561733381,
                              -0.020271822716684246, 0.041907821043609873, 0.20473126408010587,
                              0.26694791404953451};
    return detail::near_zero_f64(x, -1.19243121451549516365, -4.8484829848031046e-17, q);
  }
  template <class C>
  ACTBENCH_HD C deriv(C x) const {
    if constexpr (detail::kF32<V, C>) return f32_parts<true>()(x);  // kernels/f32
    using M = math<V>;
    if constexpr (std::is_same<C, double>::value) {  // next to the zero -1.1924: the expansion
      if (detail::in_zero_band(x, -1.19243121451549516365)) return deriv_near_zero_f64(x);
      if constexpr (V == Variant::precise) return ::fabs(x) <= 700.0 ? deriv_f64_hot(x) : deriv_f64_slow(x);
    }
    return eval_deriv<M, C>(x);
  }
  // 16-bit: with e = e^-|x|, tanh(softplus x) = N/D where
  //   x <= 0: N = e(e+2), D = N + 2;   x > 0: N = 1 + 2e, D = 1 + 2e + 2e^2   (no cancellation)
  // and x sigma(x) (1 - f^2) = 4 x e (N+1) / ((1+e) D^2)  (x <= 0),  4 x e^2 (1+e) / D^2  (x > 0).
  // Next to the zero of f' (-1.1924) f and that term cancel: there f' = u q(u) (detail::select_near_zero).
  // fwd: x = -inf multiplies N/D = 0 as -FLT_MAX, giving -0 (one FMNMX, no branch); NaN propagates through e.
  template <class S>
  ACTBENCH_HOT float fwd_narrow(float x) const {
    const float e = narrow::exp<kTinyResults<S>, false, true>(-::fabsf(x));
    const bool neg = x <= 0.0f;
    const float N = neg ? ::fmaf(e, e, e + e) : ::fmaf(2.0f, e, 1.0f);
    const float D = neg ? N + 2.0f : ::fmaf(2.0f * e, e, N);
    return narrow::max_num(x, -0x1.fffffep127f) * narrow::div(N, D);
  }
  /// The left clamp of x in f': f16 -87, where e^x (2^-125.5) is still normal, so that f' = e (1 + x) + ... keeps its
  /// sign (-2^-119, -0 in f16 also times any f16 gradient); bf16 -104, past e^x's subnormal range, where e = +0 times
  /// a negative sum gives f' its sign, -0 (a clamped nonzero f' would be lifted out of zero by a bf16 gradient up to
  /// 2^128).
  template <class S>
  static constexpr float kDerivFloor = kTinyResults<S> ? -104.0f : -87.0f;
  // deriv: x clamped to [kDerivFloor, 20] (NaN kept), past which f' rounds to -0 or 1 (f' - 1 ~ 2^-51.4 at 20): no
  // branch for +-inf, and exp's own clamp is spared.  With E = e^x itself (not e^-|x|: D ~ E^2 < 2^58 at x = 20), the
  // x <= 0 forms hold for every x: f = N/D, N = E (E + 2), D = N + 2 (for x > 0, N/D = 1 - 2/D keeps its relative
  // accuracy), and x sigma(x) (1 - f^2) = 4 x E (1 + E)/D^2 ((N+1)/(1+E) = 1+E: no division): no select.  Next to
  // the zero the band's polynomial is selected, both computed: no divergent branch.
  /// f' takes x in [kDerivFloor, 20] (ElementOp clamps it, NaN kept: kernels/elementwise.hpp).
  template <class S>
  static constexpr narrow::Range deriv_range = {kDerivFloor<S>, 20.0f};
  template <class S>
  ACTBENCH_HOT float deriv_narrow(float x) const {
    const float e = narrow::exp<kTinyResults<S>, true>(x);
    const float e2 = e + 2.0f;
    const float D = ::fmaf(e, e2, 2.0f);  // N + 2, N = E (E + 2)
    const float rD = kTinyResults<S> ? narrow::rcp_normal(D) : narrow::recip(D);  // bf16: 2^-18 leaves room
    // f' = f + 4 x E (1 + E)/D^2 = E rD ((E + 2) + 4 x (1 + E) rD): where e is 0 (bf16, x clamped to -104) the +0 in
    // front gives f' its sign (the sum is negative there); elsewhere in the left tail (f16: e normal) the sum keeps it
    const float y = (e * rD) * ::fmaf(x * ::fmaf(4.0f, e, 4.0f), rD, e2);
    // next to the zero of f' (tools/gen_narrow_coeffs.py): f16 |x - x0| < 0.25, q of degree 5 (2^-24.3); bf16
    // 0.12, degree 3 (2^-19.2)
    constexpr float hi = -1.1924312114715576f, lo = -3.0439375464652585e-09f;
    if constexpr (kTinyResults<S>) {
      constexpr float q[4] = {-2.033204585e-02f, 4.168020934e-02f, 2.047314793e-01f, 2.669483125e-01f};
      return detail::select_near_zero(x, hi, lo, 0.12f, q, y);
    } else {
      constexpr float q[6] = {-3.252803115e-03f, -1.571700163e-02f, -2.027519047e-02f,
                              4.190536588e-02f,  2.047312856e-01f,  2.669479251e-01f};
      return detail::select_near_zero(x, hi, lo, 0.25f, q, y);
    }
  }
};
/// textbook mish: x tanh(log(1+e^x)) (NaN at +-inf, ~50 ulp tail).
struct MishTextbook {
  template <class C>
  ACTBENCH_HD C fwd(C x) const {
    using M = math<Variant::textbook>;
    return x * M::tanh(M::log(C(1) + M::exp(x)));
  }
  template <class C>
  ACTBENCH_HD C deriv(C x) const {
    using M = math<Variant::textbook>;
    const C e = M::exp(x);
    const C tp = M::tanh(M::log(C(1) + e));
    const C s = e / (C(1) + e);
    return tp + x * s * (C(1) - tp * tp);
  }
};
struct MishDef : Def<Activation::mish> {
  static constexpr ActivationInfo info = {
      id, "mish", nullptr, "x*tanh(softplus(x))", "tanh(sp) + x*sigmoid(x)*(1-tanh(sp)^2)", "x*n/(n+2), n=e^x(e^x+2)",
      "x*tanh(log(1+exp(x)))", {}, false, true, {kNone, kNone}, -1.1920928955078125,
      {10.0, 140, 140, 0, 0, 0}};
  template <Variant V>
  using functor = Mish<V>;
  using textbook = MishTextbook;
};


}  // namespace actbench
