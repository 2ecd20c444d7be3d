// actbench/kernels/activations.hpp - one functor per activation: forward and derivative.
//
// Shape (every activation):
//   template <Variant V> struct Name {
//     <parameters as double members, PyTorch's defaults>
//     template <class C> ACTBENCH_HD C fwd(C x) const;    // f(x),  C = float or double
//     template <class C> ACTBENCH_HD C deriv(C x) const;  // f'(x)
//   };
// C is the compute type (float for f32/f16/bf16 data, double for f64).  Parameters are rounded
// to C once (C(alpha)), and the host reference uses the same rounded values.
// V picks the formulas (textbook vs stable) and, through math<V>, the primitives:
//   precise   the stable formulas of ACCURACY.md on library math.  On f32 data sigmoid, tanh, elu, selu,
//             celu, softplus, swish and mish (f and f') run kernels/f32/activations.hpp (float only, <= 2 ulp
//             on every input: see kF32 below); gelu and gelu_tanh' evaluate in double (kWide), gelu_tanh's f
//             only below -10.
//   fast      the same stable formulas on math<fast> (device intrinsics), always in C.
//   textbook  the naive formulas (ACCURACY.md's table), kept to show what the check catches.
// 16-bit data (f16, bf16): where the stable f32 formula costs more than the ~20-30 instructions a
// 16-bit element may spend at H100/H200 bandwidth, a functor also has
//   template <class S> ACTBENCH_HD float fwd_narrow(float x) const;   // S = f16_t or bf16_t
//   template <class S> ACTBENCH_HD float deriv_narrow(float x) const;
// built on narrow.hpp (SFU exp2/rcp with exact argument reduction, series instead of log1pf/expm1f,
// no double): an f32 error of a few ulp is 2^-13 (f16) / 2^-16 (bf16) of the 16-bit ulp.  precise and
// fast share it (for 16-bit data fast is precise); textbook keeps its formulas (elementwise.hpp never
// calls the narrow path of a textbook functor).
// Special values follow the reference's conventions (harness/reference.hpp): NaN propagates
// (also through derivatives), +-inf give the limits with the sign of the approach (silu(-inf) = -0).
// Functors are small, copyable, and know nothing of buffers, launches or the harness.
#pragma once

#include "catalog.hpp"
#include "config.hpp"
#include "f32/activations.hpp"
#include "math.hpp"
#include "narrow.hpp"

#include <cstdint>
#include <type_traits>

