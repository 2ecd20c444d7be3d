// actbench_exhaustive_f32 - every f32 input of one (activation, direction) case against the fast
// double reference (harness/reference_fast.hpp): max ULP and the worst inputs, counts over the bound,
// non-finite / signed-zero / flushed mismatches, the error per binade of x, the time.
//
//   actbench_exhaustive_f32 -a swish -d deriv [--param beta=1.5] [--variant precise]
//                           [--path full|hot|slow] [--from 0x00000000 --to 0xffffffff] [--bound 2]
//                           [--threads N] [--top 10] [--binades] [--json out.json]
//
// --path: full (default) is what the backends compute; for the f32 precise functions it is evaluated as
// their definition, hot path (vectorized) and slow path on the cold inputs; functor calls the ElementOp per
// input; hot and slow run one piece (exhaustive_cases.hpp).
// Inputs are bit patterns from --from to --to inclusive, in chunks of 2^16 pulled by OpenMP threads
// (memory: a few MiB a thread); progress and an ETA go to stderr.  Exit status: 0 when every counted
// input is within the bound with no non-finite, signed-zero or flushed mismatch, 1 otherwise,
// 2 on bad arguments.
#include "exhaustive_cases.hpp"
#include "harness/params.hpp"
#include "harness/reference.hpp"
#include "harness/reference_fast.hpp"
#include "harness/ulp.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <omp.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace actbench::exhaustive {
namespace {

constexpr std::uint64_t kChunk = 1u << 16;
constexpr int kBins = 512;  // sign and biased exponent of x: bits >> 23

struct Worst {
  double err = -1;
  std::uint32_t x = 0;
  float y = 0;
  double ref = 0;
};

/// What one thread (then the whole run) saw.
struct Tally {
  std::uint64_t counted = 0, skipped = 0, over = 0, not_rounded = 0;
  std::uint64_t nonfinite = 0, signed_zero = 0, flushed = 0, subnormal_results = 0;
  std::vector<Worst> top;  // sorted, worst first
  std::vector<double> bin_max = std::vector<double>(kBins, 0.0);
  std::vector<std::uint64_t> bin_over = std::vector<std::uint64_t>(kBins, 0);
  Worst first_mismatch{};  // first non-finite / signed-zero / flushed mismatch (err = kind)

