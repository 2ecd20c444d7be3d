// actbench/harness/session.cpp - see session.hpp.
#include "harness/session.hpp"

#include "harness/context.hpp"
#include "harness/exit_codes.hpp"
#include "harness/report.hpp"
#include "harness/sysinfo.hpp"

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <cstdio>
#include <algorithm>
#include <map>
#include <set>

namespace actbench {
namespace {

using clock = std::chrono::steady_clock;

std::atomic<bool> g_interrupted{false};
extern "C" void on_signal(int sig) {
  g_interrupted.store(true);
  std::signal(sig, SIG_DFL);  // a second Ctrl-C ends the process at once
}

/// Silences Google Benchmark's console: progress and the summary are ours.
class QuietReporter : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>&) override {}
};

/// Redirects stderr into a temporary file while alive (Google Benchmark prints its own diagnostics
/// there); text() returns what was printed, on one line.
class StderrCapture {
 public:
  StderrCapture() {
    std::fflush(stderr);
    file_ = std::tmpfile();
    saved_ = ::dup(2);
    if (file_ && saved_ >= 0) ::dup2(::fileno(file_), 2);
  }
  ~StderrCapture() { restore(); }
  StderrCapture(const StderrCapture&) = delete;
  StderrCapture& operator=(const StderrCapture&) = delete;
  std::string text() {
    restore();
    std::string out;
    if (!file_) return out;
    std::rewind(file_);
    for (int ch; (ch = std::fgetc(file_)) != EOF;) out += ch == '\n' ? ' ' : static_cast<char>(ch);
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
  }

 private:
  void restore() {
    if (saved_ >= 0) {
      std::fflush(stderr);
      ::dup2(saved_, 2);
      ::close(saved_);
      saved_ = -1;
    }
  }
  std::FILE* file_ = nullptr;
  int saved_ = -1;
};

std::string fmt_duration(double s) {
  if (s < 60) return fmt::format("{:.0f}s", s);
  return fmt::format("{:.0f}m{:02.0f}s", std::floor(s / 60), std::fmod(s, 60));
}

/// The cases Google Benchmark's own --benchmark_filter keeps (registered once with a body that only
/// records them, run, then cleared).  Empty when nothing matches; `why` gets Google Benchmark's words.
std::vector<Case> filtered_by_google_benchmark(const std::vector<Case>& cases, std::string* why) {
  std::set<std::size_t> kept;
  for (std::size_t i = 0; i < cases.size(); ++i)
    benchmark::RegisterBenchmark(cases[i].name().c_str(), [&kept, i](benchmark::State& st) {
      for (auto _ : st) {
        kept.insert(i);
        st.SkipWithError("planning");
        break;
      }
    })->UseManualTime()->Iterations(1);
  QuietReporter quiet;
  StderrCapture capture;
  benchmark::RunSpecifiedBenchmarks(&quiet);
  *why = capture.text();
  benchmark::ClearRegisteredBenchmarks();
  std::vector<Case> out;
  for (std::size_t i : kept) out.push_back(cases[i]);
  return out;
}

/// The report's path: --out as given (an existing file only with --force), or the default name with a
/// counter until no file has it.  The name is claimed now with an empty partial report, so that two runs
/// never write the same file and an early failure still leaves a valid document.
std::string claim_destination(const Destination& d, const std::string& default_stem, const Report& report) {
  const nlohmann::json doc = report.document(true, "starting");
  try {
    if (!d.path.empty()) {
      std::error_code ec;
      if (std::filesystem::exists(d.path, ec)) {
        if (!d.force)
          throw SessionUsageError(fmt::format("--out {} exists (pass --force to replace it; nothing is written "
                                              "there until the first checkpoint)", d.path));
        check_writable(d.path);
        return d.path;
      }
      if (!write_json_exclusive(d.path, doc))
        throw SessionUsageError(fmt::format("--out {} was created by another process just now", d.path));
      return d.path;
    }
    for (int k = 1; k < 10000; ++k) {
      const std::string path = k == 1 ? default_stem + ".json" : fmt::format("{}-{}.json", default_stem, k);
      if (write_json_exclusive(path, doc)) return path;
    }
    throw SessionUsageError(fmt::format("no free report name {}-K.json", default_stem));
  } catch (const SessionUsageError&) {
    throw;
  } catch (const std::exception& e) {
    throw SessionUsageError(fmt::format("cannot write the report: {}", e.what()));
  }
}

