#include "harness/report.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace actbench {

void Report::add_benchmark(BenchmarkRecord record) {
  std::lock_guard<std::mutex> lock(mu_);
  benchmarks_.push_back(std::move(record));
}

void Report::add_not_run(NotRunRecord entry) {
  std::lock_guard<std::mutex> lock(mu_);
  not_run_.push_back(std::move(entry));
}

void Report::set_roofline(std::vector<RooflineRecord> roofline) {
  std::lock_guard<std::mutex> lock(mu_);
  roofline_ = std::move(roofline);
}

void Report::amend(const std::function<void(BenchmarkRecord&)>& f) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& r : benchmarks_) f(r);
}

void Report::update_context(const nlohmann::json& patch) {
  std::lock_guard<std::mutex> lock(mu_);
  context_.update(patch);
}

nlohmann::json Report::context() const {
  std::lock_guard<std::mutex> lock(mu_);
  return context_;
}

std::vector<BenchmarkRecord> Report::benchmarks() const {
  std::lock_guard<std::mutex> lock(mu_);
  return benchmarks_;
}

std::vector<NotRunRecord> Report::not_run() const {
  std::lock_guard<std::mutex> lock(mu_);
  return not_run_;
}

nlohmann::json Report::document(bool partial, const std::string& partial_reason) const {
  std::lock_guard<std::mutex> lock(mu_);
  nlohmann::json doc;
  doc["format"] = kReportFormat;
  doc["schema_version"] = kReportSchemaVersion;
  doc["partial"] = partial;
  doc["partial_reason"] = partial ? nlohmann::json(partial_reason) : nlohmann::json(nullptr);
  doc["context"] = context_;
  doc["benchmarks"] = nlohmann::json::array();
  for (const auto& r : benchmarks_) doc["benchmarks"].push_back(to_json(r));
  doc["not_run"] = nlohmann::json::array();
  for (const auto& r : not_run_) doc["not_run"].push_back(to_json(r));
  doc["roofline"] = nlohmann::json::array();
  for (const auto& r : roofline_) doc["roofline"].push_back(to_json(r));
  return doc;
}

bool has_non_finite(const nlohmann::json& j) {
  if (j.is_number_float()) return !std::isfinite(j.get<double>());
  if (j.is_structured())
    for (const auto& v : j)
      if (has_non_finite(v)) return true;
  return false;
}

namespace {

namespace fs = std::filesystem;

fs::path parent_of(const fs::path& path) { return path.has_parent_path() ? path.parent_path() : fs::path("."); }

void make_parent(const fs::path& path) {
  std::error_code ec;
  fs::create_directories(parent_of(path), ec);
  if (ec) throw std::runtime_error("cannot create folder " + parent_of(path).string() + ": " + ec.message());
}

/// Writes `text` to a fresh temporary file beside `path`, fsync'ed; returns its name.
fs::path write_temp(const fs::path& path, const std::string& text) {
  static int counter = 0;
  const fs::path tmp =
      parent_of(path) / ("." + path.filename().string() + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(++counter));
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("cannot write " + tmp.string() + ": " + std::strerror(errno));
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t w = ::write(fd, text.data() + done, text.size() - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      const std::string err = std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      throw std::runtime_error("cannot write " + tmp.string() + ": " + err);
    }
    done += static_cast<std::size_t>(w);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const std::string err = std::strerror(errno);
    ::unlink(tmp.c_str());
    throw std::runtime_error("cannot flush " + tmp.string() + ": " + err);
  }
  return tmp;
}

std::string report_text(const nlohmann::json& doc) {
  if (has_non_finite(doc)) throw std::runtime_error("refusing to write a report with a non-finite number");
  return doc.dump() + "\n";  // compact: a default-suite report holds ~1000 accuracy records
}

}  // namespace

void write_json_atomic(const fs::path& path, const nlohmann::json& doc) {
  const std::string text = report_text(doc);
  make_parent(path);
  const fs::path tmp = write_temp(path, text);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string err = std::strerror(errno);
    ::unlink(tmp.c_str());
    throw std::runtime_error("cannot rename " + tmp.string() + " to " + path.string() + ": " + err);
  }
}

bool write_json_exclusive(const fs::path& path, const nlohmann::json& doc) {
  const std::string text = report_text(doc);
  make_parent(path);
  const fs::path tmp = write_temp(path, text);
  const int rc = ::link(tmp.c_str(), path.c_str());
  const int err = errno;
  ::unlink(tmp.c_str());
  if (rc == 0) return true;
  if (err == EEXIST) return false;
  throw std::runtime_error("cannot create " + path.string() + ": " + std::strerror(err));
}

void check_writable(const fs::path& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw std::runtime_error(path.string() + " is a folder, not a file name");
  make_parent(path);
  const fs::path tmp = write_temp(path, "");
  ::unlink(tmp.c_str());
}

}  // namespace actbench
