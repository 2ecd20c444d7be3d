// actbench/harness/context.hpp - the report's context: host, build, run, devices.
#pragma once

#include "harness/backend.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace actbench {

/// ISO 8601 UTC time now ("2026-11-27T04:14:24Z").
std::string utc_now();
/// Today's date, "2026-11-27" (UTC).
std::string utc_date();

/// The build's version and the commit its sources come from (cmake/git_sha.cmake, taken at build time).
const char* build_version();
const char* build_git_sha();

/// The context object (FORMAT.md): Google Benchmark's keys plus actbench's.
nlohmann::json make_context(const std::vector<std::string>& argv, BackendKind backend,
                            const std::vector<const Backend*>& devices, const std::string& accuracy_mode);

/// Lower-case slug for file names: "NVIDIA H200" -> "nvidia-h200".
std::string slug(const std::string& s);

}  // namespace actbench
