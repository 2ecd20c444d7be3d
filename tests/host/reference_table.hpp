// actbench/tests/host/reference_table.hpp - the mpmath table tests/data/reference_table.csv (written by
// tools/gen_reference_table.py), read once: the rows test_reference.cpp and test_reference_fast.cpp hold
// the references to.
#pragma once

#include "harness/reference.hpp"
#include "kernels/catalog.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace actbench::reference_table {

/// One row: f or f' of an activation at x, exactly hi + lo (mpmath, 50 digits); cancel_scale > 0 next to
/// an interior zero of f' (the sum of the magnitudes of its terms).
struct Row {
  Activation act;
  Direction dir;
  ref::ConstRounding rounding;
  Params params;
  std::string params_text, x_text;
  double x;
  long double hi, lo, cancel_scale;
};

inline std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) out.push_back(cur);
  if (!s.empty() && s.back() == sep) out.emplace_back();
  return out;
}

inline void set_param(Params& p, const std::string& kv) {
  const auto eq = kv.find('=');
  ASSERT_NE(eq, std::string::npos) << kv;
  const std::string k = kv.substr(0, eq);
  const double v = std::strtod(kv.c_str() + eq + 1, nullptr);
  if (k == "leaky_relu_alpha") p.leaky_relu_alpha = v;
  else if (k == "prelu_alpha") p.prelu_alpha = v;
  else if (k == "elu_alpha") p.elu_alpha = v;
  else if (k == "celu_alpha") p.celu_alpha = v;
  else if (k == "softplus_beta") p.softplus_beta = v;
  else if (k == "swish_beta") p.swish_beta = v;
  else FAIL() << "unknown parameter " << k;
}

inline const std::vector<Row>& rows() {
  static const std::vector<Row> rows = [] {
    std::vector<Row> out;
    std::ifstream in(std::string(ACTBENCH_TEST_DATA_DIR) + "/reference_table.csv");
    std::string line;
    bool header = false;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      if (!header) {
        header = true;
        continue;
      }
      const auto f = split(line, ',');
      if (f.size() != 8) continue;
      Row r{};
      r.act = parse_activation(f[0]).value();
      r.dir = parse_direction(f[1]).value();
      r.rounding = f[2] == "f32" ? ref::ConstRounding::f32 : ref::ConstRounding::f64;
      r.params_text = f[3];
      if (!f[3].empty())
        for (const auto& kv : split(f[3], ';')) set_param(r.params, kv);
      r.x_text = f[4];
      r.x = std::strtod(f[4].c_str(), nullptr);
      r.hi = std::strtold(f[5].c_str(), nullptr);
      r.lo = std::strtold(f[6].c_str(), nullptr);
      r.cancel_scale = std::strtold(f[7].c_str(), nullptr);
      out.push_back(r);
    }
    return out;
  }();
  return rows;
}

}  // namespace actbench::reference_table
