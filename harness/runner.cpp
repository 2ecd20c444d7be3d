#include "harness/runner.hpp"

#include "harness/accuracy.hpp"
#include "harness/bounds.hpp"
#include "harness/cpu/launch.hpp"
#include "harness/host_match.hpp"
#include "harness/params.hpp"
#include "harness/reference.hpp"
#include "harness/reference_fast.hpp"
#include "harness/ulp.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <cstring>
#include <limits>

namespace actbench {

namespace {

/// A case that cannot run here (the reason goes to the report's not_run list).
struct Skip {
  std::string reason;
};

std::vector<unsigned char> pack(DType t, const std::vector<std::uint64_t>& bits) {
  const std::size_t s = static_cast<std::size_t>(dtype_info(t).size_bytes);
  std::vector<unsigned char> out(bits.size() * s);
  for (std::size_t i = 0; i < bits.size(); ++i) std::memcpy(out.data() + i * s, &bits[i], s);  // little endian
  return out;
}

std::vector<std::uint64_t> unpack(DType t, const std::vector<unsigned char>& bytes) {
  const std::size_t s = static_cast<std::size_t>(dtype_info(t).size_bytes);
  std::vector<std::uint64_t> out(bytes.size() / s, 0);
  for (std::size_t i = 0; i < out.size(); ++i) std::memcpy(&out[i], bytes.data() + i * s, s);
  return out;
}

std::string gib(double bytes) { return fmt::format("{:.2f} GiB", bytes / double(1ull << 30)); }

/// The bit pattern of all-ones bytes (the poison) in dtype t.
std::uint64_t all_ones(DType t) {
  const int width = dtype_info(t).size_bytes * 8;
  return width == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << width) - 1;
}

/// Elements of the timed output compared with the host: the first and last kEdge (the head and the scalar
/// tail of the kernel), and kStrided spread evenly over all n (every tile and block region).
constexpr std::size_t kEdge = 64;
constexpr std::size_t kStrided = 4096;

}  // namespace

std::vector<std::uint64_t> run_on_inputs(Backend& backend, const Case& c, const Params& params,
                                         const std::vector<std::uint64_t>& x_bits,
                                         const std::vector<std::uint64_t>& dy_bits) {
  const std::size_t n = x_bits.size();
  const std::size_t bytes = n * static_cast<std::size_t>(dtype_info(c.dtype).size_bytes);
  Buffer x = backend.allocate(bytes), y = backend.allocate(bytes), dy;
  const auto xb = pack(c.dtype, x_bits);
  backend.upload(x, xb.data(), bytes);
  if (c.direction == Direction::bwd) {
    if (dy_bits.size() != n) throw std::invalid_argument("bwd needs one dy per x");
    dy = backend.allocate(bytes);
    const auto db = pack(c.dtype, dy_bits);
    backend.upload(dy, db.data(), bytes);
  }
  const std::vector<float> slopes = prelu_slopes(params);
  Buffer slope_buf = backend.allocate(slopes.size() * sizeof(float));
  backend.upload(slope_buf, slopes.data(), slopes.size() * sizeof(float));

  Launch l;
  l.op = {c.activation, c.direction, c.variant, params, static_cast<const float*>(slope_buf.data())};
  l.dtype = c.dtype;
  l.impl = c.impl;
  l.n = static_cast<std::int64_t>(n);
  l.x = x.data();
  l.dy = dy ? dy.data() : nullptr;
  l.y = y.data();
  const auto run = [&](std::uint8_t poison) {
    backend.fill(y, poison);
    backend.launch(l);
    backend.synchronize();
    std::vector<unsigned char> out(bytes);
    backend.download(out.data(), y, bytes);
    return unpack(c.dtype, out);
  };
  // Outputs poisoned with all-ones bytes (a NaN): an element still all-ones may be unwritten, or a NaN input
  // carried through.  Then once more over zero bytes: an element the kernel writes is the same both times.
  std::vector<std::uint64_t> ys = run(0xFF);
  const std::uint64_t ones = all_ones(c.dtype);
  if (std::find(ys.begin(), ys.end(), ones) != ys.end()) {
    const std::vector<std::uint64_t> again = run(0x00);
    for (std::size_t i = 0; i < n; ++i)
      if (ys[i] == ones && again[i] != ones)
        throw BackendError(fmt::format("{} {}: element {} of {} was not written (it kept the poison)", to_string(c.impl),
                                       c.name(), i, n));
  }
  return ys;
}

