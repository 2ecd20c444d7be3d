#include "harness/context.hpp"

#include "harness/sysinfo.hpp"

#include <cctype>
#include <ctime>

#ifndef ACTBENCH_VERSION
#define ACTBENCH_VERSION "dev"
#endif
#if __has_include("actbench_git_sha.hpp")
#include "actbench_git_sha.hpp"  // ACTBENCH_GIT_SHA, written at build time (cmake/git_sha.cmake)
#endif
#ifndef ACTBENCH_GIT_SHA
#define ACTBENCH_GIT_SHA "unknown"
#endif
#ifndef ACTBENCH_BUILD_TYPE
#define ACTBENCH_BUILD_TYPE "unknown"
#endif
#ifndef ACTBENCH_CXX_COMPILER
#define ACTBENCH_CXX_COMPILER "unknown"
#endif
#ifndef ACTBENCH_CXX_FLAGS
#define ACTBENCH_CXX_FLAGS ""
#endif

namespace actbench {

const char* build_version() { return ACTBENCH_VERSION; }
const char* build_git_sha() { return ACTBENCH_GIT_SHA; }

namespace {

/// The widest vector ISA the host code was compiled for (the cpu backend's hot paths run on it).
const char* host_isa() {
#if defined(__AVX512F__)
  return "avx512f";
#elif defined(__AVX2__)
  return "avx2";
#elif defined(__AVX__)
  return "avx";
#elif defined(__SSE2__)
  return "sse2";
#elif defined(__ARM_NEON)
  return "neon";
#else
  return "scalar";
#endif
}
std::string format_utc(const char* fmt) {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, fmt, &tm);
  return buf;
}
}  // namespace

std::string utc_now() { return format_utc("%Y-%m-%dT%H:%M:%SZ"); }
std::string utc_date() { return format_utc("%Y-%m-%d"); }

std::string slug(const std::string& s) {
  std::string out;
  for (char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (std::isalnum(c))
      out += static_cast<char>(std::tolower(c));
    else if (!out.empty() && out.back() != '-')
      out += '-';
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "unknown" : out;
}

nlohmann::json make_context(const std::vector<std::string>& argv, BackendKind backend,
                            const std::vector<const Backend*>& devices, const std::string& accuracy_mode) {
  const HostInfo h = host_info();
  nlohmann::json caches = nlohmann::json::array();
  for (const auto& c : h.caches)
    caches.push_back({{"type", c.type}, {"level", c.level}, {"size", c.size}, {"num_sharing", c.num_sharing}});
  nlohmann::json devs = nlohmann::json::array();
  std::string cuda_runtime;
  for (const Backend* b : devices) {
    const DeviceFacts& f = b->facts();
    devs.push_back({{"index", f.index},
                    {"name", f.name},
                    {"cache_bytes", f.cache_bytes},
                    {"theoretical_peak_gbps",
                     f.theoretical_peak_gbps ? nlohmann::json(*f.theoretical_peak_gbps) : nlohmann::json(nullptr)},
                    {"details", f.details},
                    {"telemetry_before", nlohmann::json::object()},
                    {"telemetry_after", nlohmann::json::object()}});
    if (f.details.contains("runtime_version") && f.details["runtime_version"].is_string())
      cuda_runtime = f.details["runtime_version"].get<std::string>();
  }
  const std::string now = utc_now();
  return {{"date", now},
          {"host_name", h.host_name},
          {"executable", argv.empty() ? std::string("actbench") : argv.front()},
          {"num_cpus", h.logical_cpus},
          {"mhz_per_cpu", static_cast<int>(h.mhz_per_cpu)},
          {"cpu_scaling_enabled", h.cpu_scaling_enabled},
          {"caches", caches},
          {"library_build_type", std::string(ACTBENCH_BUILD_TYPE) == "Debug" ? "debug" : "release"},
          {"actbench_version", build_version()},
          {"git_sha", build_git_sha()},
          {"argv", argv},
          {"start_time", now},
          {"end_time", now},
          {"wall_time_s", 0.0},
          {"backend", to_string(backend)},
          {"os", h.os},
          {"cpu_model", h.cpu_model},
          {"compiler", ACTBENCH_CXX_COMPILER},
          {"cxx_flags", ACTBENCH_CXX_FLAGS},
          {"host_isa", host_isa()},
          {"cuda_runtime_version", cuda_runtime.empty() ? nlohmann::json(nullptr) : nlohmann::json(cuda_runtime)},
          {"accuracy_mode", accuracy_mode},
          {"throttled", false},
          {"devices", devs}};
}

}  // namespace actbench
