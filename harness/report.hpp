// actbench/harness/report.hpp - the JSON report: assembled from plain JSON pieces, written atomically.
//
// The writer knows nothing of CUDA or of how records were measured: it receives the context,
// the records, the cases not run and the roofline as JSON (results/schema/FORMAT.md) and
// writes one strict RFC 8259 document (temp file + fsync + rename).
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

namespace actbench {

inline constexpr int kReportSchemaVersion = 1;
inline constexpr const char* kReportFormat = "actbench-report";

class Report {
 public:
  explicit Report(nlohmann::json context) : context_(std::move(context)) {}

  void add_benchmark(nlohmann::json record);
  void add_not_run(nlohmann::json entry);
  void set_roofline(nlohmann::json roofline);
  /// Merges keys into the context (end time, telemetry after, ...).
  void update_context(const nlohmann::json& patch);

  /// The whole document; `partial` with its reason when the run did not finish.
  nlohmann::json document(bool partial, const std::string& partial_reason) const;

  std::size_t benchmark_count() const;
  /// A copy of the context alone (cheap next to document()).
  nlohmann::json context() const;

 private:
  mutable std::mutex mu_;
  nlohmann::json context_;
  std::vector<nlohmann::json> benchmarks_;
  std::vector<nlohmann::json> not_run_;
  nlohmann::json roofline_ = nlohmann::json::array();
};

/// Writes `doc` to `path` atomically: a temporary file in the same folder, flushed and fsync'ed,
/// then renamed over `path`.  Creates missing parent folders.  Throws std::runtime_error with
/// the path and the OS error on failure; `path` is then untouched.
void write_json_atomic(const std::filesystem::path& path, const nlohmann::json& doc);

/// Whether a JSON value contains a non-finite number anywhere (they must never reach a report).
bool has_non_finite(const nlohmann::json& j);

}  // namespace actbench
