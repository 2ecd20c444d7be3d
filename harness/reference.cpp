// actbench/harness/reference.cpp - see reference.hpp.  Independent of kernels/: formulas written
// from the math (docs/ACCURACY.md's stable forms), evaluated in long double with exact arguments.
#include "harness/reference.hpp"

#include "harness/ulp.hpp"

#include <cfloat>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace actbench::ref {
namespace {

using L = long double;

constexpr L kNaN = std::numeric_limits<L>::quiet_NaN();
constexpr L kInf = std::numeric_limits<L>::infinity();

// 1/sqrt2 as an unevaluated sum hi + lo (hi = 1/sqrt2 rounded to 64 bits; lo to 2^-64 of it).
constexpr L kInvSqrt2Hi = 0.707106781186547524381894036516L;
constexpr L kInvSqrt2Lo = 1.895032558893257079655062e-20L;
constexpr L kTwoOverSqrtPi = 1.128379167095512573896158903121545171688L;
constexpr L kInvSqrt2Pi = 0.3989422804014326779399460599343818684759L;

// ---- exact products and sums in long double (Dekker / Knuth) ---------------------------------

/// hi + lo, |lo| <= ulp(hi)/2 (when produced by two_prod / two_sum).
struct Pair {
  L hi, lo;
};

/// Veltkamp split of a into two halves of at most ceil(p/2) bits.
inline void split(L a, L& h, L& l) {
  static const L kSplitter = std::ldexp(1.0L, (LDBL_MANT_DIG + 1) / 2) + 1.0L;
  const L t = kSplitter * a;
  h = t - (t - a);
  l = a - h;
}

/// a*b exactly as hi + lo (lo = 0 where the product is not finite, zero, or too large to split).
inline Pair two_prod(L a, L b) {
  const L p = a * b;
  if (!std::isfinite(p) || p == 0 || std::fabs(a) > 1e4000L || std::fabs(b) > 1e4000L) return {p, 0};
  L ah, al, bh, bl;
  split(a, ah, al);
  split(b, bh, bl);
  const L e = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
  return {p, e};
}

/// a+b exactly as hi + lo.
inline Pair two_sum(L a, L b) {
  const L s = a + b;
  if (!std::isfinite(s)) return {s, 0};
  const L bb = s - a;
  const L e = (a - (s - bb)) + (b - bb);
  return {s, e};
}

inline Pair renorm(L hi, L lo) { return two_sum(hi, lo); }

/// (a.hi + a.lo) * b, to about 2^-120 relative.
inline Pair mul(Pair a, L b) {
  Pair p = two_prod(a.hi, b);
  return renorm(p.hi, p.lo + a.lo * b);
}

/// a + (b.hi + b.lo), to about 2^-120 relative of the larger term.
inline Pair add(L a, Pair b) {
  Pair s = two_sum(a, b.hi);
  return renorm(s.hi, s.lo + b.lo);
}

/// exp(hi + lo) for |lo| <= ulp(hi): exp(hi) (1 + lo).
inline L exp2p(L hi, L lo) {
  const L e = std::exp(hi);
  return e + e * lo;
}

/// Stable logistic sigmoid of z = hi + lo.
inline L sigmoid(L hi, L lo) {
  if (hi >= 0) {
    const L e = exp2p(-hi, -lo);
    return 1.0L / (1.0L + e);
  }
  const L e = exp2p(hi, lo);
  return e / (1.0L + e);
}

/// erfc(hi + lo): erfc(hi) - lo * 2/sqrt(pi) * exp(-hi^2).
inline L erfc2p(L hi, L lo) {
  const L e = std::erfc(hi);
  if (lo == 0) return e;
  return e - lo * kTwoOverSqrtPi * std::exp(-hi * hi);
}

/// A zero that underflowed long double gets the sign of the true value.
inline L signed_tail(L v, bool negative) {
  if (v == 0) return negative ? -0.0L : 0.0L;
  return v;
}

/// alpha * x for the negative branch of leaky_relu / prelu (0 * -inf is the limit 0, not NaN).
inline L scaled(L alpha, L x) {
  if (alpha == 0) return (std::signbit(alpha) != std::signbit(x)) ? -0.0L : 0.0L;
  return alpha * x;
}

// ---- the activations ------------------------------------------------------------------------

L relu(bool d, L x) {
  if (std::isnan(x)) return x;
  if (!d) return x > 0 ? x : 0.0L;
  return x > 0 ? 1.0L : 0.0L;
}

L relu6(bool d, L x) {
  if (std::isnan(x)) return x;
  if (!d) return x > 0 ? (x < 6 ? x : 6.0L) : 0.0L;
  return (x > 0 && x < 6) ? 1.0L : 0.0L;
}

L leaky(bool d, L x, L alpha) {
  if (std::isnan(x)) return x;
  if (!d) return x > 0 ? x : scaled(alpha, x);
  return x > 0 ? 1.0L : alpha;
}

L elu(bool d, L x, L alpha) {
  if (std::isnan(x)) return x;
  if (!d) return x > 0 ? x : alpha * std::expm1(x);
  return x > 0 ? 1.0L : alpha * std::exp(x);
}

L selu(bool d, L x, L alpha, L lambda) {
  if (std::isnan(x)) return x;
  if (!d) return x > 0 ? lambda * x : lambda * (alpha * std::expm1(x));
  return x > 0 ? lambda : lambda * (alpha * std::exp(x));
}

L celu(bool d, L x, L alpha) {
  if (std::isnan(x)) return x;
  if (x > 0) return d ? 1.0L : x;
  // q = x / alpha exactly as q + ql.
  const L q = x / alpha;
  L ql = 0;
  if (std::isfinite(q) && q != 0) {
    const Pair p = two_prod(q, alpha);
    ql = ((x - p.hi) - p.lo) / alpha;
  }
  const L e = std::exp(q);
  if (ql == 0) return d ? e : alpha * std::expm1(q);  // keeps celu(-0) = -0
  if (std::isinf(e)) return d ? e : alpha * e;  // alpha < 0, e^q past long double's range: not inf - inf
  if (d) return e + e * ql;
  return alpha * (std::expm1(q) + e * ql);
}

L softplus(bool d, L x, L beta) {
  if (std::isnan(x)) return x;
  if (std::isinf(x)) {
    if (d) return x > 0 ? 1.0L : 0.0L;
    return x > 0 ? kInf : 0.0L;
  }
  const Pair z = two_prod(beta, x);
  if (d) return sigmoid(z.hi, z.lo);
  // (max(z,0) + log1p(e^-|z|)) / beta, and z / beta = x exactly.
  if (z.hi > 0) return x + std::log1p(exp2p(-z.hi, -z.lo)) / beta;
  return std::log1p(exp2p(z.hi, z.lo)) / beta;
}

L sigmoid_fn(bool d, L x) {
  if (std::isnan(x)) return x;
  if (std::isinf(x)) {
    if (d) return 0.0L;
    return x > 0 ? 1.0L : 0.0L;
  }
  if (!d) return sigmoid(x, 0);
  const L e = std::exp(-std::fabs(x));
  const L q = 1.0L + e;
  return e / (q * q);
}

L hardsigmoid(bool d, L x) {
  if (std::isnan(x)) return x;
  if (d) return (x > -3 && x < 3) ? 1.0L / 6.0L : 0.0L;
  if (x <= -3) return 0.0L;
  if (x >= 3) return 1.0L;
  const Pair s = two_sum(x, 3.0L);  // x + 3 exactly
  return s.hi / 6.0L + s.lo / 6.0L;
}

L tanh_fn(bool d, L x) {
  if (std::isnan(x)) return x;
  if (std::isinf(x)) return d ? 0.0L : (x > 0 ? 1.0L : -1.0L);
  if (!d) return std::tanh(x);
  const L t = std::exp(-2.0L * std::fabs(x));  // 1 - tanh^2 = 4t/(1+t)^2
  const L q = 1.0L + t;
  return 4.0L * t / (q * q);
}

L softsign(bool d, L x) {
  if (std::isnan(x)) return x;
  if (std::isinf(x)) return d ? 0.0L : (x > 0 ? 1.0L : -1.0L);
  const L q = 1.0L + std::fabs(x);
  if (!d) return x / q;
  return 1.0L / (q * q);
}

L swish(bool d, L x, L beta) {
  if (std::isnan(x)) return x;
  if (std::isinf(x)) {
    if (x > 0) return d ? 1.0L : kInf;
    return -0.0L;  // x*sigmoid(beta x) and its derivative approach 0 from below
  }
  const Pair z = two_prod(beta, x);
  const L s = sigmoid(z.hi, z.lo);
  if (!d) return x * s;
  // s + z s (1 - s) = s (1 + z sigmoid(-z))
  const L sm = sigmoid(-z.hi, -z.lo);
  return signed_tail(s * (1.0L + z.hi * sm), x < 0 && z.hi * sm < -1);
}

L hardswish(bool d, L x) {
  if (std::isnan(x)) return x;
  if (!d) {
    if (x <= -3) return -0.0L;  // x * 0 with x < 0
    if (x >= 3) return x;
    const Pair s = two_sum(x, 3.0L);
    return (x * s.hi + x * s.lo) / 6.0L;
  }
  if (x < -3) return 0.0L;
  if (x > 3) return 1.0L;
  const Pair s = two_sum(2.0L * x, 3.0L);  // (2x + 3)/6 on the closed interval [-3, 3]
  return s.hi / 6.0L + s.lo / 6.0L;
}

L gelu(bool d, L x) {
  if (std::isnan(x)) return x;
  if (std::isinf(x)) {
    if (x > 0) return d ? 1.0L : kInf;
    return -0.0L;
  }
  // z = -x/sqrt2 exactly as hi + lo.
  const Pair p = two_prod(x, kInvSqrt2Hi);
  const Pair z = renorm(-p.hi, -(p.lo + x * kInvSqrt2Lo));
  const L e = erfc2p(z.hi, z.lo);  // erfc(-x/sqrt2) = 2 Phi(x)
  if (!d) return 0.5L * x * e;
  // Phi(x) + x phi(x), phi(x) = exp(-x^2/2)/sqrt(2 pi) with x^2 exact.
  const Pair x2 = two_prod(x, x);
  const L phi = kInvSqrt2Pi * exp2p(-0.5L * x2.hi, -0.5L * x2.lo);
  return signed_tail(0.5L * e + x * phi, x < -1);
}

L gelu_tanh(bool d, L x, L a, L k) {
  if (std::isnan(x)) return x;
  if (std::isinf(x)) {
    if (x > 0) return d ? 1.0L : kInf;
    return -0.0L;
  }
  // u = k (x + a x^3), carried as hi + lo.
  const Pair x2 = two_prod(x, x);
  const Pair x3 = mul(x2, x);
  const Pair ax3 = mul(x3, a);
  const Pair s = add(x, ax3);
  const Pair u = mul(s, k);
  const L s1 = sigmoid(2.0L * u.hi, 2.0L * u.lo);  // 0.5 (1 + tanh u) = sigmoid(2u)
  if (!d) return x * s1;
  // d/dx [x sigmoid(2u)] = s1 + x * 2u' * s1 * (1 - s1),  u' = k (1 + 3 a x^2)
  const L s2 = sigmoid(-2.0L * u.hi, -2.0L * u.lo);
  const L up = k * (1.0L + 3.0L * a * x2.hi);
  return signed_tail(s1 + 2.0L * x * up * s1 * s2, x < -1);
}

L mish(bool d, L x) {
  if (std::isnan(x)) return x;
  if (std::isinf(x)) {
    if (x > 0) return d ? 1.0L : kInf;
    return -0.0L;
  }
  // t = tanh(softplus x) = n/(n+2), n = e^x (e^x + 2); sech^2(softplus x) = 4(n+1)/(n+2)^2.
  L t, sech2;
  if (x > 0) {
    const L e = std::exp(-x);  // divide n, n+1, n+2 by e^2x
    const L den = 1.0L + 2.0L * e + 2.0L * e * e;
    t = (1.0L + 2.0L * e) / den;
    if (d) {
      const L q = e * (1.0L + e);
      sech2 = 4.0L * q * q / (den * den);
    }
  } else {
    const L e = std::exp(x);
    const L n = e * (e + 2.0L);
    t = n / (n + 2.0L);
    if (d) {
      const L q = 1.0L + e;
      const L den = n + 2.0L;
      sech2 = 4.0L * q * q / (den * den);
    }
  }
  if (!d) return x * t;
  return signed_tail(t + x * sigmoid(x, 0) * sech2, x < -2);
}

/// f'(x) = u p(u), u = (x - hi) - lo, next to the zero x0 = hi + lo of gelu', gelu_tanh' (its constants rounded
/// to double: f64 data), silu' and mish' for |x - x0| <= 3/8.  There the formulas above cancel even in long
/// double (~1e-20 absolute: a relative error far over an f64 ulp of a result near 0); the Taylor polynomial
/// at x0 (mpmath: tools/gen_f64_zero_coeffs.py, truncation < 2^-68 relative) does not.
template <int N>
struct ZeroExpansion {
  L hi, lo;
  L q[N];  ///< highest coefficient first
};
constexpr ZeroExpansion<23> kGeluZero = {-0.7517915246935644574526741L, -5.23080329007791609729e-21L,
                       {3.72596703927011862892e-12L, -9.95034082480805355378e-12L, -8.95003769272625546316e-11L,
                        1.45064189387794248982e-10L, 1.90319840501313977290e-9L, -1.39694208642620206598e-9L,
                        -3.54598664617838664842e-8L, -1.60442654942464275857e-9L, 5.70276497924210723723e-7L,
                        4.32845062573922754675e-7L, -0.00000774846130700371912526L, -0.0000112143801884266413752L,
                        0.0000861594786111657162779L, 0.000186339746232335132804L, -0.000744826838674681624273L,
                        -0.00223953806807349715128L, 0.00453922837912541557363L, 0.0194216798381890658890L,
                        -0.0147715221482443377178L, -0.114008233297221708552L, -0.0181996763986710871006L,
                        0.388284982990551997858L, 0.431493992314046919787L}};
constexpr ZeroExpansion<25> kGeluTanhZero = {-0.7524614220710162185699367L, 1.17628150785652072941e-20L,
                       {-2.43387355783345099518e-10L, -1.70881121695172037667e-10L, 1.74498713784662308934e-9L,
                        1.76378027079074626807e-9L, -1.19618084797244238604e-8L, -1.69782174597809627907e-8L,
                        7.52074090928993015687e-8L, 1.41575569877294362640e-7L, -4.31024829880290713069e-7L,
                        -9.89864774743364152031e-7L, 0.00000243355163442995885690L, 0.00000591861171089399002134L,
                        -0.0000159508968716451417134L, -0.0000349561716944360443089L, 0.000124252278026398093276L,
                        0.000263927640526810321888L, -0.000927442023020546486400L, -0.00242273184587509761238L,
                        0.00526105925492191844841L, 0.0196823094598331238309L, -0.0166193283430525790934L,
                        -0.113944483080959015393L, -0.0157828535218480139346L, 0.387518446135788973119L,
                        0.430400091024858522914L}};
constexpr ZeroExpansion<23> kSiluZero = {-1.278464542761073795143836L, 3.44775901015735302482e-20L,
                       {8.04274075537398053000e-12L, 3.99854787472399591376e-12L, -7.50344609385286997333e-11L,
                        -2.25136620188108115285e-10L, 2.36483150531032460473e-10L, 2.91776030269038026180e-9L,
                        4.61937976903160617251e-9L, -1.88776229077279580506e-8L, -9.26664630926744019720e-8L,
                        -3.05124475005542107910e-8L, 8.59969502826857551772e-7L, 0.00000234602968246386604941L,
                        -0.00000294263188884246399392L, -0.0000297335422132639158388L, -0.0000409053423742861168052L,
                        0.000185707243611864956527L, 0.000798521881839799776122L, 0.000126627410081121997272L,
                        -0.00660658913835669643630L, -0.0152226552231880316888L, 0.0188748142237823134072L,
                        0.146648796996946900179L, 0.217811705719800098780L}};
constexpr ZeroExpansion<25> kMishZero = {-1.192431214515495212116596L, -2.09927379289973492282e-20L,
                       {-3.39047298957071114805e-11L, -1.74422097133826770119e-10L, -2.67518715943112224305e-10L,
                        4.81764630021869693595e-10L, 3.36040123836613323680e-9L, 6.38959546150898541571e-9L,
                        -5.46018617302838115586e-9L, -6.17442436310490707069e-8L, -1.41172559194993823722e-7L,
                        2.68794178555577262530e-8L, 0.00000107167670270207399025L, 0.00000290881993649122218466L,
                        9.42736132737665123519e-7L, -0.0000172992708103043995565L, -0.0000558289156736068789089L,
                        -0.0000419614960316961287912L, 0.000254129363861910731868L, 0.000989818102128919669608L,
                        0.00109240554094458549305L, -0.00336068492702326866830L, -0.0158211265617333809821L,
                        -0.0202718227166842461281L, 0.0419078210436098730809L, 0.204731264080105866348L,
                        0.266947914049534511317L}};

template <int N>
bool near_zero(const ZeroExpansion<N>& z, L x, L& out) {
  const L dx = x - z.hi;  // exact next to x0
  if (!(std::fabs(dx) <= 0.375L)) return false;
  const L u = dx - z.lo;
  L p = z.q[0];
  for (int k = 1; k < N; ++k) p = std::fma(p, u, z.q[k]);
  out = u * p;
  return true;
}

/// The expansion of f' next to its interior zero, where one applies at these constants.
bool derivative_near_zero(Activation a, L x, const Constants& c, L& out) {
  switch (a) {
    case Activation::gelu: return near_zero(kGeluZero, x, out);
    case Activation::gelu_tanh:
      return c.gelu_tanh_a == static_cast<L>(0.044715) && c.gelu_tanh_k == static_cast<L>(0.7978845608028654) &&
             near_zero(kGeluTanhZero, x, out);
    case Activation::swish: return c.swish_beta == 1 && near_zero(kSiluZero, x, out);
    case Activation::mish: return near_zero(kMishZero, x, out);
    default: return false;
  }
}

L evaluate(Activation a, bool d, L x, const Constants& c) {
  if (L y; d && derivative_near_zero(a, x, c, y)) return y;
  switch (a) {
    case Activation::relu: return relu(d, x);
    case Activation::relu6: return relu6(d, x);
    case Activation::leaky_relu: return leaky(d, x, c.leaky_relu_alpha);
    case Activation::prelu: return leaky(d, x, c.prelu_alpha);
    case Activation::elu: return elu(d, x, c.elu_alpha);
    case Activation::selu: return selu(d, x, c.selu_alpha, c.selu_lambda);
    case Activation::celu: return celu(d, x, c.celu_alpha);
    case Activation::softplus: return softplus(d, x, c.softplus_beta);
    case Activation::sigmoid: return sigmoid_fn(d, x);
    case Activation::hardsigmoid: return hardsigmoid(d, x);
    case Activation::tanh: return tanh_fn(d, x);
    case Activation::softsign: return softsign(d, x);
    case Activation::swish: return swish(d, x, c.swish_beta);
    case Activation::hardswish: return hardswish(d, x);
    case Activation::gelu: return gelu(d, x);
    case Activation::gelu_tanh: return gelu_tanh(d, x, c.gelu_tanh_a, c.gelu_tanh_k);
    case Activation::mish: return mish(d, x);
  }
  return kNaN;
}

bool is_deriv(Direction d) {
  if (d == Direction::bwd) throw std::invalid_argument("ref::eval: Direction::bwd: use ref::reference_value");
  return d == Direction::deriv;
}

}  // namespace

