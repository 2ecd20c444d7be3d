// actbench/harness/accuracy.cpp - see accuracy.hpp.
#include "harness/accuracy.hpp"

#include <algorithm>
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

AccuracyAccumulator::AccuracyAccumulator(DType t, AccuracyBound bound) : t_(t), bound_(std::move(bound)) {
  const DTypeInfo i = dtype_info(t);
  mant_bits_ = i.precision - 1;
  exp_bits_ = 8 * i.size_bytes - 1 - mant_bits_;
  min_normal_ = std::ldexp(1.0L, i.emin);
  buckets_.resize(std::size_t{2} << exp_bits_);
}

std::size_t AccuracyAccumulator::bucket_of(std::uint64_t x) const {
  const std::uint64_t fields = std::uint64_t{1} << exp_bits_;
  const std::uint64_t sign = (x >> (mant_bits_ + exp_bits_)) & 1u;
  std::uint64_t field = (x >> mant_bits_) & (fields - 1);
  if (field == 0 && (x & ((std::uint64_t{1} << mant_bits_) - 1)) == 0) field = fields - 1;  // zero: with inf/NaN
  return static_cast<std::size_t>(sign * fields + field);
}

void AccuracyAccumulator::offer(const Candidate& c) {
  const auto worse_than = [](const Candidate& a, const Candidate& b) {
    return worse(a.ulp, a.x, a.dy, b.ulp, b.x, b.dy);
  };
  if (top_.size() == static_cast<std::size_t>(kTopWorst) && !worse_than(c, top_.back())) return;
  top_.insert(std::upper_bound(top_.begin(), top_.end(), c, worse_than), c);
  if (top_.size() > static_cast<std::size_t>(kTopWorst)) top_.pop_back();
}

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
  if (exact != 0 && std::fabs(exact) < min_normal_) ++subnormal_outputs_;
  sum_ulp_ += e.ulp;
  if (e.ulp > max_ulp_) max_ulp_ = e.ulp;
  if (e.abs_err > max_abs_) max_abs_ = e.abs_err;
  if (e.rel_err > max_rel_) max_rel_ = e.rel_err;
  ++hist_[histogram_bin(e.ulp)];
  if (e.signed_zero_mismatch) ++signed_zero_;
  const bool in_ulp = e.ulp <= bound_.ulp, in_abs = e.abs_err <= bound_.abs;
  const bool over = !(in_ulp || in_abs);
  if (e.flushed_subnormal) {
    ++flushed_;
    if (over) ++flushed_over_;
  }
  if (over) ++out_of_bound_;
  if (!in_ulp && in_abs) {
    ++allowance_only_;
  } else if (e.ulp > max_deciding_) {
    max_deciding_ = e.ulp;
  }
  Bucket& b = buckets_[bucket_of(x_bits)];
  ++b.count;
  if (over) ++b.over;
  if (e.ulp > b.max_ulp) b.max_ulp = e.ulp;
  // A candidate for the worst list only at or above its last entry (offer() breaks the ties).
  if (top_.size() < static_cast<std::size_t>(kTopWorst) || e.ulp >= top_.back().ulp)
    offer({e.ulp, e.abs_err, exact, x_bits, y_bits, dy_bits});
}

void AccuracyAccumulator::merge(const AccuracyAccumulator& o) {
  n_ += o.n_;
  finite_ += o.finite_;
  sum_ulp_ += o.sum_ulp_;
  max_ulp_ = std::max(max_ulp_, o.max_ulp_);
  max_abs_ = std::max(max_abs_, o.max_abs_);
  max_rel_ = std::max(max_rel_, o.max_rel_);
  max_deciding_ = std::max(max_deciding_, o.max_deciding_);
  for (int k = 0; k < kHistogramBins; ++k) hist_[k] += o.hist_[k];
  nonfinite_ += o.nonfinite_;
  signed_zero_ += o.signed_zero_;
  flushed_ += o.flushed_;
  flushed_over_ += o.flushed_over_;
  out_of_bound_ += o.out_of_bound_;
  allowance_only_ += o.allowance_only_;
  subnormal_outputs_ += o.subnormal_outputs_;
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    buckets_[i].count += o.buckets_[i].count;
    buckets_[i].over += o.buckets_[i].over;
    buckets_[i].max_ulp = std::max(buckets_[i].max_ulp, o.buckets_[i].max_ulp);
  }
  for (const Candidate& c : o.top_) offer(c);
}