namespace actbench {

namespace detail {

/// A zero result takes the sign of `x` (for functions whose vanishing tails have the sign of x).
ACTBENCH_HD float zero_sign_of(float y, float x) { return y == 0.0f ? ::copysignf(0.0f, x) : y; }

/// The type a precise float functor evaluates a formula in where float is not enough: double.
/// Fast and textbook never widen; double data has nothing wider on the device.
template <Variant V, class C>
inline constexpr bool kWide = V == Variant::precise && std::is_same<C, float>::value;

/// The precise variant on f32 data of the exp-family activations: kernels/f32/activations.hpp (float only,
/// <= 2 ulp on every input, the same bits on host and device).
template <Variant V, class C>
inline constexpr bool kF32 = V == Variant::precise && std::is_same<C, float>::value;

template <class C>
ACTBENCH_HD bool is_nan(C x) {
  return x != x;
}

/// A value with its rounding error: hi + lo (|lo| <= ulp(hi)/2 up to the helper's rounding).
template <class C>
struct Pair {
  C hi, lo;
};

/// a*b exactly as hi + lo (fma).
template <class M, class C>
ACTBENCH_HD Pair<C> mul_exact(C a, C b) {
  const C hi = a * b;
  return {hi, M::fma(a, b, -hi)};
}

/// sigma(z) and 1 - sigma(z) = sigma(-z), both accurate: e = exp(-|z|), p = 1/(1+e), q = e/(1+e).
template <class C>
struct Sig {
  C s, sc;  ///< sigma(z), sigma(-z)
};
/// Both quotients are correctly rounded up to e's own error: the rounding of d = 1+e (dl = (1-d)+e,
/// exact) and each division's remainder (fma) are carried into a final correction:
/// a/(d+dl) = q0 + (a - q0 d - q0 dl)/d.
template <class M, class C>
ACTBENCH_HD Sig<C> sig(C z) {
  const C e = M::exp(-M::fabs(z));
  const C d = C(1) + e;
  const C dl = (C(1) - d) + e;
  const C p0 = M::div(C(1), d);
  const C q0 = M::div(e, d);
  const C p = M::fma(M::fma(-p0, d, C(1)) - p0 * dl, p0, p0);
  const C q = M::fma(M::fma(-q0, d, e) - q0 * dl, p0, q0);
  return z >= C(0) ? Sig<C>{p, q} : Sig<C>{q, p};
}

/// k * e^a for k of moderate size, without losing bits to a subnormal e^a when k*e^a is normal:
/// for double below -700 it is (k e^(a/2)) e^(a/2).  (The float precise paths widen instead.)
template <class M, class C>
ACTBENCH_HD C k_exp(C k, C a) {
  if constexpr (std::is_same<C, double>::value) {
    if (a < C(-700)) {  // e^a = e^(a+700) e^-700; a+700 is exact; e^-700 = kE700 (1 + kE700c)
      constexpr double kE700 = 9.8596765437597708e-305, kE700c = 8.6188721006753665e-18;
      C m = k * M::exp(a + C(700));
      m = M::fma(m, C(kE700c), m);
      return m * C(kE700);
    }
  }
  return k * M::exp(a);
}

/// sigma'(z) = e/(1+e)^2, e = exp(-|z|), with the roundings of d = 1+e and of d*d compensated:
/// (d+dl)^2 = dd + (ddl + 2 d dl) exactly to first order, e/(dd + D) = (e/dd)(1 - D/dd).
template <class M, class C>
ACTBENCH_HD C sigmoid_deriv(C z) {
  const C e = M::exp(-M::fabs(z));
  const C d = C(1) + e;
  const C dl = (C(1) - d) + e;  // exact (Fast2Sum, 1 >= e)
  const C dd = d * d;
  const C D = M::fma(d, d, -dd) + C(2) * d * dl;
  const C y = M::div(e, dd);
  return M::fma(y, -M::div(D, dd), y);
}

/// f'(x) = u q(u) next to a zero x0 = hi + lo of f' (16-bit paths): u = (x - hi) - lo, x - hi exact
/// for x in [hi/2, 2 hi]; q of degree 9, coefficients highest first (tools/gen_narrow_coeffs.py).
ACTBENCH_HD float near_zero(float x, float hi, float lo, const float (&q)[10]) {
  const float u = (x - hi) - lo;
  float p = q[0];
  for (int k = 1; k < 10; ++k) p = ::fmaf(p, u, q[k]);  // a constant trip count: unrolled by nvcc
  return u * p;
}

/// -x/sqrt2 as a pair: 1/sqrt2 = kR2H + kR2L.
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

}  // namespace detail

namespace detail {

/// b*x as hi + lo with lo = 0 where hi is not finite (so an overflowed or infinite product
/// carries no NaN into the correction terms).
template <class M, class C>
ACTBENCH_HD Pair<C> scaled(C b, C x) {
  const C hi = b * x;
  const C lo = (hi - hi == C(0)) ? M::fma(b, x, -hi) : C(0);
  return {hi, lo};
}

/// (s + sl) / 6 rounded once (up to the tiny error of sl): q = s/6, r = s - 6q exactly.
template <class M, class C>
ACTBENCH_HD C div6(C s, C sl) {
  const C q = M::div(s, C(6));
  const C r = M::fma(-q, C(6), s);
  const C c = (r + sl) * C(0.16666666666666666);
  return c == C(0) ? q : q + c;  // keeps the sign of a zero q
}

/// a + b exactly as hi + lo (TwoSum).
template <class C>
ACTBENCH_HD Pair<C> two_sum(C a, C b) {
  const C s = a + b;
  const C bb = s - a;
  return {s, (a - (s - bb)) + (b - bb)};
}

}  // namespace detail

/// relu: f = max(x, 0), f' = [x > 0].  relu(-0) = +0 and f'(0) = 0 as PyTorch; NaN propagates.
/// No textbook form (every variant is this).
template <Variant V>
struct Relu {
  template <class C>
  ACTBENCH_HD C fwd(C x) const {
    return x > C(0) ? x : (x != x ? x : C(0));
  }
  template <class C>
  ACTBENCH_HD C deriv(C x) const {
    return x > C(0) ? C(1) : (x != x ? x : C(0));
  }
};

/// relu6: f = min(max(x, 0), 6), f' = [0 < x < 6] (0 at both break points, as PyTorch).
/// No textbook form.
template <Variant V>
struct Relu6 {
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

/// leaky_relu(alpha): f = x > 0 ? x : alpha*x, f' = x > 0 ? 1 : alpha (alpha at 0, as PyTorch).
/// One rounded multiply; leaky(-0) = alpha*(-0).  No textbook form.
template <Variant V>
struct LeakyRelu {
  double alpha = 0.01;
  template <class C>
  ACTBENCH_HD C fwd(C x) const {
    return x > C(0) ? x : C(alpha) * x;
  }
  template <class C>
  ACTBENCH_HD C deriv(C x) const {
    if (x != x) return x;
    return x > C(0) ? C(1) : C(alpha);
  }
};

/// i mod d without a division: for 0 <= i < 2^31 a multiply-high and a shift (Granlund & Montgomery
/// 1994, the form of PyTorch's IntDivider): q = (umulhi(i, m) + i) >> s, 2^(s-1) < d <= 2^s,
/// m = 2^32 (2^s - d)/d + 1; larger i (never on a GPU-sized buffer) take the 64-bit remainder.
struct ChannelOf {
  std::int64_t d = 1;
  std::uint32_t m = 1;
  unsigned s = 0;
  ChannelOf() = default;
  explicit ChannelOf(std::int64_t channels) : d(channels < 1 ? 1 : channels) {
    while (s < 31 && (std::int64_t{1} << s) < d) ++s;
    m = static_cast<std::uint32_t>(((std::uint64_t{1} << 32) * ((std::uint64_t{1} << s) - std::uint64_t(d))) /
                                       std::uint64_t(d) + 1);
  }
  ACTBENCH_HD std::int64_t operator()(std::int64_t i) const {
    if (i >= 0 && i < (std::int64_t{1} << 31) && d < (std::int64_t{1} << 31)) {
      const auto n = static_cast<std::uint32_t>(i);
#if ACTBENCH_DEVICE_PASS
      const std::uint32_t t = __umulhi(n, m);
#else
      const auto t = static_cast<std::uint32_t>((std::uint64_t{n} * m) >> 32);
#endif
      const std::uint32_t q = (t + n) >> s;
      return static_cast<std::int64_t>(n - q * static_cast<std::uint32_t>(d));
    }
    return i % d;
  }
};

/// prelu: leaky_relu with a learned slope per channel: element i uses alpha[i % channels].
/// channel(i) returns that leaky_relu (elementwise.hpp detects per-channel activations by it).
/// alpha == nullptr means every channel has the slope init_alpha (Params::prelu_alpha).
/// fwd/deriv without an index use channel 0.  No textbook form.
template <Variant V>
struct Prelu {
  const float* alpha = nullptr;
  std::int64_t channels = 1;
  ChannelOf channel_of{};  ///< i % channels; set_channels() keeps the two in step
  double init_alpha = 0.25;
  void set_channels(std::int64_t c) {
    channels = c;
    channel_of = ChannelOf(c);
  }
  ACTBENCH_HD LeakyRelu<V> channel(std::int64_t i) const {
    LeakyRelu<V> f;
    f.alpha = alpha != nullptr ? double(alpha[channel_of(i)]) : init_alpha;
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

/// elu(alpha): f = x > 0 ? x : alpha*(e^x - 1), f' = x > 0 ? 1 : alpha*e^x.
/// stable: alpha*expm1(x).  textbook: alpha*(exp(x) - 1) (cancellation near 0); derivative from
/// the output, y + alpha (~5e3 ulp at x = -10).  Source: Clevert et al. 2015; torch.nn.ELU.
template <Variant V>
struct Elu {
  double alpha = 1.0;
  template <class C>
  ACTBENCH_HD C fwd(C x) const {
    if constexpr (detail::kF32<V, C>) return f32::elu(x, float(alpha));  // kernels/f32
    using M = math<V>;
    if (x > C(0)) return x;
    if constexpr (V == Variant::textbook) {
      return C(alpha) * (M::exp(x) - C(1));
    } else {
      return C(alpha) * M::expm1(x);
    }
  }
  template <class C>
  ACTBENCH_HD C deriv(C x) const {
    if constexpr (detail::kF32<V, C>) return f32::elu_deriv(x, float(alpha));  // kernels/f32
    using M = math<V>;
    if (x > C(0)) return C(1);
    if constexpr (V == Variant::textbook) {
      return fwd(x) + C(alpha);
    } else {
      return detail::k_exp<M>(C(alpha), x);
    }
  }
  template <class S>
  ACTBENCH_HD float fwd_narrow(float x) const {
    return x > 0.0f ? x : float(alpha) * narrow::expm1(x);
  }
  template <class S>
  ACTBENCH_HD float deriv_narrow(float x) const {
    return x > 0.0f ? 1.0f : float(alpha) * narrow::exp<kTinyResults<S>>(x);
  }
};

/// selu: f = lambda*(x > 0 ? x : alpha*(e^x - 1)), f' = lambda*(x > 0 ? 1 : alpha*e^x),
/// alpha = 1.6732632423543772848, lambda = 1.0507009873554804934 (each rounded to C).
/// stable: (lambda*alpha as an exact hi+lo product) * expm1(x), one rounding.
/// textbook: lambda*alpha*(exp(x) - 1); derivative from the output, y + lambda*alpha.
/// Source: Klambauer et al. 2017; torch.nn.SELU.
template <Variant V>
struct Selu {
  double alpha = 1.6732632423543772848170429916717;
  double lambda = 1.0507009873554804934193349852946;
  template <class C>
  ACTBENCH_HD C fwd(C x) const {
    if constexpr (detail::kF32<V, C>) return f32::selu(x);  // kernels/f32
    using M = math<V>;
    if (x > C(0)) return C(lambda) * x;
    const auto la = detail::mul_exact<M>(C(lambda), C(alpha));
    if constexpr (V == Variant::textbook) {
      return la.hi * (M::exp(x) - C(1));
    } else {
      const C em = M::expm1(x);
      return M::fma(la.hi, em, la.lo * em);
    }
  }
  template <class C>
  ACTBENCH_HD C deriv(C x) const {
    if constexpr (detail::kF32<V, C>) return f32::selu_deriv(x);  // kernels/f32
    using M = math<V>;
    if (x > C(0)) return C(lambda);
    const auto la = detail::mul_exact<M>(C(lambda), C(alpha));
    if constexpr (V == Variant::textbook) {
      return fwd(x) + la.hi;
    } else {
      return detail::k_exp<M>(la.hi, x) + detail::k_exp<M>(la.lo, x);
    }
  }
  // 16-bit: lambda*alpha rounded to f32 once (2^-24, far below a 16-bit ulp).
  template <class S>
  ACTBENCH_HD float fwd_narrow(float x) const {
    return x > 0.0f ? float(lambda) * x : (float(lambda) * float(alpha)) * narrow::expm1(x);
  }
  template <class S>
  ACTBENCH_HD float deriv_narrow(float x) const {
    return x > 0.0f ? float(lambda) : (float(lambda) * float(alpha)) * narrow::exp<kTinyResults<S>>(x);
  }
};

/// celu(alpha): f = x > 0 ? x : alpha*(e^(x/alpha) - 1), f' = x > 0 ? 1 : e^(x/alpha).
/// stable: alpha*expm1(x/alpha) with the rounding of x/alpha corrected to first order
/// (q + ql = x/alpha, expm1(q + ql) = expm1(q) + e^q ql).  textbook: alpha*(exp(x/alpha) - 1);
/// derivative from the output, y/alpha + 1.  Source: Barron 2017; torch.nn.CELU.
template <Variant V>
struct Celu {
  double alpha = 1.0;
  template <class C>
  ACTBENCH_HD C fwd(C x) const {
    if constexpr (detail::kF32<V, C>) return f32::celu(x, float(alpha));  // kernels/f32
    using M = math<V>;
    if (x > C(0)) return x;
    const C a = C(alpha);
    if constexpr (V == Variant::textbook) {
      return a * (M::exp(x / a) - C(1));
    } else {
      const C q = M::div(x, a);
      const C ql = (q - q == C(0)) ? M::div(M::fma(-q, a, x), a) : C(0);
      const C em = M::expm1(q);
      return a * (ql != C(0) ? M::fma(em + C(1), ql, em) : em);
    }
  }
  template <class C>
  ACTBENCH_HD C deriv(C x) const {
    if constexpr (detail::kF32<V, C>) return f32::celu_deriv(x, float(alpha));  // kernels/f32
    using M = math<V>;
    if (x > C(0)) return C(1);
    const C a = C(alpha);
    if constexpr (V == Variant::textbook) {
      return fwd(x) / a + C(1);
    } else {
      const C q = M::div(x, a);
      const C ql = (q - q == C(0)) ? M::div(M::fma(-q, a, x), a) : C(0);
      const C e = M::exp(q);
      return M::fma(e, ql, e);
    }
  }
  // 16-bit: q = x/alpha by narrow::div; the derivative carries q's rounding (e^q's tail needs it).
  template <class S>
  ACTBENCH_HD float fwd_narrow(float x) const {
    if (x > 0.0f || x == 0.0f) return x;
    const float a = float(alpha);
    if (x == -INFINITY) return -a;
    return a * narrow::expm1(narrow::div(x, a));
  }
  template <class S>
  ACTBENCH_HD float deriv_narrow(float x) const {
    if (x > 0.0f) return 1.0f;
    if (x == -INFINITY) return 0.0f;
    const float a = float(alpha);
    const float q = narrow::div(x, a);
    const float ql = (q - q == 0.0f) ? ::fmaf(-q, a, x) * narrow::rcp(a) : 0.0f;
    const float e = narrow::exp<kTinyResults<S>>(q);
    return ::fmaf(e, ql, e);
  }
};

/// softplus(beta): f = log(1 + e^(beta x))/beta, f' = sigma(beta x).
/// stable: z = beta x (exact as hi + lo), (max(z,0) + log1p(e^-|z|) + sigma(z) lo)/beta, and x
/// itself once z > 24 (f32) / 40 (f64) (the log1p term is below half an ulp; beta x may overflow).
/// f' = sigma(z) + sigma(z) sigma(-z) lo with the stable sigma.
/// textbook: log(1 + exp(beta x))/beta (inf past 88.7, ~1e7 ulp at -20); f' = e^z/(1+e^z).
/// Source: Dugas et al. 2001; torch.nn.Softplus (whose threshold=20 returns x).
template <Variant V>
struct Softplus {
  double beta = 1.0;

  template <class M, class C>
  static ACTBENCH_HD C eval_fwd(C x, C b) {
    const auto z = detail::scaled<M>(b, x);
    if (z.hi > C(sizeof(C) == 4 ? 24 : 40)) return x;
    const C e = M::exp(-M::fabs(z.hi));
    if (z.hi < C(-700)) return detail::k_exp<M>(M::div(C(1) + z.lo, b), z.hi);  // f64 far tail
    const C l = M::log1p(e);
    const C m = z.hi > C(0) ? z.hi : C(0);
    C s = m + l;
    if (z.lo != C(0)) s += M::div(z.lo * (z.hi > C(0) ? C(1) : e), C(1) + e);
    return b == C(1) ? s : M::div(s, b);
  }
  template <class C>
  ACTBENCH_HD C fwd(C x) const {
    if constexpr (detail::kF32<V, C>) return f32::softplus(x, float(beta));  // kernels/f32
    using M = math<V>;
    const C b = C(beta);
    if constexpr (V == Variant::textbook) {
      return M::log(C(1) + M::exp(b * x)) / b;
    } else {
      return eval_fwd<M, C>(x, b);
    }
  }
  template <class C>
  ACTBENCH_HD C deriv(C x) const {
    if constexpr (detail::kF32<V, C>) return f32::softplus_deriv(x, float(beta));  // kernels/f32
    using M = math<V>;
    const C b = C(beta);
    if constexpr (V == Variant::textbook) {
      const C e = M::exp(b * x);
      return e / (C(1) + e);
    } else {
      const auto z = detail::scaled<M>(b, x);
      const auto s = detail::sig<M>(z.hi);
      return z.lo != C(0) ? M::fma(s.s * s.sc, z.lo, s.s) : s.s;
    }
  }
  // 16-bit: max(z, 0) + log1p(e^-|z|) with narrow::exp and the atanh series; beta != 1 adds the
  // rounding of beta x (times sigma(z)) and divides by beta.
  template <class S>
  ACTBENCH_HD float fwd_narrow(float x) const {
    const float b = float(beta);
    const float z = b * x;
    if (z > 24.0f) return x;
    const float e = narrow::exp<kTinyResults<S>>(-::fabsf(z));
    float s = (z > 0.0f ? z : 0.0f) + narrow::log1p_unit(e);
    if (b != 1.0f) {
      const float zl = detail::scaled<math<Variant::precise>>(b, x).lo;
      s = ::fmaf(zl, narrow::div(z > 0.0f ? 1.0f : e, 1.0f + e), s);
      s = narrow::div(s, b);
    }
    return s;
  }
  template <class S>
  ACTBENCH_HD float deriv_narrow(float x) const {
    const float b = float(beta);
    const float z = b * x;
    const auto g = narrow::sig<kTinyResults<S>>(z);
    if (b == 1.0f) return g.s;
    const float zl = detail::scaled<math<Variant::precise>>(b, x).lo;
    return ::fmaf(g.s * g.sc, zl, g.s);
  }
};

/// sigmoid: f = 1/(1+e^-x), f' = f(1-f).
/// stable: x>=0: 1/(1+e^-x); x<0: e^x/(1+e^x).  f' = e^-|x|/(1+e^-|x|)^2 with the roundings of
/// 1+e and its square compensated.
/// textbook: 1/(1+e^-x) (0 for -103.97<x<-88.72 in f32); f' = y(1-y) (0 past x>17.3).
template <Variant V>
struct Sigmoid {
  template <class C>
  ACTBENCH_HD C fwd(C x) const {
    if constexpr (detail::kF32<V, C>) return f32::sigmoid(x);  // kernels/f32
    using M = math<V>;
    if constexpr (V == Variant::textbook) {
      return C(1) / (C(1) + M::exp(-x));
    } else {
      const C e = M::exp(-M::fabs(x));  // e^-|x| in (0, 1]
      return M::div(x >= C(0) ? C(1) : e, C(1) + e);
    }
  }
  template <class C>
  ACTBENCH_HD C deriv(C x) const {
    if constexpr (detail::kF32<V, C>) return f32::sigmoid_deriv(x);  // kernels/f32
    using M = math<V>;
    if constexpr (V == Variant::textbook) {
      const C y = fwd(x);
      return y * (C(1) - y);
    } else {
      return detail::sigmoid_deriv<M>(x);
    }
  }
  template <class S>
  ACTBENCH_HD float fwd_narrow(float x) const {
    return narrow::sig<kTinyResults<S>>(x).s;
  }
  template <class S>
  ACTBENCH_HD float deriv_narrow(float x) const {
    const auto g = narrow::sig<kTinyResults<S>>(x);  // sigma(x) sigma(-x) = e r^2
    return (g.e * g.r) * g.r;
  }
};

/// hardsigmoid: f = clamp(x/6 + 1/2, 0, 1), f' = -3 < x < 3 ? 1/6 : 0 (0 at +-3, as PyTorch).
/// stable: (clamp(x, -3, 3) + 3)/6 with the sum's rounding carried into one correctly rounded
/// division (x + 3 is exact near -3 anyway).  No textbook form.  Source: torch.nn.Hardsigmoid.
template <Variant V>
struct Hardsigmoid {
  template <class C>
  ACTBENCH_HD C fwd(C x) const {
    using M = math<V>;
    if (x != x) return x;
    const C c = x < C(-3) ? C(-3) : (x > C(3) ? C(3) : x);
    const C s = c + C(3);
    const C sl = (C(3) - s) + c;  // Fast2Sum: |3| >= |c|
    return detail::div6<M>(s, sl);
  }
  template <class C>
  ACTBENCH_HD C deriv(C x) const {
    if (x != x) return x;
    return (x > C(-3) && x < C(3)) ? C(1) / C(6) : C(0);
  }
  // 16-bit: (c + 3) * (1/6), two roundings in f32.
  template <class S>
  ACTBENCH_HD float fwd_narrow(float x) const {
    if (x != x) return x;
    const float c = x < -3.0f ? -3.0f : (x > 3.0f ? 3.0f : x);
    return (c + 3.0f) * (1.0f / 6.0f);
  }
  template <class S>
  ACTBENCH_HD float deriv_narrow(float x) const {
    return deriv(x);
  }
};

/// tanh: f = tanh x, f' = 1 - tanh^2 x = 4t/(1+t)^2, t = e^-2|x| (= 4 sigma'(2x)).
/// stable: the library tanh (tanh.approx on fast); f' from t, never from the output.
/// textbook: 2 sigma(2x) - 1 (~600 ulp at 1e-3, ~1e7 at 1e-8); f' = 1 - y^2 (0 past 9 in f32).
template <Variant V>
struct Tanh {
  template <class C>
  ACTBENCH_HD C fwd(C x) const {
    if constexpr (detail::kF32<V, C>) return f32::tanh(x);  // kernels/f32
    using M = math<V>;
    if constexpr (V == Variant::textbook) {
      return C(2) / (C(1) + M::exp(C(-2) * x)) - C(1);
    } else {
      return M::tanh(x);
    }
  }
  template <class C>
  ACTBENCH_HD C deriv(C x) const {
    if constexpr (detail::kF32<V, C>) return f32::tanh_deriv(x);  // kernels/f32
    using M = math<V>;
    if constexpr (V == Variant::textbook) {
      const C y = fwd(x);
      return C(1) - y * y;
    } else {
      const C a = M::fabs(x);
      if (a > C(sizeof(C) == 4 ? 40 : 350)) return detail::k_exp<M>(C(4), C(-2) * a);
      return C(4) * detail::sigmoid_deriv<M>(C(2) * x);
    }
  }
  // 16-bit: the library tanh (its f32 error is far below a 16-bit ulp); f' = 4 sigma(2x) sigma(-2x) = 4 e r^2,
  // e = e^-2|x|.
  template <class S>
  ACTBENCH_HD float fwd_narrow(float x) const {
    return math<V>::tanh(x);
  }
  template <class S>
  ACTBENCH_HD float deriv_narrow(float x) const {
    const auto g = narrow::sig<kTinyResults<S>>(2.0f * x);
    return (4.0f * g.e * g.r) * g.r;
  }
};

/// softsign: f = x/(1+|x|), f' = 1/(1+|x|)^2.
/// stable: |x| <= 1: |x|/(1+|x|) with the rounding of 1+|x| compensated; |x| > 1: 1 - 1/(1+|x|)
/// (finite at inf); sign copied.  f' = (1/d)^2 from r = 1/d and its exact residual, one rounding.
/// No textbook form.  Source: Bergstra et al. 2009; torch.nn.Softsign.
template <Variant V>
struct Softsign {
  template <class C>
  ACTBENCH_HD C fwd(C x) const {
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
  ACTBENCH_HD float fwd_narrow(float x) const {
    const float a = ::fabsf(x);
    const float r = a > 0x1p30f ? 1.0f : narrow::div(a, 1.0f + a);
    return ::copysignf(r, x);
  }
  template <class S>
  ACTBENCH_HD float deriv_narrow(float x) const {
    float a = ::fabsf(x);
    a = a > 0x1p100f ? 0x1p100f : a;  // keeps NaN; 1/(1+2^100)^2 rounds to 0
    const float r = narrow::recip(1.0f + a);
    return r * r;
  }
};

/// swish(beta) (beta = 1: silu): f = x sigma(beta x), f' = s + beta x s (1 - s), s = sigma(beta x).
/// stable: z = beta x exact as hi + lo, x (s + s(1-s) lo) with the stable sigma; f(-inf) = -0;
/// f' = s + z s(1-s) (+ its first-order lo term).  Far tails (e^z subnormal, x e^z not) in
/// double.  textbook: x/(1+e^-beta x) (NaN at -inf, -0 in the tail); f' = s(1 + beta x (1-s)).
/// Source: Ramachandran et al. 2017; Elfwing et al. 2017; torch.nn.SiLU.
template <Variant V>
struct Swish {
  double beta = 1.0;

  template <class M, class C>
  static ACTBENCH_HD C eval_fwd(C x, C b) {
    if (x == -M::template infinity<C>()) return C(-0.0);
    const auto z = detail::scaled<M>(b, x);
    if (z.hi < C(-700)) return detail::k_exp<M>(M::fma(x, z.lo, x), z.hi);  // f64 far tail
    const auto s = detail::sig<M>(z.hi);
    return x * (z.lo != C(0) ? M::fma(s.s * s.sc, z.lo, s.s) : s.s);
  }
  template <class M, class C>
  static ACTBENCH_HD C eval_deriv(C x, C b) {
    const C inf = M::template infinity<C>();
    if (x == -inf) return C(-0.0);
    if (x == inf) return C(1);
    const auto z = detail::scaled<M>(b, x);
    if (z.hi < C(-700)) return detail::k_exp<M>(M::fma(C(2) + z.hi, z.lo, C(1) + z.hi), z.hi);
    const auto s = detail::sig<M>(z.hi);
    const C t = s.s * s.sc;
    C y = M::fma(z.hi, t, s.s);
    if (z.lo != C(0)) y = M::fma(t * (C(2) + z.hi * (s.sc - s.s)), z.lo, y);
    return y;
  }
  template <class C>
  ACTBENCH_HD C fwd(C x) const {
    if constexpr (detail::kF32<V, C>) return f32::swish(x, float(beta));  // kernels/f32
    using M = math<V>;
    const C b = C(beta);
    if constexpr (V == Variant::textbook) {
      return x / (C(1) + M::exp(-b * x));
    } else {
      return eval_fwd<M, C>(x, b);
    }
  }
  template <class C>
  ACTBENCH_HD C deriv(C x) const {
    if constexpr (detail::kF32<V, C>) return f32::swish_deriv(x, float(beta));  // kernels/f32
    using M = math<V>;
    const C b = C(beta);
    if constexpr (V == Variant::textbook) {
      const C s = C(1) / (C(1) + M::exp(-b * x));
      return s * (C(1) + b * x * (C(1) - s));
    } else {
      return eval_deriv<M, C>(x, b);
    }
  }
  // 16-bit: x sigma(z), f' = s + z s (1-s), narrow sigma; beta != 1 adds the rounding of z = beta x.
  // Next to the zero of f' (beta = 1: -1.2785) the terms cancel: there f' = u q(u) (near_zero).
  template <class S>
  ACTBENCH_HD float fwd_narrow(float x) const {
    if (x == -INFINITY) return -0.0f;
    const float b = float(beta);
    const float z = b * x;
    const auto g = narrow::sig<kTinyResults<S>>(z);
    if (b == 1.0f) return x * g.s;
    const float zl = detail::scaled<math<Variant::precise>>(b, x).lo;
    return x * ::fmaf(g.s * g.sc, zl, g.s);
  }
  template <class S>
  ACTBENCH_HD float deriv_narrow(float x) const {
    if (x == -INFINITY) return -0.0f;
    if (x == INFINITY) return 1.0f;
    const float b = float(beta);
    if (b == 1.0f && x > -1.6f && x < -1.0f) {  // next to the zero of f' (tools/gen_narrow_coeffs.py)
      constexpr float q[10] = {-2.851638237e-05f, -4.148722292e-05f, 1.855430455e-04f,  7.985641132e-04f,
                               1.266359759e-04f,  -6.606590468e-03f, -1.522265561e-02f, 1.887481473e-02f,
                               1.466487944e-01f,  2.178117037e-01f};
      return detail::near_zero(x, -1.2784645557403564f, 1.2979282537628478e-08f, q);
    }
    const float z = b * x;
    const auto g = narrow::sig<kTinyResults<S>>(z);
    const float y = detail::zero_sign_of(::fmaf(z * g.s, g.sc, g.s), x);  // f' < 0 in the left tail
    if (b == 1.0f) return y;
    const float zl = detail::scaled<math<Variant::precise>>(b, x).lo;
    return ::fmaf(g.s * g.sc * (2.0f + z * (g.sc - g.s)), zl, y);
  }
};

/// hardswish: f = x clamp(x+3, 0, 6)/6, f' = x < -3 ? 0 : x > 3 ? 1 : (2x+3)/6 (the (2x+3)/6
/// branch on the closed [-3, 3], as PyTorch).
/// stable: x >= 3: x (never x*6: no overflow); x <= -3: x*0 = -0; else x(x+3)/6 with the roundings
/// of x+3 and the product carried into one division.  f' = (2x+3)/6 from the exact sum.
/// textbook: x*clamp(x+3,0,6)/6 as written (inf for x > 5.7e37); f' = x/3 + 0.5 (cancels at -1.5).
/// Source: Howard et al. 2019 (MobileNetV3); torch.nn.Hardswish.
template <Variant V>
struct Hardswish {
  template <class C>
  ACTBENCH_HD C fwd(C x) const {
    using M = math<V>;
    if constexpr (V == Variant::textbook) {
      C t = x + C(3);
      t = t < C(0) ? C(0) : (t > C(6) ? C(6) : t);
      return x * t / C(6);
    } else {
      if (x >= C(3)) return x;
      if (x <= C(-3)) return C(-0.0);
      const C t = x + C(3);
      const C tl = (C(3) - t) + x;  // Fast2Sum: |x| < 3
      const C p = x * t;
      const C pl = M::fma(x, t, -p) + x * tl;
      return detail::div6<M>(p, pl);
    }
  }
  template <class C>
  ACTBENCH_HD C deriv(C x) const {
    using M = math<V>;
    if (x < C(-3)) return C(0);
    if (x > C(3)) return C(1);
    if constexpr (V == Variant::textbook) {
      return x / C(3) + C(0.5);
    } else {
      const auto n = detail::two_sum(C(2) * x, C(3));
      return detail::div6<M>(n.hi, n.lo);
    }
  }
  // 16-bit: x (x+3) * (1/6) and (2x+3) * (1/6) in f32 (a few roundings of 2^-24).
  template <class S>
  ACTBENCH_HD float fwd_narrow(float x) const {
    if (x >= 3.0f) return x;
    if (x <= -3.0f) return -0.0f;
    return (x * (x + 3.0f)) * (1.0f / 6.0f);
  }
  template <class S>
  ACTBENCH_HD float deriv_narrow(float x) const {
    if (x < -3.0f) return 0.0f;
    if (x > 3.0f) return 1.0f;
    return ::fmaf(2.0f, x, 3.0f) * (1.0f / 6.0f);
  }
};

/// gelu (erf): f = x Phi(x) = x/2 (1 + erf(x/sqrt2)), f' = Phi(x) + x phi(x).
/// stable: x/2 erfc(-x/sqrt2), with x/sqrt2 exact as hi + lo (erfc(-t - tl) = erfc(-t) +
/// 2/sqrt(pi) e^-t^2 tl); f' = erfc(..)/2 + x e^(-x^2/2)/sqrt(2 pi) with x^2 exact as hi + lo.
/// The f32/f16/bf16 precise path evaluates this in double (erfcf is 4 ulp on CUDA, and the argument's
/// rounding alone costs ~t^2 ulp in the tail).
/// textbook: x/2 (1 + erf(x/sqrt2)) (0, i.e. 100% error, for x < -5.4 in f32).
/// Source: Hendrycks & Gimpel 2016; torch.nn.GELU(approximate='none').
template <Variant V>
struct Gelu {
  template <class M, class C>
  static ACTBENCH_HD C erfc_neg(C x) {  // erfc(-x/sqrt2), argument carried exactly
    using R = detail::InvSqrt2<C>;
    const C t = x * R::hi;
    const C tl = M::fma(x, R::hi, -t) + x * R::lo;
    const C e = M::erfc(-t);
    return M::fma(C(1.1283791670955126) * M::exp(-t * t), tl, e);
  }
  template <class M, class C>
  static ACTBENCH_HD C eval_fwd(C x) {
    const C inf = M::template infinity<C>();
    if (x == inf) return x;
    if (x < C(-40)) return C(-0.0);  // below the smallest subnormal double (and -inf)
    return C(0.5) * x * erfc_neg<M>(x);
  }
  template <class M, class C>
  static ACTBENCH_HD C eval_deriv(C x) {
    const C inf = M::template infinity<C>();
    if (x == inf) return C(1);
    if (x < C(-40)) return C(-0.0);  // -|x| phi(x) below the smallest subnormal double (and -inf)
    const C x2 = x * x;
    const C x2l = (x2 - x2 == C(0)) ? M::fma(x, x, -x2) : C(0);
    // x phi(x) = x/sqrt(2 pi) e^(-x2/2) (1 - x2l/2); 1/sqrt(2 pi) = 0.3989422804014327 - 2.4923e-17
    const C k = x * C(0.3989422804014327);
    const C kl = M::fma(x, C(0.3989422804014327), -k) + x * C(-2.4923272857812243e-17);
    const C xphi = detail::k_exp<M>(k, C(-0.5) * x2);
    const C xphi_c = M::fma(xphi, C(-0.5) * x2l + kl / (k == C(0) ? C(1) : k), xphi);
    const C y = M::fma(C(0.5), erfc_neg<M>(x), xphi_c);
    return (y == C(0) && x < C(-1)) ? C(-0.0) : y;  // f' < 0 there: +0 + -0 must stay -0
  }
  template <class C>
  ACTBENCH_HD C fwd(C x) const {
    using M = math<V>;
    if constexpr (V == Variant::textbook) {
      return C(0.5) * x * (C(1) + M::erf(x * C(0.70710678118654752440)));
    } else if constexpr (detail::kWide<V, C>) {
      return C(eval_fwd<M, double>(double(x)));
    } else {
      return eval_fwd<M, C>(x);
    }
  }
  template <class C>
  ACTBENCH_HD C deriv(C x) const {
    using M = math<V>;
    if constexpr (V == Variant::textbook) {
      return C(0.5) * (C(1) + M::erf(x * C(0.70710678118654752440))) +
             x * M::exp(C(-0.5) * x * x) * C(0.39894228040143267794);
    } else if constexpr (detail::kWide<V, C>) {
      return C(eval_deriv<M, double>(double(x)));
    } else {
      return eval_deriv<M, C>(x);
    }
  }
  // 16-bit data: the same stable formulas in f32 (argument split kept); their f32 error (a few
  // f32 ulp) is ~2^-11 of an f16 ulp, so no double is needed to round correctly.
  // In the far tail the f32 evaluation underflows to a zero whose sign is lost; the true value
  // has the sign of x (f) or is negative (f' for x < -0.75), so a zero result gets that sign.
  // Next to the zero of f' (-0.7518) the f32 terms cancel: on (-1, -0.5) f' = u q(u) (near_zero).
  template <class S>
  ACTBENCH_HD float fwd_narrow(float x) const {
    return detail::zero_sign_of(eval_fwd<math<V>, float>(x), x);
  }
  template <class S>
  ACTBENCH_HD float deriv_narrow(float x) const {
    if (x > -1.0f && x < -0.5f) {
      constexpr float q[10] = {1.859351469e-04f,  -7.315049297e-04f, -2.239607507e-03f, 4.538503010e-03f,
                               1.942168362e-02f,  -1.477150619e-02f, -1.140082330e-01f, -1.819967665e-02f,
                               3.882849813e-01f,  4.314939976e-01f};
      return detail::near_zero(x, -0.7517915368080139f, 1.211444988769017e-08f, q);
    }
    return detail::zero_sign_of(eval_deriv<math<V>, float>(x), x);
  }
};

/// gelu_tanh: f = x/2 (1 + tanh u), u = k(x + a x^3), k = sqrt(2/pi), a = 0.044715 (rounded to C),
/// f' = s + x s(1-s) 2k(1 + 3a x^2), s = sigma(2u).
/// stable: x sigma(2u) with 2u carried as an exact hi + lo (fma products, TwoSum) and the stable
/// sigma; x > 10: x; x < -25: -0 (both exact after rounding); f64 far tail via a split exp.
/// f32 precise: f in float (exp_f32, compensated sigma; double only where sigma(2u) is subnormal,
/// x < -10), f' in double (its terms cancel over (-3, -0.5) in float).  16-bit data: fwd_narrow/deriv_narrow.
/// textbook: x/2 (1 + tanh u) (100% error for x < -5 in f32; x^3 overflows f16's range of u).
/// Source: Hendrycks & Gimpel 2016; torch.nn.GELU(approximate='tanh').
template <Variant V>
struct GeluTanh {
  static constexpr double k = 0.79788456080286535588;  // sqrt(2/pi)
  static constexpr double a = 0.044715;

  /// 2u as hi + lo for |x| <= 25.
  template <class M, class C>
  static ACTBENCH_HD detail::Pair<C> two_u(C x, C kc, C ac) {
    const C x2 = x * x;
    const C x2l = M::fma(x, x, -x2);
    const C s = ac * x2;
    const C sl = M::fma(ac, x2, -s) + ac * x2l;
    const auto A = detail::two_sum(C(1), s);
    const C Al = A.lo + sl;
    const C B = x * A.hi;
    const C Bl = M::fma(x, A.hi, -B) + x * Al;
    const C U = kc * B;
    const C Ul = M::fma(kc, B, -U) + kc * Bl;
    return {C(2) * U, C(2) * Ul};
  }
  template <class M, class C>
  static ACTBENCH_HD C eval_fwd(C x, C kc, C ac) {
    if (x > C(10)) return x;
    if (x < C(-25)) return C(-0.0);
    const auto z = two_u<M>(x, kc, ac);
    if (z.hi < C(-700)) return detail::k_exp<M>(M::fma(x, z.lo, x), z.hi);  // f64 far tail
    const auto s = detail::sig<M>(z.hi);
    return x * M::fma(s.s * s.sc, z.lo, s.s);
  }
  template <class M, class C>
  static ACTBENCH_HD C eval_deriv(C x, C kc, C ac) {
    if (x > C(10)) return C(1);
    if (x < C(-25)) return C(-0.0);
    const auto z = two_u<M>(x, kc, ac);
    const C xzp = C(2) * kc * x * M::fma(C(3) * ac, x * x, C(1));  // x dz/dx
    if (z.hi < C(-700)) return detail::k_exp<M>(M::fma(C(1) + xzp, z.lo, C(1) + xzp), z.hi);
    const auto s = detail::sig<M>(z.hi);
    const C t = s.s * s.sc;
    // f'(z + zl) = s + t xzp + zl t (1 + (1 - 2s) xzp) to first order (zl matters in float: ~2^-17 z)
    return M::fma(t, M::fma(z.lo, M::fma(s.sc - s.s, xzp, C(1)), xzp), s.s);
  }
  template <class C>
  ACTBENCH_HD C fwd(C x) const {
    using M = math<V>;
    if constexpr (V == Variant::textbook) {
      const C u = C(k) * (x + C(a) * x * x * x);
      return C(0.5) * x * (C(1) + M::tanh(u));
    } else if constexpr (detail::kWide<V, C>) {
      // float (exp_f32: the same bits on the device); where sigma(2u) is subnormal (x < -10), double
      if (x < C(-10)) return C(eval_fwd<M, double>(double(x), double(C(k)), double(C(a))));
      return eval_fwd<M, C>(x, C(k), C(a));
    } else {
      return eval_fwd<M, C>(x, C(k), C(a));
    }
  }
  /// f' on (-1, -0.5), next to its zero (-0.7525), where its terms cancel: u q(u), u = x - x0
  /// (tools/gen_narrow_coeffs.py); 16-bit data.
  static ACTBENCH_HD float deriv_near_zero(float x) {
    constexpr float q[10] = {2.609961666e-04f,  -9.083295008e-04f, -2.422736026e-03f, 5.260024220e-03f,
                             1.968231797e-02f,  -1.661931351e-02f, -1.139444932e-01f, -1.578284614e-02f,
                             3.875184655e-01f,  4.304001033e-01f};
    return detail::near_zero(x, -0.7524614334106445f, 2.900192264121415e-08f, q);
  }
  template <class C>
  ACTBENCH_HD C deriv(C x) const {
    using M = math<V>;
    if constexpr (V == Variant::textbook) {
      const C u = C(k) * (x + C(a) * x * x * x);
      const C th = M::tanh(u);
      return C(0.5) * (C(1) + th) + C(0.5) * x * (C(1) - th * th) * C(k) * (C(1) + C(3) * C(a) * x * x);
    } else if constexpr (detail::kWide<V, C>) {
      // double: in float the terms of f' cancel over (-3, -0.5) (4.5 ulp measured at -1.22)
      return C(eval_deriv<M, double>(double(x), double(C(k)), double(C(a))));
    } else {
      return eval_deriv<M, C>(x, C(k), C(a));
    }
  }
  // 16-bit data: 2u as an exact f32 pair (two_u), the narrow sigma; on (-1, -0.5), next to the zero
  // of f' (-0.7525), f' = u q(u) (see Gelu::deriv_narrow).
  template <class S>
  ACTBENCH_HD float fwd_narrow(float x) const {
    if (x > 10.0f) return x;
    if (x < -25.0f) return -0.0f;
    const auto z = two_u<math<Variant::precise>>(x, float(k), float(a));
    const auto g = narrow::sig<kTinyResults<S>>(z.hi);
    return detail::zero_sign_of(x * ::fmaf(g.s * g.sc, z.lo, g.s), x);
  }
  template <class S>
  ACTBENCH_HD float deriv_narrow(float x) const {
    if (x > -1.0f && x < -0.5f) return deriv_near_zero(x);
    if (x > 10.0f) return 1.0f;
    if (x < -25.0f) return -0.0f;
    const float kc = float(k), ac = float(a);
    const auto z = two_u<math<Variant::precise>>(x, kc, ac);
    const float xzp = 2.0f * kc * x * ::fmaf(3.0f * ac, x * x, 1.0f);  // x dz/dx
    const auto g = narrow::sig<kTinyResults<S>>(z.hi);
    return detail::zero_sign_of(::fmaf(g.s * g.sc, ::fmaf(z.lo, ::fmaf(g.sc - g.s, xzp, 1.0f), xzp), g.s), x);
  }
};

/// mish: f = x tanh(softplus x), f' = tanh(sp) + x sigma(x)(1 - tanh(sp)^2).
/// stable: tanh(sp) = n/(n+2), n = e^x(e^x+2) for x <= 1 (n, n+2 and the quotient compensated);
/// 1 - 2t^2/(1+2t+2t^2), t = e^-x, for x > 1 (f' switches at 0); 1 - tanh^2 likewise from e^x or t (never 1 - y^2); f(-inf) = -0, f'(-inf) = -0.
/// Far tail (e^x subnormal, x e^x not) in double.  textbook: x tanh(log(1+e^x)) (NaN at +-inf).
/// Source: Misra 2019; torch.nn.Mish.
template <Variant V>
struct Mish {
  template <class M, class C>
  static ACTBENCH_HD C eval_fwd(C x) {
    if (x == -M::template infinity<C>()) return C(-0.0);
    if (x <= C(1)) {
      if (x < C(-700)) return detail::k_exp<M>(x, x);  // f64 far tail: tanh(sp) = e^x
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
      if (x < C(-700)) return detail::k_exp<M>(C(1) + x, x);  // f64 far tail: e^x (1 + x)
      const C e = M::exp(x);
      const C n = e * (e + C(2));
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
  template <class C>
  ACTBENCH_HD C fwd(C x) const {
    if constexpr (detail::kF32<V, C>) return f32::mish(x);  // kernels/f32
    using M = math<V>;
    if constexpr (V == Variant::textbook) {
      return x * M::tanh(M::log(C(1) + M::exp(x)));
    } else {
      return eval_fwd<M, C>(x);
    }
  }
  template <class C>
  ACTBENCH_HD C deriv(C x) const {
    if constexpr (detail::kF32<V, C>) return f32::mish_deriv(x);  // kernels/f32
    using M = math<V>;
    if constexpr (V == Variant::textbook) {
      const C e = M::exp(x);
      const C tp = M::tanh(M::log(C(1) + e));
      const C s = e / (C(1) + e);
      return tp + x * s * (C(1) - tp * tp);
    } else {
      return eval_deriv<M, C>(x);
    }
  }
  // 16-bit: with e = e^-|x|, tanh(softplus x) = N/D where
  //   x <= 0: N = e(e+2), D = N + 2;   x > 0: N = 1 + 2e, D = 1 + 2e + 2e^2   (no cancellation)
  // and x sigma(x) (1 - f^2) = 4 x e (N+1) / ((1+e) D^2)  (x <= 0),  4 x e^2 (1+e) / D^2  (x > 0).
  // Next to the zero of f' (-1.1924) f and that term cancel: there f' = u q(u) (near_zero).
  template <class S>
  ACTBENCH_HD float fwd_narrow(float x) const {
    if (x == -INFINITY) return -0.0f;
    const float e = narrow::exp<kTinyResults<S>>(-::fabsf(x));
    const bool neg = x <= 0.0f;
    const float N = neg ? ::fmaf(e, e, e + e) : ::fmaf(2.0f, e, 1.0f);
    const float D = neg ? N + 2.0f : ::fmaf(2.0f * e, e, N);
    return x * narrow::div(N, D);
  }
  template <class S>
  ACTBENCH_HD float deriv_narrow(float x) const {
    if (x == -INFINITY) return -0.0f;
    if (x == INFINITY) return 1.0f;
    if (x > -1.5f && x < -0.9f) {  // next to the zero of f' (tools/gen_narrow_coeffs.py)
      constexpr float q[10] = {-4.197935050e-05f, 2.417752548e-04f,  9.894466493e-04f,  1.093366416e-03f,
                               -3.360655857e-03f, -1.582115702e-02f, -2.027182281e-02f, 4.190782085e-02f,
                               2.047312707e-01f,  2.669479251e-01f};
      return detail::near_zero(x, -1.1924312114715576f, -3.0439375464652585e-09f, q);
    }
    const float e = narrow::exp<kTinyResults<S>>(-::fabsf(x));
    const bool neg = x <= 0.0f;
    const float N = neg ? ::fmaf(e, e, e + e) : ::fmaf(2.0f, e, 1.0f);
    const float D = neg ? N + 2.0f : ::fmaf(2.0f * e, e, N);
    const float rD = narrow::recip(D);
    const float f = N * rD;
    const float A = neg ? narrow::div(N + 1.0f, 1.0f + e) : e * (1.0f + e);
    const float g = (4.0f * (x * e)) * A * (rD * rD);
    return detail::zero_sign_of(f + g, x);  // f' < 0 in the left tail
  }
};

/// Maps the runtime tag to the functor type.
template <Activation A, Variant V>
struct functor_of;
// clang-format off
template <Variant V> struct functor_of<Activation::relu, V> { using type = Relu<V>; };
template <Variant V> struct functor_of<Activation::relu6, V> { using type = Relu6<V>; };
template <Variant V> struct functor_of<Activation::leaky_relu, V> { using type = LeakyRelu<V>; };
template <Variant V> struct functor_of<Activation::prelu, V> { using type = Prelu<V>; };
template <Variant V> struct functor_of<Activation::elu, V> { using type = Elu<V>; };
template <Variant V> struct functor_of<Activation::selu, V> { using type = Selu<V>; };
template <Variant V> struct functor_of<Activation::celu, V> { using type = Celu<V>; };
template <Variant V> struct functor_of<Activation::softplus, V> { using type = Softplus<V>; };
template <Variant V> struct functor_of<Activation::sigmoid, V> { using type = Sigmoid<V>; };
template <Variant V> struct functor_of<Activation::hardsigmoid, V> { using type = Hardsigmoid<V>; };
template <Variant V> struct functor_of<Activation::tanh, V> { using type = Tanh<V>; };
template <Variant V> struct functor_of<Activation::softsign, V> { using type = Softsign<V>; };
template <Variant V> struct functor_of<Activation::swish, V> { using type = Swish<V>; };
template <Variant V> struct functor_of<Activation::hardswish, V> { using type = Hardswish<V>; };
template <Variant V> struct functor_of<Activation::gelu, V> { using type = Gelu<V>; };
template <Variant V> struct functor_of<Activation::gelu_tanh, V> { using type = GeluTanh<V>; };
template <Variant V> struct functor_of<Activation::mish, V> { using type = Mish<V>; };
// clang-format on

template <Activation A, Variant V>
using functor_t = typename functor_of<A, V>::type;

/// Builds the functor for A with the parameters of `p` - the one place that maps Params onto
/// functor members.  prelu's per-channel slopes live in memory the kernel reads (device memory for
/// the CUDA backend): `prelu_alpha[channels]`; when null, every channel uses p.prelu_alpha.
template <Activation A, Variant V>
functor_t<A, V> make_functor(const Params& p, const float* prelu_alpha) {
  functor_t<A, V> f{};
  if constexpr (A == Activation::leaky_relu) {
    f.alpha = p.leaky_relu_alpha;
  } else if constexpr (A == Activation::prelu) {
    f.alpha = prelu_alpha;
    f.set_channels(p.prelu_channels > 0 ? static_cast<std::int64_t>(p.prelu_channels) : 1);
    f.init_alpha = p.prelu_alpha;
  } else if constexpr (A == Activation::elu) {
    f.alpha = p.elu_alpha;
  } else if constexpr (A == Activation::celu) {
    f.alpha = p.celu_alpha;
  } else if constexpr (A == Activation::softplus) {
    f.beta = p.softplus_beta;
  } else if constexpr (A == Activation::swish) {
    f.beta = p.swish_beta;
  }
  (void)p;
  (void)prelu_alpha;
  return f;
}

}  // namespace actbench
