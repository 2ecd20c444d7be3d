// actbench/harness/inputs.cpp - see inputs.hpp.
#include "harness/inputs.hpp"

#include "harness/ulp.hpp"
#include "kernels/catalog.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <stdexcept>
#include <string>

namespace actbench {
namespace {

using L = long double;

/// splitmix64: small, fast, identical everywhere.
struct SplitMix64 {
  std::uint64_t s;
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1p-53; }  // [0, 1)
};

std::uint64_t salt(DType t) { return 0xac7be7c4ull * (static_cast<std::uint64_t>(t) + 1); }

/// Layout of a binary format's bit pattern.
struct Format {
  int mant_bits, exp_bits;
  std::uint64_t sign() const { return std::uint64_t{1} << (mant_bits + exp_bits); }
  std::uint64_t mant_mask() const { return (std::uint64_t{1} << mant_bits) - 1; }
  std::uint64_t inf() const { return ((std::uint64_t{1} << exp_bits) - 1) << mant_bits; }
  std::uint64_t max_exp_field() const { return (std::uint64_t{1} << exp_bits) - 2; }  // largest finite
};

Format format(DType t) {
  switch (t) {
    case DType::f32: return {23, 8};
    case DType::f16: return {10, 5};
    case DType::bf16: return {7, 8};
    case DType::f64: return {52, 11};
  }
  return {23, 8};
}

/// per_binade patterns of every binade (exponent field 1..max, and the subnormal range by leading
/// bit), both signs.  Each binade gets its first and last pattern; the rest are random.
void stratified(DType t, int per_binade, std::uint64_t seed, std::vector<std::uint64_t>& out) {
  const Format f = format(t);
  SplitMix64 rng{seed ^ salt(t)};
  for (std::uint64_t sign : {std::uint64_t{0}, f.sign()}) {
    // subnormals: mantissa with leading bit k
    for (int k = 0; k < f.mant_bits; ++k) {
      const std::uint64_t lo = std::uint64_t{1} << k, count = lo;  // [2^k, 2^(k+1))
      if (count <= static_cast<std::uint64_t>(per_binade)) {
        for (std::uint64_t m = lo; m < 2 * lo; ++m) out.push_back(sign | m);
      } else {
        out.push_back(sign | lo);
        out.push_back(sign | (2 * lo - 1));
        for (int i = 2; i < per_binade; ++i) out.push_back(sign | (lo + rng.next() % count));
      }
    }
    for (std::uint64_t e = 1; e <= f.max_exp_field(); ++e) {
      const std::uint64_t base = sign | (e << f.mant_bits);
      out.push_back(base);
      out.push_back(base | f.mant_mask());
      for (int i = 2; i < per_binade; ++i) out.push_back(base | (rng.next() & f.mant_mask()));
    }
  }
}

void sort_unique(std::vector<std::uint64_t>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

/// bits and its k neighbours on each side, staying within the same sign and at most inf.
void with_neighbours(const Format& f, std::uint64_t bits, int k, std::vector<std::uint64_t>& out) {
  const std::uint64_t sign = bits & f.sign();
  const std::uint64_t mag = bits & ~f.sign();
  for (int i = -k; i <= k; ++i) {
    if (i < 0 && mag < static_cast<std::uint64_t>(-i)) continue;
    const std::uint64_t m = mag + static_cast<std::uint64_t>(static_cast<std::int64_t>(i));
    if (m > f.inf()) continue;
    out.push_back(sign | m);
  }
}

/// The smallest positive finite value x of t with pred(x) (pred monotone: false ... true), found
/// by bisection over the bit patterns of [1, largest finite].
std::uint64_t first_true(DType t, const std::function<bool(L)>& pred) {
  const Format f = format(t);
  std::uint64_t lo = encode(t, 1.0L);                       // pred(lo) false
  std::uint64_t hi = (f.max_exp_field() << f.mant_bits) | f.mant_mask();  // pred(hi) true
  if (pred(decode(t, lo)) || !pred(decode(t, hi))) return hi;
  while (hi - lo > 1) {
    const std::uint64_t mid = lo + (hi - lo) / 2;
    (pred(decode(t, mid)) ? hi : lo) = mid;
  }
  return hi;
}

}  // namespace

const char* to_string(AccuracyMode m) {
  switch (m) {
    case AccuracyMode::off: return "off";
    case AccuracyMode::sampled: return "sampled";
    case AccuracyMode::exhaustive: return "exhaustive";
  }
  return "?";
}

std::optional<AccuracyMode> parse_accuracy_mode(std::string_view s) {
  for (AccuracyMode m : {AccuracyMode::off, AccuracyMode::sampled, AccuracyMode::exhaustive})
    if (s == to_string(m)) return m;
  return std::nullopt;
}

std::vector<std::uint64_t> special_inputs(DType t) {
  const Format f = format(t);
  std::vector<std::uint64_t> out;
  const std::uint64_t quiet = std::uint64_t{1} << (f.mant_bits - 1);
  const std::uint64_t min_normal = std::uint64_t{1} << f.mant_bits;
  const std::uint64_t max_finite = (f.max_exp_field() << f.mant_bits) | f.mant_mask();
  for (std::uint64_t s : {std::uint64_t{0}, f.sign()}) {
    out.push_back(s | f.inf());                  // inf
    out.push_back(s | f.inf() | quiet);          // quiet NaN
    out.push_back(s | f.inf() | 1u);             // signalling NaN
    out.push_back(s | f.inf() | quiet | 5u);     // NaN with a payload
    with_neighbours(f, s, 3, out);               // 0 and the smallest subnormals
    with_neighbours(f, s | (min_normal - 1), 3, out);  // largest subnormal, smallest normal
    with_neighbours(f, s | max_finite, 3, out);  // largest finite (and inf)
  }
  auto value = [&](L v, int k) {
    with_neighbours(f, encode(t, v), k, out);
    with_neighbours(f, encode(t, -v), k, out);
  };
  for (L v : {1.0L, 0.5L, 2.0L, 1e-8L, 1e-30L, 1e-38L, 1e-300L, 3.0L, 6.0L, 1.5L, 10.0L, 20.0L, 100.0L})
    value(v, 4);
  // Saturation thresholds (docs/ACCURACY.md's table), computed for this dtype.
  const std::function<bool(L)> preds[] = {
      [t](L x) { return round_to(t, std::tanh(x)) == 1; },                       // tanh -> 1
      [t](L x) { return round_to(t, 1 / (1 + std::exp(-x))) == 1; },             // sigmoid -> 1
      [t](L x) { return round_to(t, x + std::log1p(std::exp(-x))) == round_to(t, x); },  // softplus -> x
      [t](L x) { return std::isinf(round_to(t, std::exp(x))); },                 // exp overflows
      [t](L x) { return round_to(t, std::exp(-x)) == 0; },                       // exp(-x) underflows
      [t](L x) { return round_to(t, std::exp(-x * x / 2)) == 0; },               // gelu tail underflows
  };
  for (const auto& p : preds) {
    const std::uint64_t b = first_true(t, p);
    with_neighbours(f, b, 4, out);
    with_neighbours(f, b | f.sign(), 4, out);
  }
  // Zeros of the derivatives (relative error explodes there).
  for (const auto& i : kCatalog)
    if (!std::isnan(i.deriv_zero)) with_neighbours(f, encode(t, i.deriv_zero), 4, out);
  sort_unique(out);
  return out;
}

std::vector<std::uint64_t> accuracy_inputs(DType t, AccuracyMode m, std::uint64_t seed) {
  std::vector<std::uint64_t> out;
  if (m == AccuracyMode::off) return out;
  if (t == DType::f16 || t == DType::bf16) {
    out.resize(65536);
    for (std::uint64_t i = 0; i < 65536; ++i) out[i] = i;
    return out;
  }
  if (t == DType::f32 && m == AccuracyMode::exhaustive)
    throw std::invalid_argument("accuracy_inputs: f32 exhaustive is 2^32 inputs: use InputStream");
  // f64 has no exhaustive set: --accuracy exhaustive gives the dense sample, 4096 per binade and sign
  // (InputStream::exhaustive() stays false); sampled f64 takes 16 per binade, f32 64.
  const int per_binade = t == DType::f32 ? 64 : (m == AccuracyMode::exhaustive ? 4096 : 16);
  stratified(t, per_binade, seed, out);
  const std::vector<std::uint64_t> s = special_inputs(t);
  out.insert(out.end(), s.begin(), s.end());
  sort_unique(out);
  return out;
}

InputStream::InputStream(DType t, AccuracyMode m, std::uint64_t seed) {
  if (t == DType::f32 && m == AccuracyMode::exhaustive) {
    generated_ = true;
    exhaustive_ = true;
    total_ = std::uint64_t{1} << 32;
    return;
  }
  list_ = accuracy_inputs(t, m, seed);
  total_ = list_.size();
  exhaustive_ = m != AccuracyMode::off && (t == DType::f16 || t == DType::bf16);
}

bool InputStream::next(std::vector<std::uint64_t>& chunk, std::size_t max_count, std::uint64_t* first_index) {
  chunk.clear();
  if (max_count == 0) return false;
  const std::uint64_t start = pos_.fetch_add(max_count);
  if (start >= total_) return false;
  const std::uint64_t end = std::min<std::uint64_t>(total_, start + max_count);
  chunk.resize(end - start);
  if (generated_) {
    for (std::uint64_t i = start; i < end; ++i) chunk[i - start] = i;
  } else {
    std::copy(list_.begin() + static_cast<std::ptrdiff_t>(start), list_.begin() + static_cast<std::ptrdiff_t>(end),
              chunk.begin());
  }
  if (first_index) *first_index = start;
  return true;
}

std::vector<std::uint64_t> bwd_dy(DType t, std::size_t n, std::uint64_t seed) {
  SplitMix64 rng{seed ^ salt(t) ^ 0xd1b54a32d192ed03ull};
  std::vector<std::uint64_t> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t r = rng.next();
    const L mag = 0.1L * std::pow(40.0L, static_cast<L>(rng.uniform()));  // log-uniform in [0.1, 4)
    out[i] = encode(t, (r & 1u) ? -mag : mag);
  }
  return out;
}

std::vector<unsigned char> benchmark_values(DType t, std::int64_t n, double lo, double hi, std::uint64_t seed) {
  return visit_dtype(t, [&](auto tag) {
    using T = decltype(tag);
    std::vector<unsigned char> bytes(static_cast<std::size_t>(n) * sizeof(T));
    T* out = reinterpret_cast<T*>(bytes.data());
    SplitMix64 rng{seed};
    for (std::int64_t i = 0; i < n; ++i)
      out[i] = dtype_traits<T>::from_compute(static_cast<compute_t<T>>(lo + (hi - lo) * rng.uniform()));
    return bytes;
  });
}

}  // namespace actbench