/// Writes the report at the end of a run.  When the destination cannot take it (a full disk, a lost
/// mount), the report goes to $TMPDIR instead, so that nothing measured is lost.  Returns where it went
/// ("" when nowhere) and, in `failure`, why not at the destination.
std::string write_final(const std::string& path, const nlohmann::json& doc, std::string* failure) {
  try {
    write_json_atomic(path, doc);
    return path;
  } catch (const std::exception& e) {
    *failure = fmt::format("cannot write the report to {} ({})", path, e.what());
  }
  const char* tmpdir = std::getenv("TMPDIR");
  const std::filesystem::path rescue =
      std::filesystem::path(tmpdir && *tmpdir ? tmpdir : "/tmp") /
      fmt::format("actbench-rescued-{}-{}.json", std::filesystem::path(path).stem().string(), ::getpid());
  try {
    write_json_atomic(rescue, doc);
    return rescue.string();
  } catch (const std::exception& e) {
    *failure += fmt::format(", nor to {} ({})", rescue.string(), e.what());
    return "";
  }
}

void print_summary(const std::vector<BenchmarkRecord>& records, std::size_t not_run) {
  // One row per case at its largest n: throughput, % of copy, accuracy.
  std::map<std::string, const BenchmarkRecord*> last;
  for (const auto& r : records) {
    const Case& c = r.c;
    const std::string key = fmt::format("{}/{}/{}/{}/{}/{}:{}", to_string(c.activation), to_string(c.direction),
                                        to_string(c.dtype), to_string(c.variant), to_string(c.impl),
                                        to_string(c.backend), c.device);
    auto it = last.find(key);
    if (it == last.end() || it->second->c.n <= c.n) last[key] = &r;
  }
  fmt::print("\n{:<44} {:>10} {:>10} {:>9} {:>11} {:>7}\n", "case (largest n)", "n", "GB/s", "% copy", "max ulp",
             "acc");
  int failed = 0;
  for (const auto& [key, r] : last) {
    const std::string ulp = r->accuracy ? fmt::format("{:.3g}", r->accuracy->max_ulp) : "-";
    if (r->accuracy_failed()) ++failed;
    fmt::print("{:<44} {:>10} {:>10.2f} {:>8.1f}%{} {:>11} {:>7}\n", key, r->c.n, r->gbps, r->pct_of_copy_bw,
               r->suspect.empty() ? " " : "!", ulp,
               r->output_failed() ? "OUTPUT" : r->accuracy_failed() ? "FAIL" : r->status());
  }
  fmt::print("{} cases, {} failing accuracy, {} not run ('!': implausible timing, see the record's suspect)\n",
             last.size(), failed, not_run);
}

