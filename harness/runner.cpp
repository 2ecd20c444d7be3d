#include "harness/runner.hpp"

#include "harness/accuracy.hpp"
#include "harness/bounds.hpp"
#include "harness/reference.hpp"
#include "harness/ulp.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <limits>

namespace actbench {

namespace {

/// A case that cannot run here (the reason goes to the report's not_run list).
struct Skip {
  std::string reason;
};

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/// n values uniform in [lo, hi], rounded to the dtype, as the dtype's bytes.
std::vector<unsigned char> random_values(DType t, std::int64_t n, double lo, double hi, std::uint64_t seed) {
  return visit_dtype(t, [&](auto tag) {
    using T = decltype(tag);
    std::vector<unsigned char> bytes(static_cast<std::size_t>(n) * sizeof(T));
    T* out = reinterpret_cast<T*>(bytes.data());
    std::uint64_t s = seed;
    for (std::int64_t i = 0; i < n; ++i) {
      const double u = static_cast<double>(splitmix64(s) >> 11) * 0x1.0p-53;
      out[i] = dtype_traits<T>::from_compute(static_cast<compute_t<T>>(lo + (hi - lo) * u));
    }
    return bytes;
  });
}

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

nlohmann::json axes_json(const Case& c) {
  return {{"activation", to_string(c.activation)},
          {"direction", to_string(c.direction)},
          {"dtype", to_string(c.dtype)},
          {"variant", to_string(c.variant)},
          {"impl", to_string(c.impl)},
          {"backend", to_string(c.backend)},
          {"device", c.device},
          {"n", c.n}};
}

double gbps_of(double bytes, double seconds) { return seconds > 0 ? bytes / seconds / 1e9 : 0.0; }

}  // namespace

std::vector<float> prelu_slopes(const Params& p) {
  std::vector<float> s(static_cast<std::size_t>(std::max(1L, p.prelu_channels)));
  for (std::size_t c = 0; c < s.size(); ++c)
    s[c] = static_cast<float>(p.prelu_alpha * (1.0 + static_cast<double>(c) / static_cast<double>(s.size())));
  return s;
}

nlohmann::json params_json(Activation a, const Params& p) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& spec : info(a).params) {
    if (!spec.key) continue;
    if (spec.member)
      j[spec.key] = p.*(spec.member);
    else
      j[spec.key] = p.prelu_channels;
  }
  if (a == Activation::prelu) j["slopes"] = "alpha*(1+c/channels) for channel c";
  return j;
}

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
  backend.fill(y, 0xFF);
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
  backend.launch(l);
  backend.synchronize();
  std::vector<unsigned char> out(bytes);
  backend.download(out.data(), y, bytes);
  return unpack(c.dtype, out);
}

long double exact_value(const Case& c, const Params& params, const std::vector<float>& slopes, std::int64_t i,
                        std::uint64_t x_bits, std::uint64_t dy_bits) {
  const long double x = decode(c.dtype, x_bits);
  const long double dy = c.direction == Direction::bwd ? decode(c.dtype, dy_bits) : 1.0L;
  if (c.activation == Activation::prelu) {
    Params p = params;
    p.prelu_alpha = slopes[static_cast<std::size_t>(i) % slopes.size()];
    return ref::reference_value(c.dtype, c.activation, c.direction, x, dy, p);
  }
  return ref::reference_value(c.dtype, c.activation, c.direction, x, dy, params);
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
  const auto xs = random_values(t, n, -8.0, 8.0, opt_.seed);
  const auto dys = random_values(t, n, -1.0, 1.0, opt_.seed + 1);
  backend_.upload(ws_.x, xs.data(), bytes);
  backend_.upload(ws_.dy, dys.data(), bytes);
  backend_.fill(ws_.y, 0xFF);
  backend_.synchronize();
  ws_.dtype = t;
  ws_.n = n;
}

