// actbench/harness/exchange_cli.cpp - see exchange_cli.hpp.
#include "harness/exchange_cli.hpp"

#include "harness/exit_codes.hpp"
#include "harness/inputs_export.hpp"
#include "harness/npy.hpp"
#include "harness/params.hpp"
#include "harness/report.hpp"
#include "harness/score.hpp"
#include "harness/ulp.hpp"
#include "kernels/catalog.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cstdint>
#include <fmt/ranges.h>

#include <stdexcept>

namespace actbench {
namespace {

/// One axis value by name; unknown names list the valid ones.
template <class E, class All>
E parse_name(const std::string& s, const char* what, std::optional<E> (*parse)(std::string_view), const All& all) {
  if (const auto v = parse(s)) return *v;
  std::string valid;
  for (const auto& a : all) valid += (valid.empty() ? "" : ", ") + std::string(to_string(a));
  throw std::invalid_argument(fmt::format("unknown {} '{}' (valid: {})", what, s, valid));
}

Activation parse_activation_name(const std::string& s) {
  std::vector<Activation> all;
  for (const auto& i : kCatalog) all.push_back(i.id);
  return parse_name<Activation>(s, "activation", parse_activation, all);
}

DType parse_dtype_name(const std::string& s) { return parse_name<DType>(s, "dtype", parse_dtype, kAllDTypes); }

Direction parse_direction_name(const std::string& s) {
  return parse_name<Direction>(s, "direction", parse_direction, kAllDirections);
}

/// Runs a subcommand body: bad input (std::invalid_argument, a bad file) is one line and exit 2.
template <class F>
int guarded(F&& body) {
  try {
    return body();
  } catch (const std::invalid_argument& e) {
    fmt::print(stderr, "actbench: error: {}\n", e.what());
  } catch (const ArrayFileError& e) {
    fmt::print(stderr, "actbench: error: {}\n", e.what());
  }
  return kExitUsage;
}

void print_table(const ScoreSpec& spec, const AccuracyRecord& r) {
  fmt::print("{} {} {} scored as {} ({} inputs{})\n", to_string(spec.activation), to_string(spec.direction),
             to_string(spec.dtype), spec.impl, r.inputs_tested, r.exhaustive ? ", every bit pattern" : "");
  fmt::print("  verdict          {}\n", r.pass ? std::string("pass") : "FAIL (" + fmt::format("{}", fmt::join(r.fail_reasons, ", ")) + ")");
  fmt::print("  max ulp          {:.4g} (deciding {:.4g})\n", r.max_ulp, r.max_ulp_deciding);
  fmt::print("  mean ulp         {:.4g}\n", r.mean_ulp);
  fmt::print("  bound            {:.4g} ulp or abs {:.3g}: {}\n", r.bound_ulp, r.bound_abs, r.bound_why);
  fmt::print("  out of bound     {}   non-finite mismatches {}   signed-zero mismatches {}   flushed subnormals {}\n",
             r.out_of_bound, r.nonfinite_mismatches, r.signed_zero_mismatches, r.flushed_subnormals);
  if (r.worst) {
    const WorstCase& w = *r.worst;
    const DType t = spec.dtype;
    fmt::print("  worst            x = {} ({}){}: y = {} ({}), reference {}, {:.4g} ulp\n", decimal(t, w.x),
               hex_bits(t, w.x_bits), w.dy ? fmt::format(", dy = {}", decimal(t, *w.dy)) : "", decimal(t, w.y),
               hex_bits(t, w.y_bits), decimal(w.ref), w.ulp);
  }
}

}  // namespace

const CLI::Validator kUint64(
    [](std::string& s) {
      std::uint64_t v = 0;
      const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      return ec == std::errc() && end == s.data() + s.size() ? std::string()
                                                             : "'" + s + "' is not an integer from 0 to 2^64-1";
    },
    "");

CLI::App* add_inputs_command(CLI::App& app, InputsArgs& a) {
  auto* c = app.add_subcommand("inputs", "write the inputs actbench uses (an accuracy set or the benchmark's data) "
                                         "as .npy or raw files, to run another implementation on");
  c->add_option("--activation,-a", a.activation, "activation (validated; the inputs are the same for every one)");
  c->add_option("--direction", a.direction, "fwd (default), deriv, bwd (bwd also writes dy)");
  c->add_option("--dtype,-t", a.dtype, "f32 (default), f16, bf16, f64");
  c->add_option("--accuracy", a.accuracy, "sampled (default) or exhaustive: which accuracy set");
  c->add_option("--range", a.range, "LO:HI: the bit patterns [LO, HI) of an exhaustive set (f32 exhaustive: required)");
  c->add_option("--n", a.n, "instead of an accuracy set: the benchmark's data of N elements")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 40));
  c->add_option("--seed", a.seed, "seed of the accuracy sample and dy, or of the benchmark data (default 20261127)")
      ->check(kUint64);
  c->add_option("--x", a.x, "where to write x")->required();
  c->add_option("--dy", a.dy, "where to write dy (bwd)");
  c->add_flag("--raw", a.raw, "raw little-endian values instead of .npy");
  return c;
}