/// The headline: per device and dtype, the in-run copy, the median and best % of copy of actbench's own
/// precise kernels at their largest n (implausible timings left out), the worst precise ULP against its
/// bound, and the precise/fast failures apart from the intended textbook ones.
void print_headline(const std::vector<BenchmarkRecord>& records, const Report& report) {
  struct Line {
    std::int64_t n = 0;
    std::vector<double> pct;
    std::size_t suspect = 0;
    double worst_ratio = -1, worst_ulp = 0, worst_bound = 0;
    std::string worst_case;
    std::vector<std::string> failures;
    std::size_t textbook_failures = 0;
  };
  std::map<std::pair<int, DType>, Line> lines;
  for (const auto& r : records)
    if (r.c.impl == Impl::actbench && r.c.variant == Variant::precise) {
      Line& l = lines[{r.c.device, r.c.dtype}];
      l.n = std::max(l.n, r.c.n);
    }
  std::set<std::string> failed_keys;
  for (const auto& r : records) {
    auto it = lines.find({r.c.device, r.c.dtype});
    if (it == lines.end()) continue;
    Line& l = it->second;
    if (r.accuracy_failed()) {
      if (r.c.variant == Variant::textbook) {
        ++l.textbook_failures;
      } else {
        const std::string key = fmt::format("{}/{}/{}/{}/{}", to_string(r.c.activation), to_string(r.c.direction),
                                            to_string(r.c.dtype), to_string(r.c.variant), to_string(r.c.impl));
        std::string why;
        for (const auto& reason : r.accuracy->fail_reasons) why += (why.empty() ? "" : ", ") + reason;
        if (failed_keys.insert(key).second)
          l.failures.push_back(fmt::format("{}: {} (max {:.3g} ulp, bound {:.3g})", key, why,
                                           r.accuracy->max_ulp_deciding, r.accuracy->bound_ulp));
      }
    }
    if (r.c.impl != Impl::actbench || r.c.variant != Variant::precise) continue;
    if (r.accuracy && r.accuracy->bound_ulp > 0) {
      const double ratio = r.accuracy->max_ulp_deciding / r.accuracy->bound_ulp;
      if (ratio > l.worst_ratio) {
        l.worst_ratio = ratio;
        l.worst_ulp = r.accuracy->max_ulp_deciding;
        l.worst_bound = r.accuracy->bound_ulp;
        l.worst_case = fmt::format("{} {}", to_string(r.c.activation), to_string(r.c.direction));
      }
    }
    if (r.c.n != l.n) continue;
    if (!r.suspect.empty()) {
      ++l.suspect;
      continue;
    }
    l.pct.push_back(r.pct_of_copy_bw);
  }
  const nlohmann::json doc = report.document(false, "");
  fmt::print("\nheadline (actbench's precise kernels; implausible timings left out)\n");
  fmt::print("{:<7} {:<5} {:>10} {:>14} {:>12} {:>10}  {}\n", "device", "dtype", "n", "copy GB/s", "median % copy",
             "best %", "worst precise ulp / bound");
  for (auto& [key, l] : lines) {
    double copy = 0;
    for (const auto& roof : doc["roofline"])
      if (roof["device"] == key.first && roof["dtype"] == to_string(key.second) && roof["n"] == l.n)
        copy = std::max(roof["memcpy"]["gbps"].get<double>(),
                        roof.contains("memcpy_after") ? roof["memcpy_after"]["gbps"].get<double>() : 0.0);
    std::sort(l.pct.begin(), l.pct.end());
    const std::string median = l.pct.empty() ? "-" : fmt::format("{:.1f}%", l.pct[l.pct.size() / 2]);
    const std::string best = l.pct.empty() ? "-" : fmt::format("{:.1f}%", l.pct.back());
    fmt::print("{:<7} {:<5} {:>10} {:>14.3g} {:>12} {:>10}  {}{}\n", key.first, to_string(key.second), l.n, copy, median,
               best, l.worst_ratio < 0 ? std::string("-") : fmt::format("{:.3g} / {:.3g} ({})", l.worst_ulp, l.worst_bound, l.worst_case),
               l.suspect ? fmt::format("   [{} suspect left out]", l.suspect) : std::string());
    for (const auto& f : l.failures) fmt::print("        FAIL {}\n", f);
    if (l.textbook_failures) fmt::print("        ({} textbook records fail, as intended)\n", l.textbook_failures);
  }
}

}  // namespace

