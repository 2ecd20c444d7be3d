// actbench/harness/reference_fast.cpp - see reference_fast.hpp.  Independent of kernels/: the stable
// formulas of reference.cpp in double, written so that GCC vectorizes each batch loop (selects instead
// of branches, one call of each library function per input).
#include "harness/reference_fast.hpp"

#include "harness/ulp.hpp"

#include <algorithm>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>

#if defined(ACTBENCH_LIBMVEC)
// glibc declares its vector math (libmvec) only under -ffast-math; the same declarations without it, so
// that the vectorizer calls _ZGV*_exp etc. and every other operation keeps IEEE semantics.
extern "C" {
#pragma omp declare simd notinbranch
double exp(double) noexcept;
#pragma omp declare simd notinbranch
double expm1(double) noexcept;
#pragma omp declare simd notinbranch
double log1p(double) noexcept;
#pragma omp declare simd notinbranch
double erfc(double) noexcept;
#pragma omp declare simd notinbranch
double tanh(double) noexcept;
}
#define ACTBENCH_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define ACTBENCH_CLONES
#endif

namespace actbench::ref {
namespace {

/// The constants of every activation as doubles (float-rounded values are exact in double).
struct K {
  double leaky, prelu, elu, celu, sp_beta, sw_beta, selu_alpha, selu_lambda, selu_la, gt_a, gt_k;
};

K make_constants(const Params& p, ConstRounding r) {
  const Constants c = constants(p, r);
  K k{};
  k.leaky = double(c.leaky_relu_alpha);
  k.prelu = double(c.prelu_alpha);
  k.elu = double(c.elu_alpha);
  k.celu = double(c.celu_alpha);
  k.sp_beta = double(c.softplus_beta);
  k.sw_beta = double(c.swish_beta);
  k.selu_alpha = double(c.selu_alpha);
  k.selu_lambda = double(c.selu_lambda);
  k.selu_la = double(c.selu_lambda * c.selu_alpha);  // exact: two floats (or the f64 pair rounded once)
  k.gt_a = double(c.gelu_tanh_a);
  k.gt_k = double(c.gelu_tanh_k);
  return k;
}

// Interior zeros of f' (in beta*x for swish) and the half-width of the band handed to ref::eval.
constexpr double kSwishZero = -1.2784645427610738;
constexpr double kGeluZero = -0.7517915241229171;
constexpr double kGeluTanhZero = -0.7524614334106445;
constexpr double kMishZero = -1.1924312114715576;
constexpr double kBand = 0x1p-6;

constexpr double kInvSqrt2Hi = 0.70710678118654757;     // 1/sqrt2 = hi + lo
constexpr double kInvSqrt2Lo = -4.8336466567264567e-17;
constexpr double kTwoOverSqrtPi = 1.1283791670955126;
constexpr double kInvSqrt2Pi = 0.3989422804014327;

/// Arguments of the library functions are kept where libmvec computes every lane in vector code: beyond,
/// it hands the lane to the scalar function (underflow, overflow: ~10x slower, and half of all f32 patterns
/// are there).  The clamps move only values that no f32/f16/bf16 result can tell apart: e^-700 (1e-304)
/// for a smaller exponential (still non-zero, so signs survive), e^700 (1e304) for a larger one (+-inf in
/// f32 either way), tanh(20) for tanh of a larger argument (1 in f32).  The clamp selects bitwise: GCC
/// turns f(c ? k : v) into c ? f(k) : f(v), and the vector loop would call f on the unclamped lane again.
inline double select_bits(bool c, double a, double b) {
  std::uint64_t ua, ub;
  std::memcpy(&ua, &a, 8);
  std::memcpy(&ub, &b, 8);
  const std::uint64_t m = 0ull - static_cast<std::uint64_t>(c), r = (ua & m) | (ub & ~m);
  double v;
  std::memcpy(&v, &r, 8);
  return v;
}
inline double clamp(double v, double lo, double hi) { return select_bits(v < lo, lo, select_bits(v > hi, hi, v)); }
constexpr double kExpMax = 700.0;

/// A zero that underflowed gets the sign of the true value (reference.cpp's signed_tail).
inline double signed_tail(double v, bool negative) { return v == 0 ? (negative ? -0.0 : 0.0) : v; }

/// sigma(z) and sigma(-z) from one exp: e = e^-|z|, both quotients without cancellation.
struct Sig {
  double s, sm;
};
inline Sig sig(double z) {
  const double e = std::exp(-clamp(std::fabs(z), 0.0, kExpMax));
  const double inv = 1.0 / (1.0 + e);
  return z >= 0 ? Sig{inv, e * inv} : Sig{e * inv, inv};
}

/// sigma(zh + zl) and sigma(-zh - zl) to first order in zl (|zl| <= ulp(zh); none where e^-|zh| is clamped).
inline Sig sig2(double zh, double zl) {
  const Sig s = sig(zh);
  const double c = s.s * s.sm * select_bits(std::fabs(zh) <= kExpMax, zl, 0.0);
  return {s.s + c, s.sm - c};
}

[[gnu::always_inline]] inline double relu(bool d, double x) { return d ? (x > 0 ? 1.0 : 0.0) : (x > 0 ? x : 0.0); }
[[gnu::always_inline]] inline double relu6(bool d, double x) {
  if (d) return (x > 0 && x < 6) ? 1.0 : 0.0;
  return x > 0 ? (x < 6 ? x : 6.0) : 0.0;
}
[[gnu::always_inline]] inline double leaky(bool d, double x, double alpha) {
  if (d) return x > 0 ? 1.0 : alpha;
  return x > 0 ? x : alpha * x;  // exact (two floats); alpha = 0 gives the signed zero of the product
}
[[gnu::always_inline]] inline double elu(bool d, double x, double alpha) {
  if (d) return x > 0 ? 1.0 : alpha * std::exp(clamp(x, -kExpMax, kExpMax));
  return x > 0 ? x : alpha * std::expm1(clamp(x, -kExpMax, kExpMax));
}
[[gnu::always_inline]] inline double selu(bool d, double x, const K& k) {
  if (d) return x > 0 ? k.selu_lambda : k.selu_la * std::exp(clamp(x, -kExpMax, kExpMax));
  return x > 0 ? k.selu_lambda * x : k.selu_la * std::expm1(clamp(x, -kExpMax, kExpMax));
}
[[gnu::always_inline]] inline double celu(bool d, double x, double alpha) {
  // q + ql = x / alpha (ql from the exact remainder); e^(q + ql) = e^q (1 + ql); no ql where q is clamped
  // (there |ql| may exceed 1), and ql = 0 takes no correction (celu(-0) = -0)
  const double qr = x / alpha;
  const double q = clamp(qr, -kExpMax, kExpMax);
  const double ql = select_bits(q == qr, std::fma(-qr, alpha, x) / alpha, 0.0);
  if (d) {
    const double e = std::exp(q);
    return x > 0 ? 1.0 : e + e * ql;
  }
  const double em = std::expm1(q);
  return x > 0 ? x : alpha * (ql == 0 ? em : em + (em + 1.0) * ql);
}
[[gnu::always_inline]] inline double softplus(bool d, double x, double beta) {
  const double z = beta * x;  // exact
  if (d) return sig(z).s;
  const double l = std::log1p(std::exp(-clamp(std::fabs(z), 0.0, kExpMax))) / beta;
  return z > 0 ? x + l : l;
}
[[gnu::always_inline]] inline double sigmoid(bool d, double x) {
  if (!d) return sig(x).s;
  const double e = std::exp(-clamp(std::fabs(x), 0.0, kExpMax));
  const double q = 1.0 / (1.0 + e);
  return e * q * q;
}
[[gnu::always_inline]] inline double hardsigmoid(bool d, double x) {
  if (d) return (x > -3 && x < 3) ? 1.0 / 6.0 : 0.0;
  const double c = x < -3 ? -3.0 : (x > 3 ? 3.0 : x);
  return (c + 3.0) / 6.0;  // c + 3 exact
}
[[gnu::always_inline]] inline double tanh_fn(bool d, double x) {
  if (!d) return std::tanh(clamp(x, -20.0, 20.0));
  const double t = std::exp(-clamp(2.0 * std::fabs(x), 0.0, kExpMax));
  const double q = 1.0 / (1.0 + t);
  return 4.0 * t * q * q;
}
[[gnu::always_inline]] inline double softsign(bool d, double x) {
  const double q = 1.0 + std::fabs(x);
  return d ? 1.0 / q / q : x / q;
}
[[gnu::always_inline]] inline double swish(bool d, double x, double beta) {
  const double z = beta * x;  // exact
  const Sig s = sig(z);
  if (!d) return x * s.s;
  return signed_tail(s.s * (1.0 + z * s.sm), x < 0 && z * s.sm < -1);
}
[[gnu::always_inline]] inline double hardswish(bool d, double x) {
  if (d) return x < -3 ? 0.0 : (x > 3 ? 1.0 : (2.0 * x + 3.0) / 6.0);  // 2x + 3 exact
  return x <= -3 ? -0.0 : (x >= 3 ? x : x * (x + 3.0) / 6.0);        // x (x + 3) exact
}
[[gnu::always_inline]] inline double gelu(bool d, double xr) {
  // z = -x/sqrt2 = zh + zl; erfc(zh + zl) = erfc(zh) - zl 2/sqrt(pi) e^(-zh^2).  Below x = -36, f and f' are
  // evaluated at -36 (-1e-283 and -3e-281: -0 in f32, as their values), above -zh = 27 erfc is 2
  const double x = select_bits(xr < -36.0, -36.0, xr);
  const double zh = -x * kInvSqrt2Hi;
  const double zl = -(std::fma(x, kInvSqrt2Hi, x * -kInvSqrt2Hi) + x * kInvSqrt2Lo);
  const double zc = select_bits(zh < -27.0, -27.0, zh);
  const double e = std::erfc(zc) - zl * kTwoOverSqrtPi * std::exp(-zc * zc);
  if (!d) return 0.5 * x * e;
  const double phi = kInvSqrt2Pi * std::exp(-clamp(0.5 * (x * x), 0.0, kExpMax));  // x*x exact
  return signed_tail(0.5 * e + x * phi, x < -1);
}
[[gnu::always_inline]] inline double gelu_tanh(bool d, double x, double a, double k) {
  // 2u = 2k (x + a x^3) as hi + lo: x^2 exact, x^3 = x2 x and the products carried by fma
  const double x2 = x * x;
  const double x3 = x2 * x, x3l = std::fma(x2, x, -x3);
  const double p = a * x3, pl = std::fma(a, x3, -p) + a * x3l;
  const double s = x + p, sb = s - x, sl = ((x - (s - sb)) + (p - sb)) + pl;  // TwoSum
  const double u = k * s, ul = std::fma(k, s, -u) + k * sl;
  const Sig g = sig2(2.0 * u, 2.0 * ul);
  if (!d) return x * g.s;
  const double up = k * (1.0 + 3.0 * a * x2);
  return signed_tail(g.s + 2.0 * x * up * g.s * g.sm, x < -1);
}
[[gnu::always_inline]] inline double mish(bool d, double x) {
  // t = tanh(softplus x) and sech^2(softplus x) from e = e^-|x| (reference.cpp's two forms)
  const double e = std::exp(-clamp(std::fabs(x), 0.0, kExpMax));
  double t, sech2;
  if (x > 0) {
    const double den = 1.0 + 2.0 * e + 2.0 * e * e;
    t = (1.0 + 2.0 * e) / den;
    const double q = e * (1.0 + e);
    sech2 = 4.0 * q * q / (den * den);
  } else {
    const double n = e * (e + 2.0), den = n + 2.0, q = 1.0 + e;
    t = n / den;
    sech2 = 4.0 * q * q / (den * den);
  }
  if (!d) return x * t;
  const double s = (x >= 0 ? 1.0 : e) / (1.0 + e);
  return signed_tail(t + x * s * sech2, x < -2);
}

/// One input (finite; the caller routes the rest to ref::eval).
inline double formula(Activation a, bool d, double x, const K& k) {
  switch (a) {
    case Activation::relu: return relu(d, x);
    case Activation::relu6: return relu6(d, x);
    case Activation::leaky_relu: return leaky(d, x, k.leaky);
    case Activation::prelu: return leaky(d, x, k.prelu);
    case Activation::elu: return elu(d, x, k.elu);
    case Activation::selu: return selu(d, x, k);
    case Activation::celu: return celu(d, x, k.celu);
    case Activation::softplus: return softplus(d, x, k.sp_beta);
    case Activation::sigmoid: return sigmoid(d, x);
    case Activation::hardsigmoid: return hardsigmoid(d, x);
    case Activation::tanh: return tanh_fn(d, x);
    case Activation::softsign: return softsign(d, x);
    case Activation::swish: return swish(d, x, k.sw_beta);
    case Activation::hardswish: return hardswish(d, x);
    case Activation::gelu: return gelu(d, x);
    case Activation::gelu_tanh: return gelu_tanh(d, x, k.gt_a, k.gt_k);
    case Activation::mish: return mish(d, x);
  }
  return NAN;
}

bool defers(Activation a, bool d, double x, const K& k) {
  if (!std::isfinite(x)) return true;
  if (!d) return false;
  switch (a) {
    case Activation::swish: return std::fabs(k.sw_beta * x - kSwishZero) < kBand;
    case Activation::gelu: return std::fabs(x - kGeluZero) < kBand;
    case Activation::gelu_tanh: return std::fabs(x - kGeluTanhZero) < kBand;
    case Activation::mish: return std::fabs(x - kMishZero) < kBand;
    default: return false;
  }
}

bool is_deriv(Direction d) {
  if (d == Direction::bwd) throw std::invalid_argument("ref::fast_eval: Direction::bwd: use ref::reference_value");
  return d == Direction::deriv;
}

template <class F>
[[gnu::always_inline]] inline void each(const float* x, double* y, std::size_t n, F f) {
  for (std::size_t i = 0; i < n; ++i) y[i] = f(static_cast<double>(x[i]));
}

/// (The formulas above are always inlined: GCC otherwise calls them out of line from the loops below,
/// which then stay scalar.)
/// The vectorized pass: every input through its activation's double formula (the non-finite ones
/// too: they are replaced afterwards).  One loop per (activation, direction), in the clone of this
/// function built for the CPU's widest vector ISA.
ACTBENCH_CLONES
void batch(Activation a, bool d, const float* x, double* y, std::size_t n, const K& k) {
  // clang-format off
  switch (a) {
    case Activation::relu: each(x, y, n, [d](double v) { return relu(d, v); }); break;
    case Activation::relu6: each(x, y, n, [d](double v) { return relu6(d, v); }); break;
    case Activation::leaky_relu: each(x, y, n, [d, &k](double v) { return leaky(d, v, k.leaky); }); break;
    case Activation::prelu: each(x, y, n, [d, &k](double v) { return leaky(d, v, k.prelu); }); break;
    case Activation::elu:
      if (d) each(x, y, n, [&k](double v) { return elu(true, v, k.elu); });
      else each(x, y, n, [&k](double v) { return elu(false, v, k.elu); });
      break;
    case Activation::selu:
      if (d) each(x, y, n, [&k](double v) { return selu(true, v, k); });
      else each(x, y, n, [&k](double v) { return selu(false, v, k); });
      break;
    case Activation::celu:
      if (d) each(x, y, n, [&k](double v) { return celu(true, v, k.celu); });
      else each(x, y, n, [&k](double v) { return celu(false, v, k.celu); });
      break;
    case Activation::softplus:
      if (d) each(x, y, n, [&k](double v) { return softplus(true, v, k.sp_beta); });
      else each(x, y, n, [&k](double v) { return softplus(false, v, k.sp_beta); });
      break;
    case Activation::sigmoid:
      if (d) each(x, y, n, [](double v) { return sigmoid(true, v); });
      else each(x, y, n, [](double v) { return sigmoid(false, v); });
      break;
    case Activation::hardsigmoid: each(x, y, n, [d](double v) { return hardsigmoid(d, v); }); break;
    case Activation::tanh:
      if (d) each(x, y, n, [](double v) { return tanh_fn(true, v); });
      else each(x, y, n, [](double v) { return tanh_fn(false, v); });
      break;
    case Activation::softsign: each(x, y, n, [d](double v) { return softsign(d, v); }); break;
    case Activation::swish:
      if (d) each(x, y, n, [&k](double v) { return swish(true, v, k.sw_beta); });
      else each(x, y, n, [&k](double v) { return swish(false, v, k.sw_beta); });
      break;
    case Activation::hardswish: each(x, y, n, [d](double v) { return hardswish(d, v); }); break;
    case Activation::gelu:
      if (d) each(x, y, n, [](double v) { return gelu(true, v); });
      else each(x, y, n, [](double v) { return gelu(false, v); });
      break;
    case Activation::gelu_tanh:
      if (d) each(x, y, n, [&k](double v) { return gelu_tanh(true, v, k.gt_a, k.gt_k); });
      else each(x, y, n, [&k](double v) { return gelu_tanh(false, v, k.gt_a, k.gt_k); });
      break;
    case Activation::mish:
      if (d) each(x, y, n, [](double v) { return mish(true, v); });
      else each(x, y, n, [](double v) { return mish(false, v); });
      break;
  }
  // clang-format on
}

}  // namespace

bool fast_eval_defers(Activation a, Direction d, double x, const Params& p, ConstRounding r) {
  return defers(a, is_deriv(d), x, make_constants(p, r));
}

double fast_eval(Activation a, Direction d, double x, const Params& p, ConstRounding r) {
  const bool deriv = is_deriv(d);
  const K k = make_constants(p, r);
  if (defers(a, deriv, x, k)) return eval(a, d, x, p, r);
  return formula(a, deriv, x, k);
}

void exact_values(DType t, Activation a, Direction d, const Params& p, const std::vector<float>& slopes,
                  std::uint64_t first, const std::vector<std::uint64_t>& xs, const std::vector<std::uint64_t>& dys,
                  std::vector<long double>& out) {
  const std::int64_t n = static_cast<std::int64_t>(xs.size());
  out.resize(xs.size());
  if (t == DType::f64 || a == Activation::prelu) {
#pragma omp parallel for schedule(static)
    for (std::int64_t i = 0; i < n; ++i) {
      const std::size_t k = static_cast<std::size_t>(i);
      out[k] = exact_value(t, a, d, p, slopes, static_cast<std::int64_t>(first) + i, xs[k], dys.empty() ? 0 : dys[k]);
    }
    return;
  }
  const Direction fd = d == Direction::bwd ? Direction::deriv : d;
  constexpr std::int64_t kBlock = 4096;
#pragma omp parallel
  {
    std::vector<float> xf(kBlock);
    std::vector<double> yd(kBlock);
#pragma omp for schedule(static)
    for (std::int64_t b = 0; b < n; b += kBlock) {
      const std::size_t m = static_cast<std::size_t>(std::min(kBlock, n - b)), o = static_cast<std::size_t>(b);
      for (std::size_t k = 0; k < m; ++k) xf[k] = static_cast<float>(decode(t, xs[o + k]));
      fast_eval(a, fd, xf.data(), yd.data(), m, p, const_rounding(t));
      for (std::size_t k = 0; k < m; ++k)
        out[o + k] = d == Direction::bwd ? decode(t, dys[o + k]) * static_cast<long double>(yd[k])
                                         : static_cast<long double>(yd[k]);
    }
  }
}

void fast_eval(Activation a, Direction d, const float* x, double* y, std::size_t n, const Params& p,
               ConstRounding r) {
  const bool deriv = is_deriv(d);
  const K k = make_constants(p, r);
  batch(a, deriv, x, y, n, k);
  for (std::size_t i = 0; i < n; ++i)
    if (defers(a, deriv, x[i], k)) y[i] = eval(a, d, x[i], p, r);
}

}  // namespace actbench::ref
