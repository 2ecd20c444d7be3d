// actbench/harness/inputs_export.cpp - see inputs_export.hpp.
#include "harness/inputs_export.hpp"

#include "harness/npy.hpp"
#include "harness/ulp.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

namespace actbench {
namespace {

std::uint64_t parse_u64(const std::string& s, const std::string& spec) {
  const bool hex = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
  std::size_t pos = 0;
  unsigned long long v = 0;
  try {
    v = std::stoull(hex ? s.substr(2) : s, &pos, hex ? 16 : 10);
  } catch (const std::exception&) {
    pos = 0;
  }
  if (s.empty() || s[0] == '-' || pos != (hex ? s.size() - 2 : s.size()))
    throw std::invalid_argument(fmt::format("bad --range '{}': '{}' is not a decimal or 0x number", spec, s));
  return v;
}

/// Both output files, written chunk by chunk.
struct Outputs {
  ArrayWriter x;
  std::unique_ptr<ArrayWriter> dy;
  Outputs(const InputsRequest& r, std::uint64_t count)
      : x(r.x_path, r.dtype, count, r.raw),
        dy(r.bwd ? std::make_unique<ArrayWriter>(*r.dy_path, r.dtype, count, r.raw) : nullptr) {}
  void finish() {
    x.finish();
    if (dy) dy->finish();
  }
};

std::vector<std::uint64_t> bits_of(DType t, const std::vector<unsigned char>& bytes) {
  const std::size_t size = static_cast<std::size_t>(dtype_info(t).size_bytes);
  std::vector<std::uint64_t> out(bytes.size() / size);
  for (std::size_t i = 0; i < out.size(); ++i) {
    std::uint64_t b = 0;
    for (std::size_t k = size; k-- > 0;) b = b << 8 | bytes[i * size + k];
    out[i] = b;
  }
  return out;
}

InputsWritten write_benchmark_data(const InputsRequest& r) {
  const std::int64_t n = *r.n;
  Outputs out(r, static_cast<std::uint64_t>(n));
  out.x.append(bits_of(r.dtype, benchmark_values(r.dtype, n, -8.0, 8.0, r.seed)));
  if (out.dy) out.dy->append(bits_of(r.dtype, benchmark_values(r.dtype, n, -1.0, 1.0, r.seed + 1)));
  out.finish();
  return {static_cast<std::uint64_t>(n),
          fmt::format("the benchmark data of n = {}: x uniform in [-8, 8]{} (seed {})", n,
                      r.bwd ? ", dy uniform in [-1, 1]" : "", r.seed)};
}

/// Bit patterns [lo, hi) of an exhaustive set (every pattern in order), dy per runner chunk of the whole set.
InputsWritten write_pattern_range(const InputsRequest& r, std::uint64_t lo, std::uint64_t hi, std::uint64_t total) {
  Outputs out(r, hi - lo);
  std::vector<std::uint64_t> xs, dys;
  for (std::uint64_t chunk = lo / kAccuracyChunk * kAccuracyChunk; chunk < hi; chunk += kAccuracyChunk) {
    const std::uint64_t chunk_end = std::min<std::uint64_t>(total, chunk + kAccuracyChunk);
    const std::uint64_t a = std::max(lo, chunk), b = std::min(hi, chunk_end);
    xs.resize(b - a);
    for (std::uint64_t i = a; i < b; ++i) xs[i - a] = i;
    out.x.append(xs);
    if (out.dy) {
      const auto all = bwd_dy(r.dtype, static_cast<std::size_t>(chunk_end - chunk), r.seed + chunk);
      dys.assign(all.begin() + static_cast<std::ptrdiff_t>(a - chunk), all.begin() + static_cast<std::ptrdiff_t>(b - chunk));
      out.dy->append(dys);
    }
  }
  out.finish();
  return {hi - lo, fmt::format("bit patterns {}..{} of the exhaustive {} set{}", hex_bits(r.dtype, lo),
                               hex_bits(r.dtype, hi - 1), to_string(r.dtype),
                               r.bwd ? fmt::format(" (dy: seed {})", r.seed) : "")};
}

InputsWritten write_accuracy_set(const InputsRequest& r) {
  InputStream stream(r.dtype, r.mode, r.seed);
  Outputs out(r, stream.size());
  std::vector<std::uint64_t> xs;
  std::uint64_t first = 0;
  while (stream.next(xs, kAccuracyChunk, &first)) {
    out.x.append(xs);
    if (out.dy) out.dy->append(bwd_dy(r.dtype, xs.size(), r.seed + first));
  }
  out.finish();
  return {stream.size(), fmt::format("the {} accuracy set of {} (seed {}){}", to_string(r.mode), to_string(r.dtype),
                                     r.seed, stream.exhaustive() ? ": every bit pattern" : "")};
}

}  // namespace

std::pair<std::uint64_t, std::uint64_t> parse_bit_range(const std::string& spec, DType t) {
  const auto colon = spec.find(':');
  if (colon == std::string::npos) throw std::invalid_argument(fmt::format("bad --range '{}': use LO:HI", spec));
  const std::uint64_t lo = parse_u64(spec.substr(0, colon), spec), hi = parse_u64(spec.substr(colon + 1), spec);
  const int bits = 8 * dtype_info(t).size_bytes;
  const std::uint64_t limit = bits < 64 ? std::uint64_t{1} << bits : UINT64_MAX;
  if (!(lo < hi) || hi > limit)
    throw std::invalid_argument(fmt::format("bad --range '{}': need LO < HI <= {:#x} (half-open, bit patterns of {})",
                                            spec, limit, to_string(t)));
  return {lo, hi};
}

InputsWritten write_inputs(const InputsRequest& r) {
  if (r.x_path.empty()) throw std::invalid_argument("--x is required (where to write the inputs)");
  if (r.bwd && !r.dy_path) throw std::invalid_argument("--direction bwd needs --dy (where to write dy)");
  if (!r.bwd && r.dy_path) throw std::invalid_argument("--dy is written for --direction bwd only");
  if (r.n) {
    if (*r.n < 1) throw std::invalid_argument(fmt::format("--n must be at least 1, got {}", *r.n));
    if (r.range) throw std::invalid_argument("--n (the benchmark's data) and --range (an accuracy set) exclude each other");
    return write_benchmark_data(r);
  }
  if (r.mode == AccuracyMode::off) throw std::invalid_argument("--accuracy off has no inputs: sampled or exhaustive");
  const bool sixteen = r.dtype == DType::f16 || r.dtype == DType::bf16;
  const bool patterns = sixteen || (r.dtype == DType::f32 && r.mode == AccuracyMode::exhaustive);
  if (r.range) {
    if (!patterns)
      throw std::invalid_argument(fmt::format("--range selects bit patterns of an exhaustive set (f32 with --accuracy "
                                              "exhaustive, f16, bf16); the {} {} set is a sample",
                                              to_string(r.dtype), to_string(r.mode)));
    const int bits = 8 * dtype_info(r.dtype).size_bytes;
    return write_pattern_range(r, r.range->first, r.range->second, std::uint64_t{1} << bits);
  }
  if (r.dtype == DType::f32 && r.mode == AccuracyMode::exhaustive)
    throw std::invalid_argument("f32 exhaustive is 2^32 inputs (16 GiB a file): write it a part at a time with "
                                "--range LO:HI (bit patterns, e.g. 0x00000000:0x00800000)");
  return write_accuracy_set(r);
}

}  // namespace actbench