AccuracyRecord AccuracyAccumulator::finish(bool exhaustive) const {
  AccuracyRecord r;
  r.dtype = t_;
  r.inputs_tested = n_;
  r.exhaustive = exhaustive;
  // f32/f16/bf16 data: the batched double reference (ref::exact_values); f64 data: x87 long double.
  r.reference = t_ == DType::f64 ? "long double" : "double";
  r.max_ulp = static_cast<double>(max_ulp_);
  r.mean_ulp = finite_ ? static_cast<double>(sum_ulp_ / static_cast<long double>(finite_)) : 0.0;
  r.max_abs_err = static_cast<double>(max_abs_);
  r.max_rel_err = static_cast<double>(max_rel_);
  for (const Candidate& c : top_) {
    WorstCase w;
    w.x_bits = c.x;
    w.dy_bits = c.dy;
    w.y_bits = c.y;
    w.x = decode(t_, c.x);
    if (c.dy) w.dy = decode(t_, *c.dy);
    w.y = decode(t_, c.y);
    w.ref = c.ref;
    w.ulp = static_cast<double>(c.ulp);
    w.abs_err = static_cast<double>(c.abs_err);
    r.top_worst.push_back(w);
  }
  if (!r.top_worst.empty()) r.worst = r.top_worst.front();
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
  if (out_of_bound_ > flushed_over_) r.fail_reasons.emplace_back("out_of_bound");
  if (nonfinite_) r.fail_reasons.emplace_back("nonfinite_mismatch");
  if (signed_zero_) r.fail_reasons.emplace_back("signed_zero_mismatch");
  if (flushed_over_) r.fail_reasons.emplace_back("flushed_subnormal");
  r.allowance_only = allowance_only_;
  r.max_ulp_deciding = static_cast<double>(max_deciding_);
  r.subnormal_outputs = subnormal_outputs_;
  // per_binade: one entry per sign and binade of x; f64's 2046 binades are grouped 16 at a time, sampled f32's
  // 254 grouped 4 at a time (exp the group's first binade, exp_last its last) to keep a record small (the
  // sample has 64 inputs a binade; an exhaustive f32 record keeps every binade).
  const std::size_t fields = std::size_t{1} << exp_bits_;
  const int bias = (1 << (exp_bits_ - 1)) - 1;
  const std::size_t group = t_ == DType::f64 ? 16 : (t_ == DType::f32 && !exhaustive ? 4 : 1);
  for (int sign : {1, -1}) {
    const std::size_t base = sign < 0 ? fields : 0;
    auto emit = [&](std::size_t f0, std::size_t f1, std::optional<int> exp, std::optional<int> exp_last) {
      BinadeErrors e;
      e.sign = sign;
      e.exp = exp;
      e.exp_last = exp_last;
      for (std::size_t f = f0; f < f1; ++f) {
        const Bucket& b = buckets_[base + f];
        e.count += b.count;
        e.over_bound += b.over;
        e.max_ulp = std::max(e.max_ulp, static_cast<double>(b.max_ulp));
      }
      if (e.count) r.per_binade.push_back(e);
    };
    emit(0, 1, dtype_info(t_).emin - 1, std::nullopt);  // subnormal x
    for (std::size_t f = 1; f < fields - 1; f += group) {
      const std::size_t f1 = std::min(f + group, fields - 1);
      emit(f, f1, static_cast<int>(f) - bias,
           group > 1 ? std::optional<int>(static_cast<int>(f1 - 1) - bias) : std::nullopt);
    }
    emit(fields - 1, fields, std::nullopt, std::nullopt);  // 0, inf, NaN
  }
  return r;
}

}  // namespace actbench