Runner::Runner(Backend& backend, RunOptions options)
    : backend_(backend), opt_(std::move(options)), slopes_(prelu_slopes(opt_.params)) {}

void Runner::sample_telemetry() {
  nlohmann::json t = backend_.telemetry();
  if (telemetry_first_.empty()) telemetry_first_ = t;
  telemetry_last_ = t;
  if (t.contains("throttled") && t["throttled"].is_boolean() && t["throttled"].get<bool>()) throttled_ = true;
}

void Runner::prepare(DType t, std::int64_t n) {
  if (ws_.dtype == t && ws_.n == n) return;
  const std::size_t size = static_cast<std::size_t>(dtype_info(t).size_bytes);
  const std::size_t bytes = static_cast<std::size_t>(n) * size;
  // Release the previous working set before asking for the next one.
  ws_ = Workspace{};
  const double need = 3.0 * static_cast<double>(bytes) + 2.0 * static_cast<double>(slopes_.size() * sizeof(float));
  const double free = static_cast<double>(backend_.free_memory());
  if (need > 0.9 * free)
    throw Skip{fmt::format("does not fit: needs {} for x, dy and y, {} free", gib(need), gib(free))};
  sample_telemetry();
  ws_.x = backend_.allocate(bytes);
  ws_.dy = backend_.allocate(bytes);
  ws_.y = backend_.allocate(bytes);
  ws_.slopes = backend_.allocate(slopes_.size() * sizeof(float));
  ws_.dalpha = backend_.allocate(slopes_.size() * sizeof(float));
  backend_.upload(ws_.slopes, slopes_.data(), slopes_.size() * sizeof(float));
  // Inputs span every branch of every activation (both signs, the saturating tails).
  const auto xs = benchmark_values(t, n, -8.0, 8.0, opt_.seed);
  const auto dys = benchmark_values(t, n, -1.0, 1.0, opt_.seed + 1);
  backend_.upload(ws_.x, xs.data(), bytes);
  backend_.upload(ws_.dy, dys.data(), bytes);
  backend_.fill(ws_.y, 0xFF);
  backend_.synchronize();
  ws_.dtype = t;
  ws_.n = n;
}

RooflineRecord& Runner::roofline(DType t, std::int64_t n) {
  for (auto& r : roofline_)
    if (r.dtype == t && r.n == n) return r;
  const std::size_t bytes = static_cast<std::size_t>(n) * static_cast<std::size_t>(dtype_info(t).size_bytes);
  auto copy = [&](CopyKind k) { return [this, k, bytes, t] { backend_.copy(k, ws_.y.data(), ws_.x.data(), bytes, t); }; };
  RooflineRecord r;
  r.backend = backend_.kind();
  r.device = backend_.facts().index;
  r.dtype = t;
  r.n = n;
  r.memcpy = measure(backend_, copy(CopyKind::memcpy), false, opt_.rule);
  r.copy_kernel = measure(backend_, copy(CopyKind::kernel), false, opt_.rule);
  backend_.fill(ws_.y, 0xFF);
  roofline_.push_back(r);
  return roofline_.back();
}

std::optional<RooflineRecord> Runner::finish_group() {
  if (ws_.n < 0) return std::nullopt;
  RooflineRecord& r = roofline(ws_.dtype, ws_.n);
  if (r.memcpy_after) return r;
  const std::size_t bytes = static_cast<std::size_t>(ws_.n) * static_cast<std::size_t>(dtype_info(ws_.dtype).size_bytes);
  const DType t = ws_.dtype;
  r.memcpy_after = measure(backend_, [&] { backend_.copy(CopyKind::memcpy, ws_.y.data(), ws_.x.data(), bytes, t); },
                           false, opt_.rule);
  backend_.synchronize();
  const double before = gbps_of(static_cast<double>(r.bytes()), r.memcpy.median);
  const double after = gbps_of(static_cast<double>(r.bytes()), r.memcpy_after->median);
  const double lo = std::min(before, after), hi = std::max(before, after);
  r.suspect.clear();
  if (lo <= 0 || hi / lo - 1 > opt_.plausibility.max_roofline_change)
    r.suspect.push_back(fmt::format("roofline unstable: the copy ran at {:.3g} GB/s before the cases and {:.3g} GB/s "
                                    "after", before, after));
  const double kernel = r.copy_kernel_gbps();
  if (hi > 0 && kernel > 2 * hi)
    r.suspect.push_back(fmt::format("roofline implausible: our copy kernel ({:.3g} GB/s) beat the platform's copy "
                                    "({:.3g} GB/s) by more than 2x", kernel, hi));
  return r;
}

