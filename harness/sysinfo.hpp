// actbench/harness/sysinfo.hpp - facts about the host (Linux /proc and /sys), for the report context.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace actbench {

struct CacheInfo {
  std::string type;  ///< "Data", "Instruction", "Unified"
  int level = 0;
  std::size_t size = 0;
  int num_sharing = 0;
};

struct HostInfo {
  std::string host_name;
  std::string cpu_model;
  int logical_cpus = 0;
  double mhz_per_cpu = 0;
  bool cpu_scaling_enabled = false;
  std::vector<CacheInfo> caches;
  std::size_t last_level_cache_bytes = 0;
  std::size_t memory_bytes = 0;
  std::size_t available_memory_bytes = 0;
  std::string os;  ///< "Linux 6.1.0 x86_64 (Debian GNU/Linux 12 (bookworm))"
};

/// Reads the host's facts now (cheap; every field has a fallback).
HostInfo host_info();

}  // namespace actbench
