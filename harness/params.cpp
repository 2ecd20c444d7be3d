#include "harness/params.hpp"

#include "kernels/catalog.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <stdexcept>
#include <string>

namespace actbench {

namespace {

double parse_number(const std::string& key, const std::string& text) {
  std::size_t pos = 0;
  double v = 0;
  try {
    v = std::stod(text, &pos);
  } catch (const std::exception&) {
    pos = 0;
  }
  if (pos != text.size() || text.empty()) throw std::invalid_argument(fmt::format("parameter {}: '{}' is not a number", key, text));
  return v;
}

void check_domain(Activation a, const ParamSpec& spec, double v) {
  const std::string where = fmt::format("{}.{}", to_string(a), spec.key);
  if (!std::isfinite(v)) throw std::invalid_argument(fmt::format("parameter {} must be finite, got {}", where, v));
  switch (spec.domain) {
    case Domain::finite: break;
    case Domain::positive:
      if (!(v > 0)) throw std::invalid_argument(fmt::format("parameter {} must be > 0, got {}", where, v));
      break;
    case Domain::nonzero:
      if (v == 0) throw std::invalid_argument(fmt::format("parameter {} must be non-zero", where));
      break;
    case Domain::count:
      if (v < 1 || v != std::floor(v) || v > 1e9)
        throw std::invalid_argument(fmt::format("parameter {} must be an integer >= 1, got {}", where, v));
      break;
  }
}

void set(Params& p, Activation a, const ParamSpec& spec, double v) {
  check_domain(a, spec, v);
  if (spec.member)
    p.*(spec.member) = v;
  else
    p.prelu_channels = static_cast<long>(v);
}

std::string valid_keys() {
  std::string out;
  for (const auto& i : kCatalog)
    for (const auto& spec : i.params)
      if (spec.key) out += fmt::format("{}{}.{} ({})", out.empty() ? "" : ", ", i.name, spec.key, to_string(spec.domain));
  return out;
}

}  // namespace

void apply_param(Params& p, std::string_view assignment, const std::vector<Activation>& selected) {
  const std::string s(assignment);
  const auto eq = s.find('=');
  if (eq == std::string::npos || eq == 0)
    throw std::invalid_argument(fmt::format("--param '{}': expected key=value (keys: {})", s, valid_keys()));
  std::string key = s.substr(0, eq);
  const double v = parse_number(key, s.substr(eq + 1));
  std::optional<Activation> only;
  if (const auto dot = key.find('.'); dot != std::string::npos) {
    only = parse_activation(key.substr(0, dot));
    if (!only) throw std::invalid_argument(fmt::format("--param '{}': unknown activation (keys: {})", s, valid_keys()));
    key = key.substr(dot + 1);
  }
  bool applied = false;
  for (const auto& i : kCatalog) {
    const bool wanted = only ? *only == i.id
                             : std::find(selected.begin(), selected.end(), i.id) != selected.end();
    if (!wanted) continue;
    for (const auto& spec : i.params)
      if (spec.key && key == spec.key) {
        set(p, i.id, spec, v);
        applied = true;
      }
  }
  if (!applied)
    throw std::invalid_argument(
        fmt::format("--param '{}': no selected activation has parameter '{}' (keys: {})", s, key, valid_keys()));
}

void validate_params(const Params& p) {
  for (const auto& i : kCatalog)
    for (const auto& spec : i.params)
      if (spec.key) check_domain(i.id, spec, spec.member ? p.*(spec.member) : static_cast<double>(p.prelu_channels));
}

std::vector<float> prelu_slopes(const Params& p) {
  std::vector<float> s(static_cast<std::size_t>(std::max(1L, p.prelu_channels)));
  for (std::size_t c = 0; c < s.size(); ++c)
    s[c] = static_cast<float>(p.prelu_alpha * (1.0 + static_cast<double>(c) / static_cast<double>(s.size())));
  return s;
}

}  // namespace actbench