  void offer(const Worst& w, std::size_t k) {
    if (top.size() == k && w.err <= top.back().err) return;
    auto it = std::upper_bound(top.begin(), top.end(), w, [](const Worst& a, const Worst& b) { return a.err > b.err; });
    top.insert(it, w);
    if (top.size() > k) top.pop_back();
  }
  void merge(const Tally& o, std::size_t k) {
    counted += o.counted;
    skipped += o.skipped;
    over += o.over;
    not_rounded += o.not_rounded;
    nonfinite += o.nonfinite;
    signed_zero += o.signed_zero;
    flushed += o.flushed;
    subnormal_results += o.subnormal_results;
    for (const Worst& w : o.top) offer(w, k);
    for (int b = 0; b < kBins; ++b) {
      bin_max[b] = std::max(bin_max[b], o.bin_max[b]);
      bin_over[b] += o.bin_over[b];
    }
    if (first_mismatch.err < 0 || (o.first_mismatch.err >= 0 && o.first_mismatch.x < first_mismatch.x))
      if (o.first_mismatch.err >= 0) first_mismatch = o.first_mismatch;
  }
};

/// ulp of the exact value y for f32 (ACCURACY.md: clamped to the subnormal quantum below 2^-126).
inline double ulp_f32(double y) {
  std::uint64_t b;
  std::memcpy(&b, &y, 8);
  int e = static_cast<int>((b >> 52) & 0x7ff) - 1023;
  e = e < -126 ? -126 : e;
  const std::uint64_t u = static_cast<std::uint64_t>(e - 23 + 1023) << 52;
  double r;
  std::memcpy(&r, &u, 8);
  return r;
}

/// Compares one chunk: got[i] (the f32 result for x[i]) against the exact ref[i].
void compare(const float* x, std::size_t n, const float* got, const double* ref, const unsigned char* use,
             double bound, std::size_t k, Tally& t) {
  for (std::size_t i = 0; i < n; ++i) {
    if (!use[i]) {
      ++t.skipped;
      continue;
    }
    ++t.counted;
    std::uint32_t xb;
    std::memcpy(&xb, &x[i], 4);
    const float yh = got[i];
    const double y = ref[i];
    const float yr = static_cast<float>(y);  // the exact value rounded to f32 (one rounding)
    const bool bad_nan = (yh != yh) != (y != y);
    if (bad_nan || ((yh != yh) && (y != y))) {
      if (bad_nan) {
        ++t.nonfinite;
        if (t.first_mismatch.err < 0) t.first_mismatch = {1, xb, yh, y};
      }
      continue;
    }
    if (std::isinf(yh) || std::isinf(yr)) {
      if (yh != yr) {
        ++t.nonfinite;
        if (t.first_mismatch.err < 0) t.first_mismatch = {1, xb, yh, y};
      }
      continue;
    }
    if (yr != 0 && std::fabs(yr) < 0x1p-126f) ++t.subnormal_results;
    if (yh == 0) {
      if (yr == 0 && std::signbit(yh) != std::signbit(yr)) {
        ++t.signed_zero;
        if (t.first_mismatch.err < 0) t.first_mismatch = {2, xb, yh, y};
      } else if (yr != 0 && std::fabs(yr) < 0x1p-126f) {
        ++t.flushed;
        if (t.first_mismatch.err < 0) t.first_mismatch = {3, xb, yh, y};
      }
    }
    const double err = std::fabs(static_cast<double>(yh) - y) / ulp_f32(y);
    if (err > 0.5) ++t.not_rounded;
    const int bin = static_cast<int>(xb >> 23);
    if (err > t.bin_max[bin]) t.bin_max[bin] = err;
    if (err > bound) {
      ++t.over;
      ++t.bin_over[bin];
    }
    if (t.top.size() < k || err > t.top.back().err) t.offer({err, xb, yh, y}, k);
  }
}

/// CPU seconds of this process (every thread): what the run costs, however busy the machine is.
double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + 1e-6 * double(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

float as_float(std::uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}

std::string hex32(std::uint32_t b) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", b);
  return buf;
}

std::string binade_name(int bin) {
  const int e = (bin & 0xff);
  const char* s = (bin & 0x100) ? "-" : "+";
  if (e == 0) return std::string(s) + "subnormal";
  if (e == 0xff) return std::string(s) + "inf/nan";
  return std::string(s) + "2^" + std::to_string(e - 127);
}

struct Options {
  std::string activation, direction = "fwd", variant = "precise", path = "full";
  std::vector<std::string> params;
  std::string from = "0x00000000", to = "0xffffffff", json;
  double bound = 2.0;
  std::uint32_t step = 1;
  int threads = 0;
  std::size_t top = 10;
  bool binades = false;
};

std::uint32_t parse_bits(const std::string& s, const char* what) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(s.c_str(), &end, 0);
  if (s.empty() || *end != '\0' || errno != 0 || v > 0xffffffffull)
    throw std::invalid_argument(std::string(what) + ": not a 32-bit pattern: '" + s + "'");
  return static_cast<std::uint32_t>(v);
}

