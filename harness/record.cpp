// actbench/harness/record.cpp - the one JSON form of every record (see record.hpp).
#include "harness/record.hpp"

#include "harness/ulp.hpp"
#include "kernels/catalog.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>

namespace actbench {
namespace {

using nlohmann::json;

/// A number JSON can hold: finite, clamped to double's range (NaN -> 0, never expected).
double json_number(long double v) {
  if (std::isnan(v)) return 0.0;
  if (v > DBL_MAX) return DBL_MAX;
  if (v < -DBL_MAX) return -DBL_MAX;
  return static_cast<double>(v);
}

json axes_json(const Case& c) {
  return {{"activation", to_string(c.activation)},
          {"direction", to_string(c.direction)},
          {"dtype", to_string(c.dtype)},
          {"variant", to_string(c.variant)},
          {"impl", to_string(c.impl)},
          {"backend", to_string(c.backend)},
          {"device", c.device},
          {"n", c.n}};
}

json worst_json(DType t, const WorstCase& w) {
  return {{"x_bits", hex_bits(t, w.x_bits)},
          {"x", decimal(t, w.x)},
          {"dy_bits", w.dy_bits ? json(hex_bits(t, *w.dy_bits)) : json(nullptr)},
          {"dy", w.dy ? json(decimal(t, *w.dy)) : json(nullptr)},
          {"y_bits", hex_bits(t, w.y_bits)},
          {"y", decimal(t, w.y)},
          {"ref", decimal(w.ref)},
          {"ulp", json_number(w.ulp)},
          {"abs_err", json_number(w.abs_err)}};
}

json optional_stats(const std::optional<Stats>& s) { return s ? to_json(*s) : json(nullptr); }

}  // namespace

std::array<double, kHistogramBins> histogram_edges() {
  std::array<double, kHistogramBins> e{};
  e[0] = 0.0;
  e[1] = 0.5;
  for (int k = 2; k < kHistogramBins; ++k) e[k] = std::ldexp(1.0, k - 2);  // 1, 2, 4, ..., 2^24
  return e;
}

double gbps_of(double bytes, double seconds) { return seconds > 0 ? bytes / seconds / 1e9 : 0.0; }

const char* BenchmarkRecord::status() const {
  if (!accuracy) return "unchecked";
  return accuracy->pass ? "pass" : "fail";
}

std::int64_t RooflineRecord::bytes() const { return 2 * n * dtype_info(dtype).size_bytes; }
double RooflineRecord::memcpy_gbps() const {
  const double before = gbps_of(static_cast<double>(bytes()), memcpy.median);
  return memcpy_after ? std::max(before, gbps_of(static_cast<double>(bytes()), memcpy_after->median)) : before;
}
double RooflineRecord::copy_kernel_gbps() const { return gbps_of(static_cast<double>(bytes()), copy_kernel.median); }
bool RooflineRecord::copy_is_kernel() const { return copy_kernel_gbps() > memcpy_gbps(); }
double RooflineRecord::copy_gbps() const { return std::max(memcpy_gbps(), copy_kernel_gbps()); }

json params_json(Activation a, const Params& p) {
  json j = json::object();
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

json to_json(const Stats& s) {
  return {{"median_ns", s.median * 1e9}, {"min_ns", s.min * 1e9}, {"mean_ns", s.mean * 1e9},
          {"stddev_ns", s.stddev * 1e9}, {"samples", s.samples}, {"rel_spread", s.rel_spread},
          {"converged", s.converged}};
}

json to_json(const AccuracyRecord& r) {
  json j;
  j["inputs_tested"] = r.inputs_tested;
  j["exhaustive"] = r.exhaustive;
  j["max_ulp"] = json_number(r.max_ulp);
  j["mean_ulp"] = json_number(r.mean_ulp);
  j["max_abs_err"] = json_number(r.max_abs_err);
  j["max_rel_err"] = json_number(r.max_rel_err);
  j["worst"] = r.worst ? worst_json(r.dtype, *r.worst) : json(nullptr);
  json edges = json::array(), counts = json::array();
  for (int k = 0; k < kHistogramBins; ++k) {
    edges.push_back(r.histogram_edges[k]);
    counts.push_back(r.histogram_counts[k]);
  }
  j["histogram"] = {{"edges", std::move(edges)}, {"counts", std::move(counts)}};
  j["nonfinite_mismatches"] = r.nonfinite_mismatches;
  j["signed_zero_mismatches"] = r.signed_zero_mismatches;
  j["flushed_subnormals"] = r.flushed_subnormals;
  j["bound_ulp"] = json_number(r.bound_ulp);
  j["bound_abs"] = json_number(r.bound_abs);
  j["out_of_bound"] = r.out_of_bound;
  j["pass"] = r.pass;
  j["bound_why"] = r.bound_why;
  j["fail_reasons"] = r.fail_reasons;
  j["allowance_only"] = r.allowance_only;
  j["max_ulp_deciding"] = json_number(r.max_ulp_deciding);
  j["top_worst"] = json::array();
  for (const auto& w : r.top_worst) j["top_worst"].push_back(worst_json(r.dtype, w));
  j["per_binade"] = json::array();
  for (const auto& b : r.per_binade)
  {
    json e = {{"sign", b.sign},
              {"exp", b.exp ? json(*b.exp) : json(nullptr)},
              {"count", b.count},
              {"max_ulp", json_number(b.max_ulp)},
              {"over_bound", b.over_bound}};
    if (b.exp_last) e["exp_last"] = *b.exp_last;
    j["per_binade"].push_back(std::move(e));
  }
  j["subnormal_outputs"] = r.subnormal_outputs;
  j["reference"] = r.reference;
  j["expected_to_fail"] = r.expected_to_fail;
  return j;
}

json to_json(const OutputCheck& c) {
  return {{"elements", c.elements},
          {"mismatches", c.mismatches},
          {"pass", c.pass()},
          {"comparison", c.comparison},
          {"first_mismatch", c.first_mismatch.empty() ? json(nullptr) : json(c.first_mismatch)}};
}

json to_json(const BenchmarkRecord& r) {
  const Case& c = r.c;
  json j;
  j["name"] = c.name();
  j["run_name"] = c.name();
  j["run_type"] = "iteration";
  j["repetitions"] = 1;
  j["repetition_index"] = r.repetition_index;
  j["threads"] = 1;
  j["iterations"] = r.hot.samples;
  j["real_time"] = r.hot.median * 1e9;
  j["cpu_time"] = r.hot.median * 1e9;
  j["time_unit"] = "ns";
  j.update(axes_json(c));
  j["params"] = params_json(c.activation, r.params);
  j["bytes"] = r.bytes;
  j["bytes_convention"] = r.bytes_convention;
  j["status"] = r.status();
  j["timing"] = {{"hot", r.timed ? to_json(r.hot) : json(nullptr)},
                 {"cold", optional_stats(r.cold)},
                 {"batched", optional_stats(r.batched)}};
  j["gbps"] = r.gbps;
  j["elements_per_s"] = r.elements_per_s;
  j["pct_of_copy_bw"] = r.pct_of_copy_bw;
  j["pct_of_copy_kernel_bw"] = r.pct_of_copy_kernel_bw;
  j["l2_resident"] = r.l2_resident;
  j["accuracy"] = r.accuracy ? to_json(*r.accuracy) : json(nullptr);
  j["suspect"] = r.suspect;
  j["output_check"] = r.output_check ? to_json(*r.output_check) : json(nullptr);
  return j;
}

json to_json(const NotRunRecord& r) {
  json j = axes_json(r.c);
  j["status"] = r.error ? "error" : "skipped";
  j["reason"] = r.reason;
  return j;
}

json to_json(const RooflineRecord& r) {
  json m = to_json(r.memcpy), k = to_json(r.copy_kernel);
  m["gbps"] = r.memcpy_gbps();
  k["gbps"] = r.copy_kernel_gbps();
  json j = {{"backend", to_string(r.backend)},
            {"device", r.device},
            {"dtype", to_string(r.dtype)},
            {"n", r.n},
            {"bytes", r.bytes()},
            {"memcpy", std::move(m)},
            {"copy_kernel", std::move(k)},
            {"copy", {{"gbps", r.copy_gbps()}, {"source", r.copy_is_kernel() ? "copy_kernel" : "memcpy"}}},
            {"suspect", r.suspect}};
  if (r.memcpy_after) {
    json a = to_json(*r.memcpy_after);
    a["gbps"] = gbps_of(static_cast<double>(r.bytes()), r.memcpy_after->median);
    j["memcpy_after"] = std::move(a);
  }
  return j;
}

}  // namespace actbench