void apply_roofline(BenchmarkRecord& r, const RooflineRecord& roof, const Plausibility& p) {
  const double copy = roof.copy_gbps(), kernel = roof.copy_kernel_gbps();
  r.pct_of_copy_bw = copy > 0 ? 100.0 * r.gbps / copy : 0.0;
  r.pct_of_copy_kernel_bw = kernel > 0 ? 100.0 * r.gbps / kernel : 0.0;
  r.suspect.clear();
  if (r.pct_of_copy_bw > p.max_pct_of_copy)
    r.suspect.push_back(fmt::format("{}{:.1f}% > {:.0f}%: faster than the in-run copy", kFasterThanCopyToken,
                                    r.pct_of_copy_bw, p.max_pct_of_copy));
  if (!r.hot.converged)
    r.suspect.push_back(fmt::format("hot timing did not converge ({} samples, spread {:.1f}%)", r.hot.samples,
                                    100 * r.hot.rel_spread));
  for (const auto& why : roof.suspect) r.suspect.push_back(why);
}

void Runner::set_plan(const std::vector<Case>& cases) {
  plan_.clear();
  for (const Case& c : cases)
    if (c.backend == backend_.kind() && c.device == backend_.facts().index) plan_.push_back(c);
}

std::vector<Case> Runner::accuracy_group(const Case& c) const {
  // c, and every case of the plan with the same exact values (activation, direction, dtype) whose
  // accuracy is not known yet: one per accuracy key, runnable here.
  std::vector<Case> group = {c};
  std::set<decltype(c.accuracy_key())> keys = {c.accuracy_key()};
  for (const Case& o : plan_) {
    if (o.activation != c.activation || o.direction != c.direction || o.dtype != c.dtype) continue;
    if (accuracy_.count(o.accuracy_key()) || !keys.insert(o.accuracy_key()).second) continue;
    const OpSpec op{o.activation, o.direction, o.variant, opt_.params, nullptr};
    if (backend_.unsupported(o.impl, op, o.dtype)) continue;
    group.push_back(o);
  }
  return group;
}

