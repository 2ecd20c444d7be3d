#include "harness/host_match.hpp"

#include "harness/bounds.hpp"
#include "harness/ulp.hpp"

#include <fmt/format.h>

#include <cmath>

namespace actbench {
namespace {

bool bit_exact_activation(Activation a) {
  return a == Activation::relu || a == Activation::relu6 || a == Activation::leaky_relu || a == Activation::prelu;
}

/// Bits on a line where adjacent values are adjacent integers (-0 and +0 both 0).
long double ordered(DType t, std::uint64_t b) {
  const int width = dtype_info(t).size_bytes * 8;
  const std::uint64_t sign = std::uint64_t{1} << (width - 1);
  const auto mag = static_cast<long double>(b & (sign - 1));
  return (b & sign) ? -mag : mag;
}

double finite_or(double x, double fallback) { return std::isfinite(x) ? x : fallback; }

}  // namespace

HostMatch host_match(Activation a, Direction d, DType t, Variant v, Impl impl, const Params& params) {
  HostMatch m;
  const double eps = std::ldexp(1.0, 1 - dtype_info(t).precision);
  if (bit_exact_activation(a)) {
    m.bit_exact = true;
    m.why = "bit-exact (comparisons and at most one multiply: the same IEEE operations on host and device)";
    return m;
  }
  if (impl == Impl::cudnn) {
    m.ulp = 64;
    m.scaled_abs = 64 * eps;
    m.why = "cuDNN: 64 ulp, or 64 eps (1+|x|)(1+|dy|) (its own math, derivatives from its rounded output)";
    return m;
  }
  const AccuracyBound p = accuracy_bound(a, d, t, Variant::precise, params);
  switch (v) {
    case Variant::precise:
      m.ulp = 2 * p.ulp + 1;
      m.abs = 2 * p.abs;
      m.why = fmt::format("2 x bound(precise) + 1 ulp = {:g} ulp, or {:g} absolute", m.ulp, m.abs);
      break;
    case Variant::fast: {
      const AccuracyBound f = accuracy_bound(a, d, t, Variant::fast, params);
      m.ulp = finite_or(f.ulp, 1e30) + p.ulp + 1;
      m.abs = finite_or(f.abs, 1e30) + p.abs;
      m.why = fmt::format("bound(fast) + bound(precise) + 1 ulp = {:g} ulp, or {:g} absolute", m.ulp, m.abs);
      break;
    }
    case Variant::textbook:
      m.ulp = 2 * p.ulp + 1;
      m.abs = 2 * p.abs;
      m.scaled_abs = 8 * eps;
      m.why = fmt::format("as precise ({:g} ulp, or {:g} absolute), or 8 eps (1+|x|)(1+|dy|)", m.ulp, m.abs);
      break;
  }
  return m;
}

double ulp_distance(DType t, std::uint64_t a, std::uint64_t b) {
  return static_cast<double>(std::fabs(ordered(t, a) - ordered(t, b)));
}

bool matches_host(DType t, std::uint64_t got, std::uint64_t want, const HostMatch& m, std::uint64_t x,
                  std::uint64_t dy) {
  if (got == want) return true;
  const long double g = decode(t, got), w = decode(t, want);
  if (std::isnan(g) || std::isnan(w)) return std::isnan(g) && std::isnan(w);
  if (m.bit_exact) return false;
  if (std::isinf(g) || std::isinf(w)) return false;
  if (g == 0 && w == 0) return false;  // zeros of opposite signs (equal bits returned above)
  if (ulp_distance(t, got, want) <= m.ulp) return true;
  const long double diff = std::fabs(g - w);
  if (diff <= m.abs) return true;
  if (m.scaled_abs > 0) {
    const long double xv = decode(t, x), dv = decode(t, dy);
    const long double xa = std::isfinite(xv) ? std::fabs(xv) : 0.0L, da = std::isfinite(dv) ? std::fabs(dv) : 0.0L;
    if (diff <= m.scaled_abs * (1 + xa) * (1 + da)) return true;
  }
  return false;
}

}  // namespace actbench
