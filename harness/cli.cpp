#include "harness/cli.hpp"

#include "harness/bounds.hpp"
#include "harness/context.hpp"
#include "harness/exchange_cli.hpp"
#include "harness/params.hpp"
#include "harness/registry.hpp"
#include "harness/report.hpp"
#include "harness/plan.hpp"
#include "harness/reference.hpp"
#include "harness/runner.hpp"
#include "harness/session.hpp"
#include "harness/sysinfo.hpp"
#include "harness/ulp.hpp"
#include "kernels/catalog.hpp"

#include <CLI/CLI.hpp>
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <atomic>
#include <charconv>
#include <cmath>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <stdexcept>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace actbench {

namespace {

/// Bad input from the user: one line, exit 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
/// Something this machine lacks: one line, exit 3.
struct Unavailable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    const auto comma = s.find(',', start);
    std::string part = s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!part.empty()) out.push_back(part);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

template <class E, class Parse, class All>
std::vector<E> parse_list(const std::vector<std::string>& raw, const char* what, Parse parse, const All& all) {
  std::vector<E> out;
  for (const auto& item : raw) {
    if (split(item).empty()) throw UsageError(fmt::format("'{}' names no {}", item, what));
    for (const auto& name : split(item)) {
      const auto v = parse(name);
      if (!v) {
        std::string valid;
        for (const auto& a : all) valid += (valid.empty() ? "" : ", ") + std::string(to_string(a));
        throw UsageError(fmt::format("unknown {} '{}' (valid: {})", what, name, valid));
      }
      if (std::find(out.begin(), out.end(), *v) == out.end()) out.push_back(*v);
    }
  }
  return out;
}

std::vector<Activation> all_activations() {
  std::vector<Activation> v;
  for (const auto& i : kCatalog) v.push_back(i.id);
  return v;
}

std::vector<Activation> parse_activations(const std::vector<std::string>& raw) {
  return parse_list<Activation>(raw, "activation", parse_activation, all_activations());
}

template <class E>
E parse_one(const std::string& s, const char* what, std::optional<E> (*parse)(std::string_view),
            const std::vector<E>& all) {
  return parse_list<E>({s}, what, parse, all).at(0);
}

/// Options shared by `run` and `eval` for choosing where to run.
struct Where {
  std::string backend;  ///< "", "cpu", "cuda"
  std::string device = "0";
};

struct Machine {
  BackendKind kind = BackendKind::cpu;
  std::vector<std::unique_ptr<Backend>> backends;
};

Machine open_backends(const Where& w, const CudaEntry& cuda, bool quiet) {
  Machine m;
  std::string why = "this build has no CUDA backend";
  const int ndev = cuda.device_count ? cuda.device_count(&why) : 0;
  if (!w.backend.empty() && !parse_backend(w.backend))
    throw UsageError(fmt::format("unknown backend '{}' (valid: cpu, cuda)", w.backend));
  if (w.backend == "cuda" || (w.backend.empty() && ndev > 0)) {
    if (ndev == 0) throw Unavailable(fmt::format("--backend cuda: no CUDA device: {}", why));
    m.kind = BackendKind::cuda;
    std::vector<int> ids;
    if (w.device == "all") {
      for (int i = 0; i < ndev; ++i) ids.push_back(i);
    } else {
      int d = -1;
      try {
        std::size_t pos = 0;
        d = std::stoi(w.device, &pos);
        if (pos != w.device.size()) d = -1;
      } catch (const std::exception&) {
      }
      if (d < 0) throw UsageError(fmt::format("bad --device '{}' (a device number or 'all')", w.device));
      if (d >= ndev) throw Unavailable(fmt::format("--device {}: only {} CUDA device(s) present", d, ndev));
      ids.push_back(d);
    }
    for (int id : ids) {
      try {
        m.backends.push_back(cuda.make(id));
      } catch (const BackendError& e) {
        throw Unavailable(fmt::format("CUDA device {}: {}", id, e.what()));
      }
    }
    return m;
  }
  if (w.device != "0" && w.device != "all")
    throw UsageError(fmt::format("--device {}: the cpu backend has only device 0", w.device));
  if (w.backend.empty() && !quiet) fmt::print(stderr, "actbench: no CUDA device ({}); running the cpu backend\n", why);
  m.kind = BackendKind::cpu;
  m.backends.push_back(make_cpu_backend());
  return m;
}