CLI::App* add_score_command(CLI::App& app, ScoreArgs& a) {
  auto* c = app.add_subcommand("score", "score another implementation's outputs: the accuracy record actbench's "
                                        "own cases get (held to the precise bound)");
  c->add_option("--activation,-a", a.activation, "activation")->required();
  c->add_option("--direction", a.direction, "fwd (default), deriv, bwd");
  c->add_option("--dtype,-t", a.dtype, "f32 (default), f16, bf16, f64");
  c->add_option("--param", a.params, "activation parameter key=value (repeatable)")->allow_extra_args(false);
  c->add_option("--x", a.x, "the inputs (.npy or raw)")->required();
  c->add_option("--y", a.y, "the implementation's outputs for them (.npy or raw)")->required();
  c->add_option("--dy", a.dy, "bwd: the dy the outputs were computed with");
  c->add_flag("--json", a.json, "print the accuracy record as JSON (results/schema/FORMAT.md)");
  c->add_option("--impl", a.impl, "a name for the implementation (e.g. torch-eager)");
  c->add_option("--fragment", a.fragment, "also write a report fragment (axes, params, files, record) here");
  return c;
}

int run_inputs_command(const InputsArgs& a) {
  return guarded([&] {
    InputsRequest r;
    if (!a.activation.empty()) (void)parse_activation_name(a.activation);
    r.dtype = parse_dtype_name(a.dtype);
    r.bwd = parse_direction_name(a.direction) == Direction::bwd;
    const auto mode = parse_accuracy_mode(a.accuracy);
    if (!mode || *mode == AccuracyMode::off)
      throw std::invalid_argument(fmt::format("unknown accuracy set '{}' (valid: sampled, exhaustive)", a.accuracy));
    r.mode = *mode;
    if (!a.range.empty()) r.range = parse_bit_range(a.range, r.dtype);
    if (a.n != InputsArgs::kNotGiven) r.n = a.n;
    r.seed = a.seed;
    r.x_path = a.x;
    if (!a.dy.empty()) r.dy_path = a.dy;
    r.raw = a.raw;
    const InputsWritten w = write_inputs(r);
    fmt::print("wrote {} {} inputs to {}{}: {}\n", w.count, to_string(r.dtype), r.x_path,
               r.dy_path ? " (dy to " + *r.dy_path + ")" : "", w.what);
    return static_cast<int>(kExitOk);
  });
}

int run_score_command(const ScoreArgs& a) {
  return guarded([&] {
    ScoreSpec spec;
    spec.activation = parse_activation_name(a.activation);
    spec.direction = parse_direction_name(a.direction);
    spec.dtype = parse_dtype_name(a.dtype);
    spec.impl = a.impl;
    for (const auto& p : a.params) apply_param(spec.params, p, {spec.activation});
    ScoreFiles files{a.x, a.y, a.dy.empty() ? std::nullopt : std::optional<std::string>(a.dy)};
    const AccuracyRecord r = score_files(spec, files);
    if (!a.fragment.empty()) {
      try {
        write_json_atomic(a.fragment, score_fragment(spec, files, r));
      } catch (const std::runtime_error& e) {
        throw std::invalid_argument(fmt::format("--fragment: {}", e.what()));
      }
    }
    if (a.json)
      fmt::print("{}\n", to_json(r).dump(1));
    else
      print_table(spec, r);
    return static_cast<int>(kExitOk);
  });
}

}  // namespace actbench
