// The report writer: strict JSON, atomic replacement, exclusive creation, partial documents.
#include "harness/report.hpp"

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
BenchmarkRecord record(std::int64_t n, double seconds) {
  BenchmarkRecord r;
  r.c = Case{Activation::gelu, Direction::fwd, DType::f32, Variant::precise, Impl::actbench, BackendKind::cpu, 0, n};
  r.hot.median = seconds;
  return r;
}
}  // namespace

TEST(Report, DocumentHasGoogleBenchmarkLayoutAndVersion) {
  Report r(nlohmann::json{{"host_name", "h"}});
  r.add_benchmark(record(1024, 1e-9));
  r.add_not_run({record(16, 0).c, false, "why"});
  const auto doc = r.document(false, "");
  EXPECT_EQ(doc["format"], "actbench-report");
  EXPECT_EQ(doc["schema_version"], kReportSchemaVersion);
  EXPECT_FALSE(doc["partial"].get<bool>());
  EXPECT_TRUE(doc["partial_reason"].is_null());
  EXPECT_EQ(doc["context"]["host_name"], "h");
  EXPECT_EQ(doc["benchmarks"].size(), 1u);
  EXPECT_EQ(doc["benchmarks"][0]["name"], "gelu/fwd/f32/precise/actbench/cpu:0/1024");
  EXPECT_DOUBLE_EQ(doc["benchmarks"][0]["real_time"].get<double>(), 1.0);
  EXPECT_EQ(doc["benchmarks"][0]["status"], "unchecked");
  EXPECT_EQ(doc["not_run"].size(), 1u);
  EXPECT_EQ(doc["not_run"][0]["status"], "skipped");
  EXPECT_EQ(doc["not_run"][0]["reason"], "why");
  EXPECT_TRUE(doc["roofline"].is_array());
  const auto partial = r.document(true, "interrupted");
  EXPECT_TRUE(partial["partial"].get<bool>());
  EXPECT_EQ(partial["partial_reason"], "interrupted");
}

TEST(Report, WriteIsAtomicAndParsesBack) {
  const fs::path dir = temp_dir() / "sub" / "dir";
  const fs::path p = dir / "r.json";
  Report r(nlohmann::json::object());
  r.add_benchmark(record(8, 2.5e-9));
  write_json_atomic(p, r.document(false, ""));
  const auto back = nlohmann::json::parse(slurp(p));
  EXPECT_DOUBLE_EQ(back["benchmarks"][0]["real_time"].get<double>(), 2.5);
  // A second write replaces the file; no temporary file is left behind.
  r.add_benchmark(record(16, 3e-9));
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

TEST(Report, ExclusiveCreationNeverReplacesAFile) {
  const fs::path p = temp_dir() / "claim" / "r.json";
  EXPECT_TRUE(write_json_exclusive(p, nlohmann::json{{"first", 1}}));
  EXPECT_FALSE(write_json_exclusive(p, nlohmann::json{{"second", 2}}));
  EXPECT_EQ(nlohmann::json::parse(slurp(p))["first"], 1);
  for (const auto& e : fs::directory_iterator(p.parent_path())) EXPECT_EQ(e.path().filename(), "r.json");
  fs::remove_all(temp_dir());
}

TEST(Report, CheckWritableFindsAnUnusableDestinationAndWritesNothing) {
  EXPECT_THROW(check_writable("/proc/actbench-cannot-write/r.json"), std::runtime_error);
  EXPECT_THROW(check_writable(fs::temp_directory_path()), std::runtime_error);  // a folder
  const fs::path p = temp_dir() / "new" / "r.json";
  EXPECT_NO_THROW(check_writable(p));
  EXPECT_FALSE(fs::exists(p));
  EXPECT_TRUE(fs::is_empty(p.parent_path()));
  fs::remove_all(temp_dir());
}
