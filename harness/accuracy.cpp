// actbench/harness/accuracy.cpp - see accuracy.hpp.
#include "harness/accuracy.hpp"

#include <cfloat>
#include <cmath>
#include <cstring>
#include <tuple>

namespace actbench {
namespace {

/// Order of worst-case candidates: larger error first; ties by the smaller (x, dy) bits.
bool worse(long double ulp_a, std::uint64_t xa, std::optional<std::uint64_t> da, long double ulp_b,
           std::uint64_t xb, std::optional<std::uint64_t> db) {
  if (ulp_a != ulp_b) return ulp_a > ulp_b;
  return std::make_tuple(xa, da.value_or(0)) < std::make_tuple(xb, db.value_or(0));
}

}  // namespace

int histogram_bin(long double u) {
  if (!(u >= 0.5L)) return 0;  // NaN never reaches here; negative impossible
  if (u < 1.0L) return 1;
  const double d = static_cast<double>(u);
  if (!(d <= 1.7976931348623157e308)) return kHistogramBins - 1;
  std::uint64_t b;
  std::memcpy(&b, &d, sizeof b);
  int k = 2 + static_cast<int>((b >> 52) & 0x7ff) - 1023;  // [2^j, 2^(j+1)) -> 2 + j (d >= 1: normal)
  if ((b & 0xfffffffffffffull) == 0 && static_cast<long double>(d) > u) --k;  // u rounded up to 2^j
  return k < kHistogramBins ? k : kHistogramBins - 1;
}

AccuracyAccumulator::AccuracyAccumulator(DType t, AccuracyBound bound) : t_(t), bound_(std::move(bound)) {}

void AccuracyAccumulator::add(std::uint64_t x_bits, std::optional<std::uint64_t> dy_bits,
                              std::uint64_t y_bits, long double exact) {
  ++n_;
  const UlpError e = ulp_error(t_, y_bits, exact);
  if (e.cls == UlpClass::nonfinite_mismatch) {
    ++nonfinite_;
    return;
  }
  if (e.cls == UlpClass::nonfinite_match) return;
  ++finite_;
  sum_ulp_ += e.ulp;
  if (e.ulp > max_ulp_) max_ulp_ = e.ulp;
  if (e.abs_err > max_abs_) max_abs_ = e.abs_err;
  if (e.rel_err > max_rel_) max_rel_ = e.rel_err;
  ++hist_[histogram_bin(e.ulp)];
  if (e.signed_zero_mismatch) ++signed_zero_;
  if (e.flushed_subnormal) ++flushed_;
  if (!(e.ulp <= bound_.ulp || e.abs_err <= bound_.abs)) ++out_of_bound_;
  if (!have_worst_ || worse(e.ulp, x_bits, dy_bits, w_ulp_, w_x_, w_dy_)) {
    have_worst_ = true;
    w_x_ = x_bits;
    w_dy_ = dy_bits;
    w_y_ = y_bits;
    w_ref_ = exact;
    w_ulp_ = e.ulp;
    w_abs_ = e.abs_err;
  }
}

void AccuracyAccumulator::merge(const AccuracyAccumulator& o) {
  n_ += o.n_;
  finite_ += o.finite_;
  sum_ulp_ += o.sum_ulp_;
  if (o.max_ulp_ > max_ulp_) max_ulp_ = o.max_ulp_;
  if (o.max_abs_ > max_abs_) max_abs_ = o.max_abs_;
  if (o.max_rel_ > max_rel_) max_rel_ = o.max_rel_;
  for (int k = 0; k < kHistogramBins; ++k) hist_[k] += o.hist_[k];
  nonfinite_ += o.nonfinite_;
  signed_zero_ += o.signed_zero_;
  flushed_ += o.flushed_;
  out_of_bound_ += o.out_of_bound_;
  if (o.have_worst_ && (!have_worst_ || worse(o.w_ulp_, o.w_x_, o.w_dy_, w_ulp_, w_x_, w_dy_))) {
    have_worst_ = true;
    w_x_ = o.w_x_;
    w_dy_ = o.w_dy_;
    w_y_ = o.w_y_;
    w_ref_ = o.w_ref_;
    w_ulp_ = o.w_ulp_;
    w_abs_ = o.w_abs_;
  }
}

AccuracyRecord AccuracyAccumulator::finish(bool exhaustive) const {
  AccuracyRecord r;
  r.dtype = t_;
  r.inputs_tested = n_;
  r.exhaustive = exhaustive;
  r.max_ulp = static_cast<double>(max_ulp_);
  r.mean_ulp = finite_ ? static_cast<double>(sum_ulp_ / static_cast<long double>(finite_)) : 0.0;
  r.max_abs_err = static_cast<double>(max_abs_);
  r.max_rel_err = static_cast<double>(max_rel_);
  if (have_worst_) {
    WorstCase w;
    w.x_bits = w_x_;
    w.dy_bits = w_dy_;
    w.y_bits = w_y_;
    w.x = decode(t_, w_x_);
    if (w_dy_) w.dy = decode(t_, *w_dy_);
    w.y = decode(t_, w_y_);
    w.ref = w_ref_;
    w.ulp = static_cast<double>(w_ulp_);
    w.abs_err = static_cast<double>(w_abs_);
    r.worst = w;
  }
  r.histogram_edges = histogram_edges();
  r.histogram_counts = hist_;
  r.nonfinite_mismatches = nonfinite_;
  r.signed_zero_mismatches = signed_zero_;
  r.flushed_subnormals = flushed_;
  r.bound_ulp = bound_.ulp;
  r.bound_abs = bound_.abs;
  r.bound_why = bound_.why;
  r.out_of_bound = out_of_bound_;
  r.pass = out_of_bound_ == 0 && nonfinite_ == 0 && signed_zero_ == 0;
  return r;
}

}  // namespace actbench