const Runner::Roofline& Runner::roofline(DType t, std::int64_t n) {
  for (const auto& r : roofline_)
    if (r.dtype == t && r.n == n) return r;
  const std::size_t bytes = static_cast<std::size_t>(n) * static_cast<std::size_t>(dtype_info(t).size_bytes);
  auto copy = [&](CopyKind k) { return [this, k, bytes, t] { backend_.copy(k, ws_.y.data(), ws_.x.data(), bytes, t); }; };
  Roofline r{t, n, measure(backend_, copy(CopyKind::memcpy), false, opt_.rule),
             measure(backend_, copy(CopyKind::kernel), false, opt_.rule)};
  backend_.fill(ws_.y, 0xFF);
  roofline_.push_back(r);
  return roofline_.back();
}

nlohmann::json Runner::roofline_json() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : roofline_) {
    const double bytes = 2.0 * static_cast<double>(r.n) * dtype_info(r.dtype).size_bytes;
    nlohmann::json m = to_json(r.memcpy), k = to_json(r.kernel);
    m["gbps"] = gbps_of(bytes, r.memcpy.median);
    k["gbps"] = gbps_of(bytes, r.kernel.median);
    out.push_back({{"backend", to_string(backend_.kind())},
                   {"device", backend_.facts().index},
                   {"dtype", to_string(r.dtype)},
                   {"n", r.n},
                   {"bytes", static_cast<std::int64_t>(bytes)},
                   {"memcpy", m},
                   {"copy_kernel", k}});
  }
  return out;
}

const nlohmann::json& Runner::accuracy(const Case& c) {
  const auto key = c.accuracy_key();
  if (auto it = accuracy_.find(key); it != accuracy_.end()) return it->second;
  if (opt_.accuracy == AccuracyMode::off) return accuracy_[key] = nullptr;

  const AccuracyBound bound = accuracy_bound(c.activation, c.direction, c.dtype, c.variant);
  AccuracyAccumulator total(c.dtype, bound);
  InputStream stream(c.dtype, opt_.accuracy, opt_.seed);
  std::vector<std::uint64_t> xs;
  std::uint64_t first = 0;
  // Chunks bound the memory of an exhaustive f32 run (2^32 inputs) and of its device buffers.
  while (stream.next(xs, std::size_t{1} << 22, &first)) {
    const std::vector<std::uint64_t> dys = c.direction == Direction::bwd
                                               ? bwd_dy(c.dtype, xs.size(), opt_.seed + first)
                                               : std::vector<std::uint64_t>{};
    const std::vector<std::uint64_t> ys = run_on_inputs(backend_, c, opt_.params, xs, dys);
    const std::int64_t count = static_cast<std::int64_t>(xs.size());
    // The exact values depend on (activation, direction, dtype, inputs) only: every variant and
    // impl of one function reuses them (cases come in that order), a single-entry cache.
    const auto ref_key = std::make_tuple(c.activation, c.direction, c.dtype, first, xs.size());
    if (!exact_cache_ || exact_cache_->first != ref_key) {
      std::vector<long double> exact(xs.size());
#pragma omp parallel for schedule(static)
      for (std::int64_t i = 0; i < count; ++i) {
        const std::size_t k = static_cast<std::size_t>(i);
        exact[k] = exact_value(c, opt_.params, slopes_, static_cast<std::int64_t>(first) + i, xs[k],
                               dys.empty() ? 0 : dys[k]);
      }
      exact_cache_.emplace(ref_key, std::move(exact));
    }
    const std::vector<long double>& exact = exact_cache_->second;
#pragma omp parallel
    {
      AccuracyAccumulator part(c.dtype, bound);
#pragma omp for schedule(static) nowait
      for (std::int64_t i = 0; i < count; ++i) {
        const std::size_t k = static_cast<std::size_t>(i);
        part.add(xs[k], dys.empty() ? std::nullopt : std::optional<std::uint64_t>(dys[k]), ys[k], exact[k]);
      }
#pragma omp critical
      total.merge(part);
    }
  }
  nlohmann::json j = to_json(total.finish(stream.exhaustive()));
  j["bound_why"] = bound.why;
  return accuracy_[key] = std::move(j);
}