// ---------------------------------------------------------------------------------------------
// actbench list
// ---------------------------------------------------------------------------------------------
int cmd_list(bool as_json) {
  nlohmann::json out = nlohmann::json::array();
  const Params defaults;
  for (const auto& i : kCatalog) {
    nlohmann::json params = nlohmann::json::object();
    for (const auto& spec : i.params)
      if (spec.key)
        params[spec.key] = {{"default", spec.member ? defaults.*(spec.member) : static_cast<double>(defaults.prelu_channels)},
                            {"domain", to_string(spec.domain)}};
    nlohmann::json variants = nlohmann::json::array(), by_dtype = nlohmann::json::object();
    for (Variant v : kAllVariants) {
      bool any = false;
      for (DType t : kAllDTypes)
        if (variant_exists(i.id, v, t)) {
          by_dtype[to_string(t)].push_back(to_string(v));
          any = true;
        }
      if (any) variants.push_back(to_string(v));
    }
    std::vector<std::string> impls = {"actbench", "thrust"};
    if (i.cudnn) impls.push_back("cudnn");
    nlohmann::json kinks = nlohmann::json::array(), zeros = nlohmann::json::array();
    for (double k : i.kinks)
      if (!std::isnan(k)) kinks.push_back(k);
    if (!std::isnan(i.deriv_zero)) zeros.push_back(i.deriv_zero);
    std::vector<std::string> dtypes, directions;
    for (DType t : kAllDTypes) dtypes.emplace_back(to_string(t));
    for (Direction d : kAllDirections) directions.emplace_back(to_string(d));
    out.push_back({{"name", i.name},
                   {"aliases", i.alias ? nlohmann::json::array({i.alias}) : nlohmann::json::array()},
                   {"formula", i.formula},
                   {"derivative", i.derivative},
                   {"precise", i.stable},
                   {"textbook", i.textbook ? nlohmann::json(i.textbook) : nlohmann::json(nullptr)},
                   {"parameters", params},
                   {"variants", variants},
                   {"variants_by_dtype", by_dtype},
                   {"directions", directions},
                   {"dtypes", dtypes},
                   {"impls", impls},
                   {"kinks", kinks},
                   {"deriv_zeros", zeros}});
  }
  if (as_json) {
    fmt::print("{}\n", out.dump(2));
    return kExitOk;
  }
  for (const auto& a : out) {
    fmt::print("{}\n", a["name"].get<std::string>());
    fmt::print("  f(x)      {}\n", a["formula"].get<std::string>());
    fmt::print("  f'(x)     {}\n", a["derivative"].get<std::string>());
    fmt::print("  precise   {}\n", a["precise"].get<std::string>());
    fmt::print("  textbook  {}\n", a["textbook"].is_null() ? std::string("none") : a["textbook"].get<std::string>());
    std::string ps;
    for (auto it = a["parameters"].begin(); it != a["parameters"].end(); ++it)
      ps += fmt::format("{}{}={} ({})", ps.empty() ? "" : ", ", it.key(), it.value()["default"].dump(),
                        it.value()["domain"].get<std::string>());
    fmt::print("  params    {}\n", ps.empty() ? "none" : ps);
    std::string vs, is;
    for (const auto& v : a["variants"]) vs += (vs.empty() ? "" : ", ") + v.get<std::string>();
    for (const auto& v : a["impls"]) is += (is.empty() ? "" : ", ") + v.get<std::string>();
    fmt::print("  variants  {}   impls {}   dtypes f32, f16, bf16, f64\n\n", vs, is);
  }
  fmt::print("directions: fwd (f), deriv (f'), bwd (dy*f');  silu = swish with beta=1;  fast: f32 data only\n");
  return kExitOk;
}

// ---------------------------------------------------------------------------------------------
// actbench eval
// ---------------------------------------------------------------------------------------------
struct EvalArgs {
  std::string activation, direction = "fwd", dtype = "f32", variant = "precise", impl = "actbench";
  std::vector<std::string> params;
  std::string dy = "1";
  bool json = false;
  std::vector<std::string> inputs;
  Where where;
};