Constants constants(const Params& p, ConstRounding r) {
  const bool f = r == ConstRounding::f32;
  auto rd = [f](double v) -> L { return f ? static_cast<L>(static_cast<float>(v)) : static_cast<L>(v); };
  Constants c{};
  c.leaky_relu_alpha = rd(p.leaky_relu_alpha);
  c.prelu_alpha = rd(p.prelu_alpha);
  c.elu_alpha = rd(p.elu_alpha);
  c.celu_alpha = rd(p.celu_alpha);
  c.softplus_beta = rd(p.softplus_beta);
  c.swish_beta = rd(p.swish_beta);
  // Decimal literals rounded directly to the compute type, as a kernel's literal is.
  c.selu_alpha = f ? 1.6732632423543772848170429916717f : 1.6732632423543772848170429916717;
  c.selu_lambda = f ? 1.0507009873554804934193349852946f : 1.0507009873554804934193349852946;
  c.gelu_tanh_a = f ? 0.044715f : 0.044715;
  c.gelu_tanh_k = f ? 0.79788456080286535587989211986876f : 0.79788456080286535587989211986876;
  return c;
}

double eval(Activation a, Direction d, double x, const Params& p, ConstRounding r) {
  return static_cast<double>(evaluate(a, is_deriv(d), x, constants(p, r)));
}

long double eval_ext(Activation a, Direction d, long double x, const Params& p, ConstRounding r) {
  return evaluate(a, is_deriv(d), x, constants(p, r));
}

long double reference_value(DType t, Activation a, Direction d, long double x, long double dy,
                            const Params& p) {
  const Direction fd = d == Direction::bwd ? Direction::deriv : d;
  const ConstRounding r = const_rounding(t);
  const L v = t == DType::f64 ? eval_ext(a, fd, x, p, r)
                              : static_cast<L>(eval(a, fd, static_cast<double>(x), p, r));
  return d == Direction::bwd ? dy * v : v;
}

long double exact_value(DType t, Activation a, Direction d, const Params& params, const std::vector<float>& slopes,
                        std::int64_t i, std::uint64_t x_bits, std::uint64_t dy_bits) {
  const long double x = decode(t, x_bits);
  const long double dy = d == Direction::bwd ? decode(t, dy_bits) : 1.0L;
  if (a == Activation::prelu) {
    Params p = params;
    p.prelu_alpha = slopes[static_cast<std::size_t>(i) % slopes.size()];
    return reference_value(t, a, d, x, dy, p);
  }
  return reference_value(t, a, d, x, dy, params);
}

}  // namespace actbench::ref
