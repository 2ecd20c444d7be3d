#include "harness/sysinfo.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

namespace actbench {
namespace {

std::string read_first_line(const std::string& path) {
  std::ifstream f(path);
  std::string line;
  std::getline(f, line);
  return line;
}

std::string trim(std::string s) {
  const auto b = s.find_first_not_of(" \t\"");
  const auto e = s.find_last_not_of(" \t\"\n");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

std::size_t parse_size(const std::string& s) {  // "32K", "1024K", "32M"
  std::size_t v = 0;
  std::size_t i = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') v = v * 10 + static_cast<std::size_t>(s[i++] - '0');
  if (i < s.size() && (s[i] == 'K' || s[i] == 'k')) v <<= 10;
  if (i < s.size() && (s[i] == 'M' || s[i] == 'm')) v <<= 20;
  return v;
}

int count_cpus_in_list(const std::string& list) {  // "0-3,8"
  int count = 0;
  std::stringstream ss(list);
  std::string part;
  while (std::getline(ss, part, ',')) {
    const auto dash = part.find('-');
    if (part.empty()) continue;
    if (dash == std::string::npos) {
      ++count;
    } else {
      count += std::stoi(part.substr(dash + 1)) - std::stoi(part.substr(0, dash)) + 1;
    }
  }
  return count;
}

}  // namespace

HostInfo host_info() {
  HostInfo h;
  char name[256] = {};
  h.host_name = gethostname(name, sizeof name - 1) == 0 ? name : "unknown";
  h.logical_cpus = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));

  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string key = trim(line.substr(0, colon));
    if (key == "model name" && h.cpu_model.empty()) h.cpu_model = trim(line.substr(colon + 1));
    if (key == "cpu MHz" && h.mhz_per_cpu == 0) h.mhz_per_cpu = std::atof(line.substr(colon + 1).c_str());
  }
  if (h.cpu_model.empty()) h.cpu_model = "unknown cpu";
  h.cpu_scaling_enabled = !read_first_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor").empty() &&
                          read_first_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor") != "performance";

  for (int i = 0; i < 8; ++i) {
    const std::string dir = "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(i) + "/";
    const std::string level = read_first_line(dir + "level");
    if (level.empty()) break;
    CacheInfo c;
    c.level = std::atoi(level.c_str());
    c.type = read_first_line(dir + "type");
    c.size = parse_size(read_first_line(dir + "size"));
    c.num_sharing = count_cpus_in_list(read_first_line(dir + "shared_cpu_list"));
    h.caches.push_back(c);
  }
  int top = 0;
  for (const auto& c : h.caches)
    if (c.type != "Instruction" && c.level >= top) {
      top = c.level;
      h.last_level_cache_bytes = c.size;
    }
  if (h.last_level_cache_bytes == 0) h.last_level_cache_bytes = 32u << 20;

  std::ifstream meminfo("/proc/meminfo");
  for (std::string line; std::getline(meminfo, line);) {
    std::istringstream ls(line);
    std::string key;
    std::size_t kb = 0;
    ls >> key >> kb;
    if (key == "MemTotal:") h.memory_bytes = kb << 10;
    if (key == "MemAvailable:") h.available_memory_bytes = kb << 10;
  }

  struct utsname u {};
  if (uname(&u) == 0) h.os = std::string(u.sysname) + " " + u.release + " " + u.machine;
  std::ifstream osr("/etc/os-release");
  for (std::string line; std::getline(osr, line);)
    if (line.rfind("PRETTY_NAME=", 0) == 0) h.os += " (" + trim(line.substr(12)) + ")";
  return h;
}

}  // namespace actbench