std::uint64_t parse_input(DType t, const std::string& s) {
  const bool hex = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
  if (hex) {
    std::size_t pos = 0;
    unsigned long long v = 0;
    try {
      v = std::stoull(s.substr(2), &pos, 16);
    } catch (const std::exception&) {
      pos = 0;
    }
    const int bits = 8 * dtype_info(t).size_bytes;
    if (pos != s.size() - 2 || (bits < 64 && (v >> bits) != 0))
      throw UsageError(fmt::format("bad input '{}': not a {}-bit pattern of {}", s, bits, to_string(t)));
    return v;
  }
  char* end = nullptr;
  const long double v = std::strtold(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size())
    throw UsageError(fmt::format("bad input '{}': a decimal number or 0x bit pattern", s));
  return encode(t, v);
}

int cmd_eval(const EvalArgs& a, const CudaEntry& cuda) {
  Case c;
  c.activation = parse_one<Activation>(a.activation, "activation", parse_activation, all_activations());
  c.direction = parse_one<Direction>(a.direction, "direction", parse_direction, {std::begin(kAllDirections), std::end(kAllDirections)});
  c.dtype = parse_one<DType>(a.dtype, "dtype", parse_dtype, {std::begin(kAllDTypes), std::end(kAllDTypes)});
  c.variant = parse_one<Variant>(a.variant, "variant", parse_variant, {std::begin(kAllVariants), std::end(kAllVariants)});
  c.impl = parse_one<Impl>(a.impl, "impl", parse_impl, {std::begin(kAllImpls), std::end(kAllImpls)});
  if (a.inputs.empty()) throw UsageError("eval needs at least one input value");
  Params params;
  for (const auto& p : a.params) {
    try {
      apply_param(params, p, {c.activation});
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
  }
  std::vector<std::uint64_t> xs, dys;
  for (const auto& s : a.inputs) xs.push_back(parse_input(c.dtype, s));
  const std::uint64_t dy = parse_input(c.dtype, a.dy);  // checked whatever the direction
  if (c.direction == Direction::bwd) dys.assign(xs.size(), dy);

  Machine m = open_backends(a.where, cuda, a.json);
  Backend& b = *m.backends.front();
  c.backend = m.kind;
  c.device = b.facts().index;
  c.n = static_cast<std::int64_t>(xs.size());
  OpSpec op{c.activation, c.direction, c.variant, params, nullptr};
  if (auto why = b.unsupported(c.impl, op, c.dtype)) throw Unavailable(*why);
  if (!combination_exists(c.activation, c.direction, c.dtype, c.variant, c.impl, c.backend))
    throw UsageError(fmt::format("{} {} does not exist for {} {} {} (see 'actbench list')", to_string(c.variant),
                                 to_string(c.impl), to_string(c.activation), to_string(c.direction),
                                 to_string(c.dtype)));
  const std::vector<std::uint64_t> ys = run_on_inputs(b, c, params, xs, dys);
  const std::vector<float> slopes = prelu_slopes(params);

  nlohmann::json rows = nlohmann::json::array();
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const std::uint64_t dy = dys.empty() ? 0 : dys[i];
    const long double exact =
        ref::exact_value(c.dtype, c.activation, c.direction, params, slopes, static_cast<std::int64_t>(i), xs[i], dy);
    const long double y = decode(c.dtype, ys[i]);
    const UlpError err = ulp_error(c.dtype, ys[i], exact);
    nlohmann::json r = {{"x_bits", hex_bits(c.dtype, xs[i])},
                        {"x", decimal(c.dtype, decode(c.dtype, xs[i]))},
                        {"y_bits", hex_bits(c.dtype, ys[i])},
                        {"y", decimal(c.dtype, y)},
                        {"ref", decimal(exact)},
                        {"ulp", err.cls == UlpClass::nonfinite_mismatch ? nlohmann::json(nullptr)
                                                                        : nlohmann::json(static_cast<double>(err.ulp))},
                        {"abs_err", static_cast<double>(err.abs_err)},
                        {"nonfinite_mismatch", err.cls == UlpClass::nonfinite_mismatch},
                        {"signed_zero_mismatch", err.signed_zero_mismatch}};
    if (c.direction == Direction::bwd) {
      r["dy_bits"] = hex_bits(c.dtype, dy);
      r["dy"] = decimal(c.dtype, decode(c.dtype, dy));
    }
    rows.push_back(r);
  }
  if (a.json) {
    fmt::print("{}\n", rows.dump(2));
    return kExitOk;
  }
  fmt::print("{} {} {} {} {} on {}\n", to_string(c.activation), to_string(c.direction), to_string(c.dtype),
             to_string(c.variant), to_string(c.impl), b.facts().name);
  fmt::print("{:>20} {:>26} {:>20} {:>26} {:>30} {:>10}\n", "x_bits", "x", "y_bits", "y", "reference", "ulp");
  for (const auto& r : rows)
    fmt::print("{:>20} {:>26} {:>20} {:>26} {:>30} {:>10}\n", r["x_bits"].get<std::string>(),
               r["x"].get<std::string>(), r["y_bits"].get<std::string>(), r["y"].get<std::string>(),
               r["ref"].get<std::string>(), r["ulp"].is_null() ? std::string("non-finite") : fmt::format("{:.3g}", r["ulp"].get<double>()));
  return kExitOk;
}