int run(const Options& o) {
  Case c;
  c.activation = parse_activation(o.activation).value_or(Activation::relu);
  if (!parse_activation(o.activation)) throw std::invalid_argument("unknown activation '" + o.activation + "'");
  const auto dir = parse_direction(o.direction);
  if (!dir || *dir == Direction::bwd) throw std::invalid_argument("direction must be fwd or deriv: '" + o.direction + "'");
  c.direction = *dir;
  const auto var = parse_variant(o.variant);
  if (!var) throw std::invalid_argument("unknown variant '" + o.variant + "'");
  c.variant = *var;
  const auto path = parse_path(o.path);
  if (!path) throw std::invalid_argument("path must be full, functor, hot or slow: '" + o.path + "'");
  c.path = *path;
  for (const auto& kv : o.params) apply_param(c.params, kv, {c.activation});
  validate_params(c.params);
  const std::uint32_t from = parse_bits(o.from, "--from"), to = parse_bits(o.to, "--to");
  if (to < from) throw std::invalid_argument("--to is below --from");
  if (!(o.bound > 0)) throw std::invalid_argument("--bound must be > 0");
  if (o.top < 1) throw std::invalid_argument("--top must be >= 1");
  if (o.step < 1) throw std::invalid_argument("--step must be >= 1");
  const Evaluator eval = make_evaluator(c);  // throws for a path the case does not have
  if (o.threads > 0) omp_set_num_threads(o.threads);
  const int nthreads = omp_get_max_threads();

  const std::uint64_t total = (std::uint64_t(to) - from) / o.step + 1;
  const std::uint64_t nchunks = (total + kChunk - 1) / kChunk;
  std::atomic<std::uint64_t> next{0}, done{0};
  std::vector<Tally> tallies(nthreads);
  const auto t0 = std::chrono::steady_clock::now();
  const double cpu0 = cpu_seconds();
  auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  std::fprintf(stderr, "[exhaustive] %s %s %s path=%s: %llu inputs %s..%s step %u on %d threads\n", o.activation.c_str(),
               o.direction.c_str(), o.variant.c_str(), o.path.c_str(), static_cast<unsigned long long>(total),
               hex32(from).c_str(), hex32(to).c_str(), o.step, nthreads);

#pragma omp parallel num_threads(nthreads)
  {
    const int tid = omp_get_thread_num();
    std::vector<float> x(kChunk), y(kChunk);
    std::vector<double> ref(kChunk);
    std::vector<unsigned char> use(kChunk);
    double last_report = 0;
    for (;;) {
      const std::uint64_t ci = next.fetch_add(1);
      if (ci >= nchunks) break;
      const std::uint64_t k0 = ci * kChunk;  // index of the chunk's first input
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, total - k0));
      for (std::size_t i = 0; i < n; ++i) x[i] = as_float(static_cast<std::uint32_t>(from + (k0 + i) * o.step));
      eval.run(x.data(), y.data(), use.data(), n);
      ref::fast_eval(c.activation, c.direction, x.data(), ref.data(), n, c.params);
      compare(x.data(), n, y.data(), ref.data(), use.data(), o.bound, o.top, tallies[tid]);
      const std::uint64_t d = done.fetch_add(1) + 1;
      if (tid == 0) {
        const double s = seconds();
        if (s - last_report >= 2.0) {
          last_report = s;
          const double frac = double(d) / double(nchunks);
          std::fprintf(stderr, "[exhaustive] %5.1f%%  %.1f s  ETA %.1f s\n", 100 * frac, s, s / frac - s);
        }
      }
    }
  }
  Tally all;
  for (const Tally& t : tallies) all.merge(t, o.top);
  const double secs = seconds(), cpu = cpu_seconds() - cpu0;

  // The worst input, checked once more by the project's own ULP metric against the long-double reference.
  std::printf("%s %s %s (f32, path %s%s%s): %llu inputs %s..%s, %llu counted%s\n", o.activation.c_str(),
              o.direction.c_str(), o.variant.c_str(), o.path.c_str(), o.params.empty() ? "" : ", ",
              [&] { std::string s; for (const auto& p : o.params) s += (s.empty() ? "" : " ") + p; return s; }().c_str(),
              static_cast<unsigned long long>(total), hex32(from).c_str(), hex32(to).c_str(),
              static_cast<unsigned long long>(all.counted),
              all.skipped ? (" (" + std::to_string(all.skipped) + " left to the cold path)").c_str() : "");
  double ld_err = 0;
  if (!all.top.empty()) {
    const Worst& w = all.top.front();
    const long double exact = ref::reference_value(DType::f32, c.activation, c.direction, as_float(w.x), 0, c.params);
    std::uint32_t yb;
    std::memcpy(&yb, &w.y, 4);
    ld_err = static_cast<double>(ulp_error(DType::f32, yb, exact).ulp);
    std::printf("  max ulp %.4f at x = %s (%s): got %s, exact %s  [long-double reference: %.4f ulp]\n", w.err,
                hex32(w.x).c_str(), decimal(DType::f32, as_float(w.x)).c_str(), decimal(DType::f32, w.y).c_str(),
                decimal(static_cast<long double>(w.ref)).c_str(), ld_err);
  }
  std::printf("  over %.3g ulp: %llu; not correctly rounded (> 0.5 ulp): %llu\n", o.bound,
              static_cast<unsigned long long>(all.over), static_cast<unsigned long long>(all.not_rounded));
  std::printf("  non-finite mismatches: %llu; signed-zero mismatches: %llu; flushed subnormals: %llu; "
              "subnormal exact results: %llu\n",
              static_cast<unsigned long long>(all.nonfinite), static_cast<unsigned long long>(all.signed_zero),
              static_cast<unsigned long long>(all.flushed), static_cast<unsigned long long>(all.subnormal_results));
  if (all.first_mismatch.err >= 0) {
    const char* kind[] = {"", "non-finite", "signed zero", "flushed"};
    const Worst& m = all.first_mismatch;
    std::printf("  first %s mismatch at x = %s (%s): got %s, exact %s\n", kind[int(m.err)], hex32(m.x).c_str(),
                decimal(DType::f32, as_float(m.x)).c_str(), decimal(DType::f32, m.y).c_str(),
                decimal(static_cast<long double>(m.ref)).c_str());
  }
  std::printf("  top %zu:\n", all.top.size());
  for (const Worst& w : all.top)
    std::printf("    %.4f ulp  x = %s (%s)  got %s  exact %s\n", w.err, hex32(w.x).c_str(),
                decimal(DType::f32, as_float(w.x)).c_str(), decimal(DType::f32, w.y).c_str(),
                decimal(static_cast<long double>(w.ref)).c_str());
  if (o.binades) {
    std::printf("  per binade of x (max ulp, count over bound), binades with inputs counted:\n");
    for (int b = 0; b < kBins; ++b)
      if (all.bin_max[b] > 0 || all.bin_over[b] > 0)
        std::printf("    %-14s %10.4f %10llu\n", binade_name(b).c_str(), all.bin_max[b],
                    static_cast<unsigned long long>(all.bin_over[b]));
  }
  std::printf("  time %.1f s on %d threads, %.1f CPU s (%.1f CPU ns per input)\n", secs, nthreads, cpu,
              cpu / double(total) * 1e9);

  if (!o.json.empty()) {
    nlohmann::json j;
    j["activation"] = o.activation;
    j["direction"] = o.direction;
    j["variant"] = o.variant;
    j["path"] = o.path;
    j["params"] = o.params;
    j["from"] = hex32(from);
    j["to"] = hex32(to);
    j["counted"] = all.counted;
    j["bound_ulp"] = o.bound;
    j["max_ulp"] = all.top.empty() ? 0.0 : all.top.front().err;
    j["over_bound"] = all.over;
    j["not_correctly_rounded"] = all.not_rounded;
    j["nonfinite_mismatches"] = all.nonfinite;
    j["signed_zero_mismatches"] = all.signed_zero;
    j["flushed_subnormals"] = all.flushed;
    j["subnormal_results"] = all.subnormal_results;
    j["seconds"] = secs;
    j["cpu_seconds"] = cpu;
    j["threads"] = nthreads;
    for (const Worst& w : all.top)
      j["worst"].push_back({{"x_bits", hex32(w.x)}, {"x", decimal(DType::f32, as_float(w.x))},
                            {"y", decimal(DType::f32, w.y)}, {"ref", decimal(static_cast<long double>(w.ref))},
                            {"ulp", w.err}});
    for (int b = 0; b < kBins; ++b)
      if (all.bin_max[b] > 0 || all.bin_over[b] > 0)
        j["binades"].push_back({{"binade", binade_name(b)}, {"max_ulp", all.bin_max[b]}, {"over_bound", all.bin_over[b]}});
    std::ofstream out(o.json);
    if (!out) throw std::runtime_error("cannot write " + o.json);
    out << j.dump(1) << "\n";
  }
  const bool pass = all.over == 0 && all.nonfinite == 0 && all.signed_zero == 0 && all.flushed == 0;
  return pass ? 0 : 1;
}

}  // namespace
}  // namespace actbench::exhaustive

