#include "harness/report.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace actbench {

void Report::add_benchmark(nlohmann::json record) {
  std::lock_guard<std::mutex> lock(mu_);
  benchmarks_.push_back(std::move(record));
}

void Report::add_not_run(nlohmann::json entry) {
  std::lock_guard<std::mutex> lock(mu_);
  not_run_.push_back(std::move(entry));
}

void Report::set_roofline(nlohmann::json roofline) {
  std::lock_guard<std::mutex> lock(mu_);
  roofline_ = std::move(roofline);
}

void Report::update_context(const nlohmann::json& patch) {
  std::lock_guard<std::mutex> lock(mu_);
  context_.update(patch);
}

nlohmann::json Report::context() const {
  std::lock_guard<std::mutex> lock(mu_);
  return context_;
}

std::size_t Report::benchmark_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return benchmarks_.size();
}

nlohmann::json Report::document(bool partial, const std::string& partial_reason) const {
  std::lock_guard<std::mutex> lock(mu_);
  nlohmann::json doc;
  doc["format"] = kReportFormat;
  doc["schema_version"] = kReportSchemaVersion;
  doc["partial"] = partial;
  doc["partial_reason"] = partial ? nlohmann::json(partial_reason) : nlohmann::json(nullptr);
  doc["context"] = context_;
  doc["benchmarks"] = benchmarks_;
  doc["not_run"] = not_run_;
  doc["roofline"] = roofline_;
  return doc;
}

bool has_non_finite(const nlohmann::json& j) {
  if (j.is_number_float()) return !std::isfinite(j.get<double>());
  if (j.is_structured())
    for (const auto& v : j)
      if (has_non_finite(v)) return true;
  return false;
}

void write_json_atomic(const std::filesystem::path& path, const nlohmann::json& doc) {
  namespace fs = std::filesystem;
  if (has_non_finite(doc)) throw std::runtime_error("refusing to write a report with a non-finite number");
  const fs::path parent = path.has_parent_path() ? path.parent_path() : fs::path(".");
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (ec) throw std::runtime_error("cannot create folder " + parent.string() + ": " + ec.message());

  const std::string text = doc.dump(1) + "\n";
  const fs::path tmp = parent / ("." + path.filename().string() + ".tmp." + std::to_string(::getpid()));
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
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
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string err = std::strerror(errno);
    ::unlink(tmp.c_str());
    throw std::runtime_error("cannot rename " + tmp.string() + " to " + path.string() + ": " + err);
  }
}

}  // namespace actbench