int run_session(const SessionConfig& config, const std::vector<std::unique_ptr<Backend>>& backends) {
  const RunPlan& plan = config.plan;
  if (plan.cases.empty()) throw SessionUsageError("no case matches the filters (see 'actbench list')");

  // Google Benchmark's --benchmark_filter, applied by Google Benchmark itself; then the shard.
  std::string gb_says, gb_others;
  std::vector<Case> planned;
  try {
    planned = filtered_by_google_benchmark(plan.cases, &gb_says);
  } catch (const std::exception& e) {  // e.g. --benchmark_repetitions=-1
    throw SessionUsageError(fmt::format("Google Benchmark cannot plan the cases with the --benchmark_* flags given "
                                        "({})", e.what()));
  }
  for (const auto& arg : config.argv)
    if (arg.rfind("--benchmark_", 0) == 0 && arg.rfind("--benchmark_filter=", 0) != 0) gb_others += " " + arg;
  if (planned.empty())
    throw SessionUsageError(fmt::format("no case matches --benchmark_filter '{}'{}{}", benchmark::GetBenchmarkFilter(),
                                        gb_others.empty() ? "" : " with" + gb_others,
                                        gb_says.empty() ? "" : " (" + gb_says + ")"));
  const std::vector<Case> cases = config.shard ? shard_of(planned, *config.shard, plan.options) : planned;

  std::map<int, Backend*> by_device;
  std::vector<const Backend*> devs;
  for (const auto& b : backends) {
    by_device[b->facts().index] = b.get();
    devs.push_back(b.get());
  }
  std::map<int, std::unique_ptr<Runner>> runners;
  for (const auto& [id, b] : by_device) {
    runners[id] = std::make_unique<Runner>(*b, plan.options);
    runners[id]->set_plan(cases);
  }

  Report report(make_context(config.argv, plan.backend, devs, to_string(plan.options.accuracy)));
  report.update_context({{"plausibility",
                          {{"max_pct_of_copy", plan.options.plausibility.max_pct_of_copy},
                           {"max_roofline_spread", plan.options.plausibility.max_roofline_change}}}});
  // A finished (device, dtype, n) group's records take their % of copy from its final roofline.
  auto close_group = [&](int device, const RooflineRecord& roof) {
    report.amend([&](BenchmarkRecord& r) {
      if (r.c.device == device && r.c.dtype == roof.dtype && r.c.n == roof.n)
        apply_roofline(r, roof, plan.options.plausibility);
    });
  };
  if (config.shard) {
    nlohmann::json names = nlohmann::json::array();
    for (const Case& c : cases) names.push_back(c.name());
    report.update_context({{"shard",
                            {{"index", config.shard->index},
                             {"count", config.shard->count},
                             {"plan_size", planned.size()},
                             {"plan_sha256", plan_sha256(planned)},
                             {"cases", std::move(names)}}}});
  }
  const std::string device_slug =
      plan.backend == BackendKind::cpu ? std::string("cpu") : slug(backends.front()->facts().name);
  std::string stem = fmt::format("results/{}-{}-{}", slug(host_info().host_name), device_slug, utc_date());
  if (config.shard) stem += fmt::format("-shard{}of{}", config.shard->index, config.shard->count);
  // From the moment a file exists at the destination until the report is written there, an interrupt
  // stops the run at the next case and the report says what was measured.  A file-size limit (ulimit -f)
  // makes a write fail with one line instead of ending the process.
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGXFSZ, SIG_IGN);
  const std::string out_path = claim_destination(config.destination, stem, report);

  const auto t_start = clock::now();
  const std::size_t total = cases.size();
  std::size_t done = 0, precise_failed = 0, output_failed = 0, errors = 0;
  std::string device_lost;
  auto last_checkpoint = clock::now();
  const auto checkpoint_every = std::chrono::duration<double>(config.checkpoint_s);
  bool checkpoint_failed = false;

  auto finalize_context = [&] {
    nlohmann::json devices = report.context()["devices"];
    bool throttled = false;
    for (auto& d : devices) {
      const auto& r = *runners.at(d["index"].get<int>());
      d["telemetry_before"] = r.telemetry_first();
      d["telemetry_after"] = r.telemetry_last();
      throttled = throttled || r.throttled();
    }
    std::vector<RooflineRecord> roof;
    for (const auto& [id, r] : runners) roof.insert(roof.end(), r->roofline().begin(), r->roofline().end());
    report.set_roofline(std::move(roof));
    const double wall = std::chrono::duration<double>(clock::now() - t_start).count();
    report.update_context({{"end_time", utc_now()}, {"wall_time_s", wall}, {"devices", devices}, {"throttled", throttled}});
  };

  for (const Case& c : cases) {
    auto repetition = std::make_shared<int>(0);  // Google Benchmark's --benchmark_repetitions
    benchmark::RegisterBenchmark(c.name().c_str(), [&, c, repetition](benchmark::State& st) {
      for (auto _ : st) {
        if (g_interrupted.load()) {
          st.SkipWithError("interrupted");
          break;
        }
        if (!device_lost.empty()) {
          report.add_not_run({c, true, "not run: the device was lost earlier (" + device_lost + ")"});
          st.SkipWithError("device lost");
          break;
        }
        CaseOutcome o;
        try {
          o = runners.at(c.device)->run(c, (*repetition)++);
        } catch (const DeviceLost& e) {
          device_lost = e.what();
          o.not_run = NotRunRecord{c, true, e.what()};
        }
        if (o.finished_group) close_group(c.device, *o.finished_group);
        ++done;
        const double elapsed = std::chrono::duration<double>(clock::now() - t_start).count();
        const double eta = done < total ? elapsed / static_cast<double>(done) * static_cast<double>(total - done) : 0.0;
        if (o.not_run) {
          report.add_not_run(*o.not_run);
          if (o.not_run->error) ++errors;
          fmt::print(stderr, "[{:>4}/{}] {:<52} {}: {}  ETA {}\n", done, total, c.name(),
                     o.not_run->error ? "ERROR" : "skipped", o.not_run->reason, fmt_duration(eta));
          st.SkipWithError(o.not_run->reason.c_str());
          break;
        }
        const BenchmarkRecord& r = *o.record;
        // Only our own kernels gate the exit code: actbench's precise kernels and thrust running the same
        // functor.  cuDNN is a peer, measured and reported against the same reference, never gating.
        const bool ours = c.impl != Impl::cudnn;
        if (ours && r.accuracy_failed() && c.variant == Variant::precise) ++precise_failed;
        if (ours && r.output_failed()) ++output_failed;
        // The error the verdict rests on; inputs inside the bound only by its absolute allowance are counted.
        const std::string acc =
            !r.accuracy ? std::string("accuracy off")
                        : fmt::format("max {:.3g} ulp{} {}", r.accuracy->max_ulp_deciding,
                                      r.accuracy->allowance_only
                                          ? fmt::format(" (+{} by the allowance)", r.accuracy->allowance_only)
                                          : std::string(),
                                      r.accuracy->pass ? "ok" : "FAIL");
        const std::string speed = r.timed ? fmt::format("{:>8.2f} GB/s {:>6.1f}% of copy", r.gbps, r.pct_of_copy_bw)
                                          : fmt::format("{:<26}", "accuracy only");
        fmt::print(stderr, "[{:>4}/{}] {:<52} {}  {}  ETA {}{}{}\n", done, total, c.name(), speed, acc,
                   fmt_duration(eta), r.suspect.empty() || !r.timed ? std::string() : "  SUSPECT: " + r.suspect.front(),
                   r.output_failed() ? "  TIMED OUTPUT MISMATCH: " + r.output_check->first_mismatch : std::string());
        st.SetIterationTime(r.hot.median);
        st.counters["gbps"] = r.gbps;
        st.counters["pct_of_copy_bw"] = r.pct_of_copy_bw;
        report.add_benchmark(std::move(*o.record));
        if (clock::now() - last_checkpoint > checkpoint_every) {
          finalize_context();
          try {
            write_json_atomic(out_path, report.document(true, "in progress"));
          } catch (const std::exception& e) {  // the run goes on; the final write tries again
            if (!checkpoint_failed)
              fmt::print(stderr, "actbench: warning: checkpoint not written ({}); the run goes on\n", e.what());
            checkpoint_failed = true;
          }
          last_checkpoint = clock::now();
        }
      }
    })->UseManualTime()->Iterations(1)->Unit(benchmark::kNanosecond);
  }

  fmt::print(stderr, "actbench: {} cases{} on {} ({}), accuracy {}; report {}\n", total,
             config.shard ? fmt::format(" (shard {}/{} of {})", config.shard->index, config.shard->count, planned.size())
                          : std::string(),
             backends.front()->facts().name, to_string(plan.backend), to_string(plan.options.accuracy), out_path);
  QuietReporter quiet;
  benchmark::RunSpecifiedBenchmarks(&quiet);
  benchmark::ClearRegisteredBenchmarks();

  if (device_lost.empty())
    for (const auto& [id, r] : runners) {
      try {
        if (const auto roof = r->finish_group()) close_group(id, *roof);
      } catch (const BackendError& e) {
        fmt::print(stderr, "actbench: the last roofline could not be measured again: {}\n", e.what());
      }
    }
  finalize_context();
  const bool interrupted = g_interrupted.load();
  const bool partial = interrupted || !device_lost.empty();
  const std::string why = interrupted ? "interrupted by a signal" : !device_lost.empty() ? "device lost: " + device_lost : "";
  std::string write_failure;
  const std::string written = write_final(out_path, report.document(partial, why), &write_failure);
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  const std::vector<BenchmarkRecord> records = report.benchmarks();
  print_summary(records, report.not_run().size());
  print_headline(records, report);
  fmt::print("report: {}{}\n", written.empty() ? "not written" : written,
             partial ? " (partial: " + why + ")" : std::string());
  if (!write_failure.empty()) {
    fmt::print(stderr, "actbench: error: {}{}\n", write_failure,
               written.empty() ? ": the measurements are lost" : "; it was written to " + written + " instead");
    return kExitErrors;
  }
  if (interrupted) return kExitInterrupted;
  if (errors > 0 || !device_lost.empty()) {
    fmt::print(stderr, "actbench: {} case(s) failed with an error (see not_run in the report){}\n", errors,
               device_lost.empty() ? "" : "; the device was lost, the rest was not run");
    return kExitErrors;
  }
  if (precise_failed > 0 || output_failed > 0) {
    if (precise_failed > 0)
      fmt::print(stderr, "actbench: {} precise case(s) outside their accuracy bound\n", precise_failed);
    if (output_failed > 0)
      fmt::print(stderr, "actbench: {} case(s) whose timed output does not match the host (see output_check)\n",
                 output_failed);
    return kExitFailures;
  }
  return kExitOk;
}

}  // namespace actbench
