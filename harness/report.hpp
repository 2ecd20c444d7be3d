// actbench/harness/report.hpp - the JSON report: assembled from plain JSON pieces, written atomically.
//
// The writer knows nothing of CUDA or of how records were measured: it receives the context (JSON) and
// the typed records (harness/record.hpp, whose to_json defines the shape, results/schema/FORMAT.md)
// and writes one strict RFC 8259 document (temp file + fsync + rename).
#pragma once

#include "harness/record.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace actbench {

inline constexpr int kReportSchemaVersion = 2;
inline constexpr const char* kReportFormat = "actbench-report";

class Report {
 public:
  explicit Report(nlohmann::json context) : context_(std::move(context)) {}

  void add_benchmark(BenchmarkRecord record);
  void add_not_run(NotRunRecord entry);
  void set_roofline(std::vector<RooflineRecord> roofline);
  /// Calls f on every benchmark record (under the lock), e.g. to give a finished group its final roofline.
  void amend(const std::function<void(BenchmarkRecord&)>& f);
  /// Merges keys into the context (end time, telemetry after, ...).
  void update_context(const nlohmann::json& patch);

  /// The whole document; `partial` with its reason when the run did not finish.
  nlohmann::json document(bool partial, const std::string& partial_reason) const;

  /// Copies of what was recorded so far (for the summary at the end of a run).
  std::vector<BenchmarkRecord> benchmarks() const;
  std::vector<NotRunRecord> not_run() const;
  /// A copy of the context alone (cheap next to document()).
  nlohmann::json context() const;

 private:
  mutable std::mutex mu_;
  nlohmann::json context_;
  std::vector<BenchmarkRecord> benchmarks_;
  std::vector<NotRunRecord> not_run_;
  std::vector<RooflineRecord> roofline_;
};

/// Writes `doc` to `path` atomically: a temporary file in the same folder, flushed and fsync'ed,
/// then renamed over `path`.  Creates missing parent folders.  Throws std::runtime_error with
/// the path and the OS error on failure; `path` is then untouched.
void write_json_atomic(const std::filesystem::path& path, const nlohmann::json& doc);

/// Creates `path` holding `doc` only if no file of that name exists (written to a temporary file, then
/// hard-linked into place: atomic and exclusive, so two runs never claim the same name).  Returns false
/// when `path` exists; throws std::runtime_error for any other failure (e.g. a folder that cannot be
/// written), with the path and the OS error.
bool write_json_exclusive(const std::filesystem::path& path, const nlohmann::json& doc);

/// Fails early (std::runtime_error, one line with the reason) when a report could not be written to
/// `path`: creates missing folders and tries a temporary file beside it.  Writes nothing at `path`.
void check_writable(const std::filesystem::path& path);

/// Whether a JSON value contains a non-finite number anywhere (they must never reach a report).
bool has_non_finite(const nlohmann::json& j);

}  // namespace actbench
