// actbench/harness/plan.cpp - see plan.hpp.
#include "harness/plan.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <stdexcept>

namespace actbench {

Shard parse_shard(const std::string& spec) {
  const auto slash = spec.find('/');
  Shard s;
  try {
    if (slash == std::string::npos) throw std::invalid_argument("no slash");
    std::size_t p1 = 0, p2 = 0;
    s.index = std::stoi(spec.substr(0, slash), &p1);
    s.count = std::stoi(spec.substr(slash + 1), &p2);
    if (p1 != slash || p2 != spec.size() - slash - 1) throw std::invalid_argument("trailing characters");
  } catch (const std::exception&) {
    throw std::invalid_argument(fmt::format("bad --shard '{}' (use K/N, e.g. 2/8)", spec));
  }
  if (s.count < 1 || s.index < 1 || s.index > s.count)
    throw std::invalid_argument(fmt::format("bad --shard '{}' (need 1 <= K <= N)", spec));
  return s;
}

RunOptions default_options(BackendKind backend, bool quick) {
  RunOptions o;
  if (backend == BackendKind::cpu) {  // 2 cores must finish the default suite in minutes
    o.rule = StopRule{1, 5, 200, 0.005, 0.08, 0.02};
    o.batched_max_n = 1 << 14;
  } else {
    o.rule = StopRule{3, 10, 2000, 0.02, 0.3, 0.005};
  }
  if (quick) {  // a representative subset in under a minute: hot timing only, shorter caps
    o.cold = false;
    o.rule.max_time_s /= 2;
  }
  return o;
}

RunPlan make_plan(const RunRequest& req, BackendKind backend, const std::vector<int>& devices) {
  RunPlan plan;
  plan.backend = backend;
  plan.devices = devices;
  Selection& sel = plan.selection;
  sel = default_selection(backend, req.quick);
  const Selection& f = req.filters;
  if (!f.activations.empty()) sel.activations = f.activations;
  if (!f.directions.empty()) sel.directions = f.directions;
  if (!f.dtypes.empty()) sel.dtypes = f.dtypes;
  if (!f.variants.empty()) sel.variants = f.variants;
  if (!f.impls.empty()) sel.impls = f.impls;
  if (!f.sizes.empty()) sel.sizes = f.sizes;

  RunOptions& o = plan.options;
  o = default_options(backend, req.quick);
  o.accuracy = req.accuracy;
  o.seed = req.seed;
  o.params = req.params;
  o.cold = o.cold && req.cold;
  o.timing = req.timed;
  if (req.timing.max_time_s) o.rule.max_time_s = *req.timing.max_time_s;
  if (req.timing.max_noise) o.rule.max_noise = *req.timing.max_noise;
  if (req.timing.min_samples) o.rule.min_samples = *req.timing.min_samples;

  plan.cases = make_cases(sel, backend, devices);
  return plan;
}

double expected_seconds(const Case& c, const RunOptions& o) {
  // Each measurement runs until its noise rule or its time cap; the cap bounds it.  Moving the bytes
  // costs at least bytes / (a modest 10 GB/s) per sample, over at least min_samples samples.
  const int measurements = 1 + (o.cold ? 1 : 0) + (c.n <= o.batched_max_n ? 1 : 0);
  const double per_sample = static_cast<double>(c.bytes()) / 10e9;
  const double timing = measurements * std::max(o.rule.max_time_s, per_sample * o.rule.min_samples);
  // The accuracy check: 2^16 inputs for 16-bit types, the sampled set otherwise; exhaustive f32: 2^32.
  double accuracy = 0;
  if (o.accuracy != AccuracyMode::off) {
    const double inputs = (c.dtype == DType::f16 || c.dtype == DType::bf16) ? 65536.0
                          : (o.accuracy == AccuracyMode::exhaustive && c.dtype == DType::f32) ? 4294967296.0
                                                                                               : 40000.0;
    accuracy = inputs * 1e-7;  // ~100 ns per input (reference + kernel + metric)
  }
  return timing + accuracy;
}

std::vector<Case> shard_of(const std::vector<Case>& cases, const Shard& s, const RunOptions& o) {
  if (s.count <= 1) return cases;
  // Groups: all sizes of one (activation, direction, dtype, variant, impl, backend, device).
  using Key = decltype(cases.front().accuracy_key());
  std::map<Key, std::pair<double, std::size_t>> groups;  // key -> (expected time, first index)
  for (std::size_t i = 0; i < cases.size(); ++i) {
    auto [it, fresh] = groups.try_emplace(cases[i].accuracy_key(), 0.0, i);
    it->second.first += expected_seconds(cases[i], o);
    (void)fresh;
  }
  std::vector<std::pair<Key, std::pair<double, std::size_t>>> order(groups.begin(), groups.end());
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    if (a.second.first != b.second.first) return a.second.first > b.second.first;
    return a.second.second < b.second.second;  // ties: plan order
  });
  std::vector<double> load(static_cast<std::size_t>(s.count), 0.0);
  std::map<Key, int> owner;
  for (const auto& [key, cost] : order) {
    const auto least = static_cast<int>(std::min_element(load.begin(), load.end()) - load.begin());
    load[static_cast<std::size_t>(least)] += cost.first;
    owner[key] = least + 1;
  }
  std::vector<Case> out;
  for (const Case& c : cases)
    if (owner.at(c.accuracy_key()) == s.index) out.push_back(c);
  return out;
}

std::string plan_sha256(const std::vector<Case>& cases) {
  std::string text;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    if (i) text += '\n';
    text += cases[i].name();
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(text.data(), text.size(), digest, &len, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 of the plan failed (OpenSSL)");
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

}  // namespace actbench