int main(int argc, char** argv) {
  using namespace actbench::exhaustive;
  Options o;
  CLI::App app{"Every f32 input of one case against the fast double reference"};
  app.add_option("-a,--activation", o.activation, "activation (catalog name, or silu)")->required();
  app.add_option("-d,--direction", o.direction, "fwd or deriv");
  app.add_option("--variant", o.variant, "precise, fast or textbook (full path only)");
  app.add_option("--path", o.path, "full (default), functor, hot or slow (exhaustive_cases.hpp)");
  app.add_option("-p,--param", o.params, "key=value, e.g. beta=1.5");
  app.add_option("--from", o.from, "first bit pattern (default 0x00000000)");
  app.add_option("--to", o.to, "last bit pattern, inclusive (default 0xffffffff)");
  app.add_option("--step", o.step, "every step-th pattern only (a quick look; default 1: all)");
  app.add_option("--bound", o.bound, "ULP bound counted against (default 2)");
  app.add_option("--threads", o.threads, "OpenMP threads (default: every core)");
  app.add_option("--top", o.top, "how many worst inputs to list (default 10)");
  app.add_flag("--binades", o.binades, "print the max ULP per binade of x");
  app.add_option("--json", o.json, "also write the summary as JSON");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  try {
    return run(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "actbench_exhaustive_f32: %s\n", e.what());
    return 2;
  }
}