const std::optional<AccuracyRecord>& Runner::accuracy(const Case& c) {
  const auto key = c.accuracy_key();
  if (auto it = accuracy_.find(key); it != accuracy_.end()) return it->second;
  if (opt_.accuracy == AccuracyMode::off) return accuracy_[key] = std::nullopt;

  // The exact values depend on (activation, direction, dtype, inputs) only: they are computed once per
  // chunk and every variant and impl of the plan that shares them is checked on the same chunk.
  std::vector<Case> group = accuracy_group(c);
  std::vector<AccuracyBound> bounds;
  std::vector<AccuracyAccumulator> totals;
  for (const Case& g : group) {
    bounds.push_back(accuracy_bound(g.activation, g.direction, g.dtype, g.variant, opt_.params));
    totals.emplace_back(g.dtype, bounds.back());
  }
  InputStream stream(c.dtype, opt_.accuracy, opt_.seed);
  std::vector<std::uint64_t> xs;
  std::vector<long double> exact;
  std::uint64_t first = 0, done = 0;
  const auto t0 = std::chrono::steady_clock::now();
  auto last_note = t0;
  // Chunks bound the memory of an exhaustive f32 run (2^32 inputs) and of its device buffers.
  while (stream.next(xs, std::size_t{1} << 22, &first)) {
    const std::vector<std::uint64_t> dys = c.direction == Direction::bwd
                                               ? bwd_dy(c.dtype, xs.size(), opt_.seed + first)
                                               : std::vector<std::uint64_t>{};
    const std::int64_t count = static_cast<std::int64_t>(xs.size());
    ref::exact_values(c.dtype, c.activation, c.direction, opt_.params, slopes_, first, xs, dys, exact);
    for (std::size_t m = 0; m < group.size(); ++m) {
      const std::vector<std::uint64_t> ys = run_on_inputs(backend_, group[m], opt_.params, xs, dys);
#pragma omp parallel
      {
        AccuracyAccumulator part(c.dtype, bounds[m]);
#pragma omp for schedule(static) nowait
        for (std::int64_t i = 0; i < count; ++i) {
          const std::size_t k = static_cast<std::size_t>(i);
          part.add(xs[k], dys.empty() ? std::nullopt : std::optional<std::uint64_t>(dys[k]), ys[k], exact[k]);
        }
#pragma omp critical
        totals[m].merge(part);
      }
    }
    done += xs.size();
    const auto now = std::chrono::steady_clock::now();
    if (now - last_note > std::chrono::seconds(10) && done < stream.size()) {
      const double elapsed = std::chrono::duration<double>(now - t0).count();
      const double eta = elapsed / static_cast<double>(done) * static_cast<double>(stream.size() - done);
      fmt::print(stderr, "  accuracy {}/{}/{} ({} variant/impl): {:.1f}% of {} inputs, {:.0f}s, ETA {:.0f}s\n",
                 to_string(c.activation), to_string(c.direction), to_string(c.dtype), group.size(),
                 100.0 * static_cast<double>(done) / static_cast<double>(stream.size()), stream.size(), elapsed, eta);
      last_note = now;
    }
  }
  for (std::size_t m = 0; m < group.size(); ++m) {
    AccuracyRecord r = totals[m].finish(stream.exhaustive());
    r.expected_to_fail = group[m].variant == Variant::textbook;
    accuracy_[group[m].accuracy_key()] = std::move(r);
  }
  return accuracy_.at(key);
}

OutputCheck Runner::check_timed_output(const Case& c, const Launch& l) {
  const std::size_t n = static_cast<std::size_t>(c.n), size = static_cast<std::size_t>(dtype_info(c.dtype).size_bytes);
  const std::size_t edge = std::min(n, kEdge), k = std::min(n, kStrided);
  struct Run {
    std::size_t first, stride, count;
  };
  const Run runs[] = {{0, 1, edge}, {0, k > 0 ? n / k : 1, k}, {n - edge, 1, edge}};
  std::vector<std::int64_t> index;
  std::vector<unsigned char> xb, dyb, yb;
  const bool bwd = c.direction == Direction::bwd;
  for (const Run& run : runs) {
    if (run.count == 0) continue;
    const std::size_t at = index.size() * size, bytes = run.count * size;
    for (std::size_t j = 0; j < run.count; ++j) index.push_back(static_cast<std::int64_t>(run.first + j * run.stride));
    xb.resize(at + bytes);
    yb.resize(at + bytes);
    backend_.download_strided(xb.data() + at, ws_.x, size, run.first, run.stride, run.count);
    backend_.download_strided(yb.data() + at, ws_.y, size, run.first, run.stride, run.count);
    if (bwd) {
      dyb.resize(at + bytes);
      backend_.download_strided(dyb.data() + at, ws_.dy, size, run.first, run.stride, run.count);
    }
  }
  // The host runs the same functor on the same inputs at the same element indices (prelu's channels).
  std::vector<unsigned char> want(yb.size());
  Launch h = l;
  h.op.prelu_alpha = slopes_.data();
  h.n = static_cast<std::int64_t>(index.size());
  h.x = xb.data();
  h.dy = bwd ? dyb.data() : nullptr;
  h.y = want.data();
  h.prelu_dalpha = nullptr;
  cpu::evaluate_at_dtype(h, index.data());

  const HostMatch m = host_match(c.activation, c.direction, c.dtype, c.variant, c.impl, opt_.params);
  const auto xs = unpack(c.dtype, xb), ys = unpack(c.dtype, yb), ws = unpack(c.dtype, want);
  const auto dys = bwd ? unpack(c.dtype, dyb) : std::vector<std::uint64_t>(xs.size(), 0);
  OutputCheck check;
  check.elements = static_cast<std::int64_t>(index.size());
  check.comparison = m.why;
  for (std::size_t j = 0; j < index.size(); ++j) {
    if (matches_host(c.dtype, ys[j], ws[j], m, xs[j], dys[j])) continue;
    if (check.mismatches++ == 0)
      check.first_mismatch = fmt::format("element {}: x={}{} got {} ({}) want {} ({})", index[j], hex_bits(c.dtype, xs[j]),
                                         bwd ? " dy=" + hex_bits(c.dtype, dys[j]) : std::string(),
                                         hex_bits(c.dtype, ys[j]), decimal(c.dtype, decode(c.dtype, ys[j])),
                                         hex_bits(c.dtype, ws[j]), decimal(c.dtype, decode(c.dtype, ws[j])));
  }
  return check;
}