CaseOutcome Runner::run(const Case& c, int repetition_index) {
  CaseOutcome out;
  nlohmann::json axes = axes_json(c);
  auto not_run = [&](CaseOutcome::Status st, const std::string& why) {
    out.status = st;
    out.reason = why;
    out.record = axes;
    out.record["status"] = st == CaseOutcome::Status::skipped ? "skipped" : "error";
    out.record["reason"] = why;
    return out;
  };
  OpSpec op{c.activation, c.direction, c.variant, opt_.params, nullptr};
  if (auto why = backend_.unsupported(c.impl, op, c.dtype)) return not_run(CaseOutcome::Status::skipped, *why);

  try {
    prepare(c.dtype, c.n);
    const nlohmann::json& acc = accuracy(c);
    const Roofline& roof = roofline(c.dtype, c.n);

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

    const Stats hot = measure(backend_, work, false, opt_.rule);
    std::optional<Stats> cold, batched;
    if (opt_.cold && backend_.has_cache_flush()) cold = measure(backend_, work, true, opt_.rule);
    if (c.n <= opt_.batched_max_n) batched = measure_batched(backend_, work, opt_.batched_reps, opt_.rule);
    backend_.synchronize();

    const double bytes = static_cast<double>(c.bytes());
    const double gbps = gbps_of(bytes, hot.median);
    const double copy_bytes = 2.0 * static_cast<double>(c.n) * dtype_info(c.dtype).size_bytes;
    const double memcpy_gbps = gbps_of(copy_bytes, roof.memcpy.median);
    const double kernel_gbps = gbps_of(copy_bytes, roof.kernel.median);

    nlohmann::json r;
    r["name"] = c.name();
    r["run_name"] = c.name();
    r["run_type"] = "iteration";
    r["repetitions"] = 1;
    r["repetition_index"] = repetition_index;
    r["threads"] = 1;
    r["iterations"] = hot.samples;
    r["real_time"] = hot.median * 1e9;
    r["cpu_time"] = hot.median * 1e9;
    r["time_unit"] = "ns";
    r.update(axes);
    r["params"] = params_json(c.activation, opt_.params);
    r["bytes"] = c.bytes();
    const bool checked = !acc.is_null();
    const bool pass = checked && acc.value("pass", false);
    r["status"] = !checked ? "unchecked" : pass ? "pass" : "fail";
    r["timing"] = {{"hot", to_json(hot)},
                   {"cold", cold ? to_json(*cold) : nlohmann::json(nullptr)},
                   {"batched", batched ? to_json(*batched) : nlohmann::json(nullptr)}};
    r["gbps"] = gbps;
    r["elements_per_s"] = hot.median > 0 ? static_cast<double>(c.n) / hot.median : 0.0;
    r["pct_of_copy_bw"] = memcpy_gbps > 0 ? 100.0 * gbps / memcpy_gbps : 0.0;
    r["pct_of_copy_kernel_bw"] = kernel_gbps > 0 ? 100.0 * gbps / kernel_gbps : 0.0;
    r["l2_resident"] = bytes <= static_cast<double>(backend_.facts().cache_bytes);
    r["accuracy"] = acc;
    out.record = std::move(r);
    out.median_s = hot.median;
    out.accuracy_failed = checked && !pass;
    return out;
  } catch (const Skip& s) {
    return not_run(CaseOutcome::Status::skipped, s.reason);
  } catch (const BackendError& e) {
    ws_ = Workspace{};  // the device may be unusable for these buffers now
    return not_run(CaseOutcome::Status::error, e.what());
  }
}

}  // namespace actbench