// ---------------------------------------------------------------------------------------------
// actbench [run]
// ---------------------------------------------------------------------------------------------
struct RunArgs {
  std::vector<std::string> activation, direction, dtype, variant, impl, params;
  std::string sizes, accuracy = "sampled", out, shard;
  bool quick = false, no_cold = false, no_timing = false, force = false;
  double max_time = 0, noise = 0, checkpoint = 30;
  int min_samples = 0;
  std::uint64_t seed = 20261127;
  Where where;
};

/// The user's run flags as a validated request (no device is touched).
RunRequest parse_request(const RunArgs& a) {
  RunRequest r;
  r.filters.activations = parse_activations(a.activation);
  r.filters.directions = parse_list<Direction>(a.direction, "direction", parse_direction, kAllDirections);
  r.filters.dtypes = parse_list<DType>(a.dtype, "dtype", parse_dtype, kAllDTypes);
  r.filters.variants = parse_list<Variant>(a.variant, "variant", parse_variant, kAllVariants);
  r.filters.impls = parse_list<Impl>(a.impl, "impl", parse_impl, kAllImpls);
  if (!a.sizes.empty()) {
    try {
      r.filters.sizes = parse_sizes(a.sizes);
    } catch (const std::invalid_argument& e) {
      throw UsageError(fmt::format("--sizes: {}", e.what()));
    }
  }
  const auto mode = parse_accuracy_mode(a.accuracy);
  if (!mode) throw UsageError(fmt::format("unknown accuracy mode '{}' (valid: sampled, exhaustive, off)", a.accuracy));
  r.accuracy = *mode;
  if (!(a.max_time >= 0) || !(a.noise >= 0) || !std::isfinite(a.max_time) || !std::isfinite(a.noise) || a.min_samples < 0)
    throw UsageError("--max-time, --noise and --min-samples must be finite and >= 0");
  if (a.max_time > 0) r.timing.max_time_s = a.max_time;
  if (a.noise > 0) r.timing.max_noise = a.noise / 100.0;
  if (a.min_samples > 0) r.timing.min_samples = a.min_samples;
  r.quick = a.quick;
  r.cold = !a.no_cold;
  r.timed = !a.no_timing;
  r.seed = a.seed;
  // Parameters apply to the selected activations (all when none is named).
  const std::vector<Activation> scope = r.filters.activations.empty() ? all_activations() : r.filters.activations;
  for (const auto& p : a.params) {
    try {
      apply_param(r.params, p, scope);
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
  }
  return r;
}

/// Whether Google Benchmark's Initialize returns for `arg`.  On some bad values (an unknown
/// --benchmark_format or --benchmark_time_unit, an empty --benchmark_color) it prints its usage and ends
/// the process itself with status 0; a child process tries the flag first, so that such a value is bad
/// input here, before anything runs.
bool google_benchmark_returns(char* argv0, char* arg) {
  constexpr int kReturned = 111;
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) return true;  // cannot tell: Initialize itself decides
  if (pid == 0) {
    const int null = ::open("/dev/null", O_WRONLY);
    if (null >= 0) {
      ::dup2(null, 1);
      ::dup2(null, 2);
    }
    int argc = 2;
    char* args[] = {argv0, arg, nullptr};
    benchmark::Initialize(&argc, args);
    ::_exit(kReturned);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == kReturned;
}

/// Hands the --benchmark_* flags to Google Benchmark; one that it does not take is bad input (its own
/// diagnostic goes into our one error line).
void init_google_benchmark(std::vector<char*> gb_args) {
  for (std::size_t i = 1; i < gb_args.size(); ++i) {
    const std::string_view arg(gb_args[i]);
    const auto eq = arg.find('=');
    if (eq != std::string_view::npos && eq + 1 == arg.size())
      throw UsageError(fmt::format("{}: empty value", arg.substr(0, eq)));
    if (!google_benchmark_returns(gb_args[0], gb_args[i]))
      throw UsageError(fmt::format("bad Google Benchmark flag '{}' (Google Benchmark would end the run; its "
                                   "usage lists the valid values)", arg));
    if (arg.rfind("--benchmark_out=", 0) == 0) {
      try {  // Google Benchmark would find an unusable file only after planning, and exit(1)
        check_writable(std::string(arg.substr(eq + 1)));
      } catch (const std::exception& e) {
        throw UsageError(fmt::format("--benchmark_out: {}", e.what()));
      }
    }
  }
  int argc = static_cast<int>(gb_args.size());
  gb_args.push_back(nullptr);
  std::fflush(stderr);
  std::FILE* tmp = std::tmpfile();
  const int saved = ::dup(2);
  if (tmp && saved >= 0) ::dup2(::fileno(tmp), 2);
  benchmark::Initialize(&argc, gb_args.data());
  std::fflush(stderr);
  std::string said;
  if (tmp && saved >= 0) {
    ::dup2(saved, 2);
    ::close(saved);
    std::rewind(tmp);
    for (int ch; (ch = std::fgetc(tmp)) != EOF;) said += ch == '\n' ? ' ' : static_cast<char>(ch);
  }
  if (tmp) std::fclose(tmp);
  while (!said.empty() && said.back() == ' ') said.pop_back();
  if (argc > 1)
    throw UsageError(fmt::format("bad Google Benchmark flag '{}'{}", gb_args[1], said.empty() ? "" : " (" + said + ")"));
}

int cmd_run(const RunArgs& a, const std::vector<std::string>& argv, const CudaEntry& cuda,
            const std::vector<char*>& gb_args) {
  // Everything the user typed is validated before a device is opened.
  const RunRequest request = parse_request(a);
  std::optional<Shard> shard;
  if (!a.shard.empty()) {
    try {
      shard = parse_shard(a.shard);
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
  }
  if (a.force && a.out.empty()) throw UsageError("--force needs --out (the default report name is always new)");
  if (!(a.checkpoint > 0) || !std::isfinite(a.checkpoint)) throw UsageError("--checkpoint must be a number of seconds > 0");
  init_google_benchmark(gb_args);

  Machine m = open_backends(a.where, cuda, false);
  std::vector<int> device_ids;
  for (const auto& b : m.backends) device_ids.push_back(b->facts().index);
  SessionConfig config{make_plan(request, m.kind, device_ids), shard, Destination{a.out, a.force}, argv, a.checkpoint};
  try {
    return run_session(config, m.backends);
  } catch (const SessionUsageError& e) {
    throw UsageError(e.what());
  }
}

/// An empty value ("--out ''", "-a ''") is bad input: CLI11 takes it, and an empty list or path would
/// quietly mean the default.
void reject_empty_values(const CLI::App& app) {
  for (const CLI::Option* opt : app.get_options())
    for (const std::string& v : opt->results())
      if (v.empty() && opt->get_type_size() != 0) throw UsageError(fmt::format("{}: empty value", opt->get_name()));
  for (const CLI::App* sub : app.get_subcommands()) reject_empty_values(*sub);
}

}  // namespace

int cli_main(int argc, char** argv, const CudaEntry& cuda) {
  // Google Benchmark's flags go to Google Benchmark; everything else to CLI11.
  std::vector<char*> gb_args = {argv[0]};
  std::vector<std::string> rest;
  std::vector<std::string> all_args;
  for (int i = 0; i < argc; ++i) all_args.emplace_back(argv[i]);
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]).rfind("--benchmark_", 0) == 0)
      gb_args.push_back(argv[i]);
    else
      rest.emplace_back(argv[i]);
  }

  CLI::App app{"actbench: how fast and how accurate are activation functions and their derivatives here?\n"
               "With no subcommand: run the benchmark suite and write a JSON report.\n"
               "Google Benchmark's --benchmark_* flags pass through (filter, repetitions, out)."};
  app.name("actbench");
  app.require_subcommand(0, 1);

  RunArgs run;
  app.add_option("--activation,-a", run.activation, "activations, comma-separated (default: all; see 'actbench list')");
  app.add_option("--direction", run.direction, "fwd, deriv, bwd");
  app.add_option("--dtype,-t", run.dtype, "f32, f16, bf16, f64");
  app.add_option("--variant", run.variant, "precise, fast, textbook");
  app.add_option("--impl", run.impl, "actbench, thrust, cudnn");
  app.add_option("--sizes,-n", run.sizes, "element counts: N, 2^K, 2^A:2^B[:STEP], comma-separated");
  app.add_option("--backend", run.where.backend, "cpu or cuda (default: cuda when a GPU is present)");
  app.add_option("--device", run.where.device, "CUDA device number or 'all'");
  app.add_option("--accuracy", run.accuracy, "sampled (default), exhaustive, off");
  app.add_option("--out,-o", run.out, "report path (default results/<host>-<device>-<date>[-K].json, a new file)");
  app.add_flag("--force", run.force, "replace the file --out names if it exists");
  app.add_option("--checkpoint", run.checkpoint, "seconds between the report's checkpoints while it runs (default 30)");
  app.add_option("--shard", run.shard, "run the K-th of N balanced slices of the cases (K/N, 1-based)");
  app.add_flag("--quick", run.quick, "a representative subset (under a minute on the cpu)");
  app.add_option("--param", run.params, "activation parameter key=value or activation.key=value (repeatable)")
      ->allow_extra_args(false);
  app.add_option("--max-time", run.max_time, "time cap per measurement, seconds");
  app.add_option("--noise", run.noise, "stop sampling when stddev/mean falls under this percentage");
  app.add_option("--min-samples", run.min_samples, "samples before the noise rule may stop a measurement");
  app.add_flag("--no-cold", run.no_cold, "skip the cold (cache flushed) measurement");
  app.add_flag("--no-timing", run.no_timing, "accuracy only: no timing, no roofline (e.g. an exhaustive accuracy study)");
  app.add_option("--seed", run.seed, "seed of the input data and the accuracy sample")->check(kUint64);

  auto* list = app.add_subcommand("list", "the catalog: formulas, derivatives, parameters, variants");
  bool list_json = false;
  list->add_flag("--json", list_json, "as JSON");

  EvalArgs ev;
  auto* eval = app.add_subcommand("eval", "evaluate one kernel config on given inputs, beside the reference");
  eval->add_option("--activation,-a", ev.activation, "activation")->required();
  eval->add_option("--direction", ev.direction, "fwd (default), deriv, bwd");
  eval->add_option("--dtype,-t", ev.dtype, "f32 (default), f16, bf16, f64");
  eval->add_option("--variant", ev.variant, "precise (default), fast, textbook");
  eval->add_option("--impl", ev.impl, "actbench (default), thrust, cudnn");
  eval->add_option("--backend", ev.where.backend, "cpu or cuda (default: cuda when a GPU is present)");
  eval->add_option("--device", ev.where.device, "CUDA device number");
  eval->add_option("--param", ev.params, "activation parameter key=value (repeatable)")
      ->allow_extra_args(false);
  eval->add_option("--dy", ev.dy, "dy for bwd (default 1)");
  eval->add_flag("--json", ev.json, "a JSON array of {x_bits, x, y_bits, y, ref, ulp}");
  eval->add_option("inputs", ev.inputs, "inputs: decimal numbers or 0x bit patterns of the dtype");

  InputsArgs inputs_args;
  auto* inputs = add_inputs_command(app, inputs_args);
  ScoreArgs score_args;
  auto* score = add_score_command(app, score_args);

  try {
    std::vector<std::string> reversed(rest.rbegin(), rest.rend());  // CLI11 takes them reversed
    app.parse(reversed);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string msg = e.what();
    for (auto& ch : msg)
      if (ch == '\n') ch = ' ';
    fmt::print(stderr, "actbench: error: {} (see 'actbench --help')\n", msg);
    return kExitUsage;
  }

  try {
    reject_empty_values(app);
    if (list->parsed()) return cmd_list(list_json);
    if (eval->parsed()) return cmd_eval(ev, cuda);
    if (inputs->parsed()) return run_inputs_command(inputs_args);
    if (score->parsed()) return run_score_command(score_args);
    return cmd_run(run, all_args, cuda, gb_args);
  } catch (const UsageError& e) {
    fmt::print(stderr, "actbench: error: {}\n", e.what());
    return kExitUsage;
  } catch (const Unavailable& e) {
    fmt::print(stderr, "actbench: error: {}\n", e.what());
    return kExitUnavailable;
  } catch (const std::exception& e) {
    fmt::print(stderr, "actbench: error: {}\n", e.what());
    return kExitErrors;
  }
}

}  // namespace actbench