CaseOutcome Runner::run(const Case& c, int repetition_index) {
  CaseOutcome out;
  auto not_run = [&](bool error, const std::string& why) {
    out.not_run = NotRunRecord{c, error, why};
    return out;
  };
  OpSpec op{c.activation, c.direction, c.variant, opt_.params, nullptr};
  if (auto why = backend_.unsupported(c.impl, op, c.dtype)) return not_run(false, *why);
  // What every record of this case starts with: its axes, parameters, repetition and the bytes it moves.
  auto new_record = [&] {
    BenchmarkRecord r;
    r.c = c;
    r.params = opt_.params;
    r.repetition_index = repetition_index;
    const BytesMoved moved = bytes_moved(c, opt_.params.prelu_channels);
    r.bytes = moved.bytes;
    r.bytes_convention = moved.convention;
    return r;
  };

  if (!opt_.timing) {  // accuracy only
    try {
      BenchmarkRecord r = new_record();
      r.timed = false;
      r.accuracy = accuracy(c);
      r.suspect = {"not timed (--no-timing)"};
      out.record = std::move(r);
      return out;
    } catch (const DeviceLost&) {
      throw;
    } catch (const BackendError& e) {
      return not_run(true, e.what());
    }
  }
  try {
    if (ws_.n >= 0 && (ws_.dtype != c.dtype || ws_.n != c.n)) out.finished_group = finish_group();
    prepare(c.dtype, c.n);
    const std::optional<AccuracyRecord>& acc = accuracy(c);
    const RooflineRecord& roof = roofline(c.dtype, c.n);

    Launch l;
    l.op = op;
    l.op.prelu_alpha = static_cast<const float*>(ws_.slopes.data());
    l.dtype = c.dtype;
    l.impl = c.impl;
    l.n = c.n;
    l.x = ws_.x.data();
    l.dy = c.direction == Direction::bwd ? ws_.dy.data() : nullptr;
    l.y = ws_.y.data();
    l.prelu_dalpha = c.activation == Activation::prelu && c.direction == Direction::bwd
                         ? static_cast<float*>(ws_.dalpha.data())
                         : nullptr;
    const std::function<void()> work = [&] { backend_.launch(l); };

    BenchmarkRecord r = new_record();
    backend_.fill(ws_.y, 0xFF);  // no output of an earlier case can pass the check below
    r.hot = measure(backend_, work, false, opt_.rule);
    if (opt_.cold && backend_.has_cache_flush()) r.cold = measure(backend_, work, true, opt_.rule);
    if (c.n <= opt_.batched_max_n) r.batched = measure_batched(backend_, work, opt_.batched_reps, opt_.rule);
    backend_.synchronize();
    r.output_check = check_timed_output(c, l);

    r.gbps = gbps_of(static_cast<double>(r.bytes), r.hot.median);
    r.elements_per_s = r.hot.median > 0 ? static_cast<double>(c.n) / r.hot.median : 0.0;
    apply_roofline(r, roof, opt_.plausibility);
    r.l2_resident = static_cast<double>(r.bytes) <= static_cast<double>(backend_.facts().cache_bytes);
    r.accuracy = acc;
    out.record = std::move(r);
    return out;
  } catch (const Skip& s) {
    return not_run(false, s.reason);
  } catch (const DeviceLost&) {
    ws_ = Workspace{};
    throw;
  } catch (const BackendError& e) {
    ws_ = Workspace{};  // the device may be unusable for these buffers now
    return not_run(true, e.what());
  }
}

}  // namespace actbench
