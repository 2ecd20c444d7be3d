// The report writer: strict JSON, atomic replacement, partial documents.
#include "harness/report.hpp"
#include "harness/timing.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

using namespace actbench;
namespace fs = std::filesystem;

namespace {
fs::path temp_dir() {
  const fs::path d = fs::temp_directory_path() / ("actbench-test-" + std::to_string(::getpid()));
  fs::create_directories(d);
  return d;
}
std::string slurp(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}
}  // namespace

TEST(Report, DocumentHasGoogleBenchmarkLayoutAndVersion) {
  Report r(nlohmann::json{{"host_name", "h"}});
  r.add_benchmark({{"name", "a"}, {"real_time", 1.0}});
  r.add_not_run({{"status", "skipped"}, {"reason", "why"}});
  const auto doc = r.document(false, "");
  EXPECT_EQ(doc["format"], "actbench-report");
  EXPECT_EQ(doc["schema_version"], kReportSchemaVersion);
  EXPECT_FALSE(doc["partial"].get<bool>());
  EXPECT_TRUE(doc["partial_reason"].is_null());
  EXPECT_EQ(doc["context"]["host_name"], "h");
  EXPECT_EQ(doc["benchmarks"].size(), 1u);
  EXPECT_EQ(doc["not_run"].size(), 1u);
  EXPECT_TRUE(doc["roofline"].is_array());
  const auto partial = r.document(true, "interrupted");
  EXPECT_TRUE(partial["partial"].get<bool>());
  EXPECT_EQ(partial["partial_reason"], "interrupted");
}

TEST(Report, WriteIsAtomicAndParsesBack) {
  const fs::path dir = temp_dir() / "sub" / "dir";
  const fs::path p = dir / "r.json";
  Report r(nlohmann::json::object());
  r.add_benchmark({{"name", "x"}, {"real_time", 2.5}});
  write_json_atomic(p, r.document(false, ""));
  const auto back = nlohmann::json::parse(slurp(p));
  EXPECT_EQ(back["benchmarks"][0]["real_time"], 2.5);
  // A second write replaces the file; no temporary file is left behind.
  r.add_benchmark({{"name", "y"}, {"real_time", 3.0}});
  write_json_atomic(p, r.document(true, "in progress"));
  EXPECT_EQ(nlohmann::json::parse(slurp(p))["benchmarks"].size(), 2u);
  for (const auto& e : fs::directory_iterator(dir)) EXPECT_EQ(e.path().filename(), "r.json");
  fs::remove_all(temp_dir());
}

TEST(Report, RefusesNonFiniteNumbersAndKeepsTheOldFile) {
  const fs::path p = temp_dir() / "keep.json";
  write_json_atomic(p, nlohmann::json{{"ok", 1}});
  nlohmann::json bad = {{"x", std::numeric_limits<double>::quiet_NaN()}};
  EXPECT_TRUE(has_non_finite(bad));
  EXPECT_TRUE(has_non_finite(nlohmann::json{{"a", {1.0, std::numeric_limits<double>::infinity()}}}));
  EXPECT_FALSE(has_non_finite(nlohmann::json{{"a", {1.0, 2}}, {"b", "inf"}}));
  EXPECT_THROW(write_json_atomic(p, bad), std::runtime_error);
  EXPECT_EQ(nlohmann::json::parse(slurp(p))["ok"], 1);
  fs::remove_all(temp_dir());
}

TEST(Report, UnwritablePathIsAnErrorWithThePath) {
  try {
    write_json_atomic("/proc/actbench-cannot-write/r.json", nlohmann::json::object());
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/proc/actbench-cannot-write"), std::string::npos) << e.what();
  }
}

TEST(Timing, SummarizeStatistics) {
  const Stats s = summarize({4.0, 1.0, 3.0, 2.0});
  EXPECT_DOUBLE_EQ(s.median, 2.5);
  EXPECT_DOUBLE_EQ(s.min, 1.0);
  EXPECT_DOUBLE_EQ(s.mean, 2.5);
  EXPECT_NEAR(s.stddev, std::sqrt(5.0 / 3.0), 1e-12);
  EXPECT_EQ(s.samples, 4);
  EXPECT_NEAR(s.rel_spread, std::sqrt(5.0 / 3.0) / 2.5, 1e-12);
  EXPECT_DOUBLE_EQ(summarize({7.0}).median, 7.0);
  EXPECT_EQ(summarize({}).samples, 0);
  const auto j = to_json(s);
  EXPECT_DOUBLE_EQ(j["median_ns"].get<double>(), 2.5e9);
  EXPECT_FALSE(j["converged"].get<bool>());
}
