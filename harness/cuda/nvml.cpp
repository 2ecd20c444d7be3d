// actbench/harness/cuda/nvml.cpp - NVML through dlopen.
//
// The few NVML declarations needed are written out here (NVML's C ABI is stable and nvml.h is not
// installed on every build machine): handles are opaque pointers, results are ints, 0 is success.
#include "harness/cuda/nvml.hpp"

#include "harness/cuda/dynlib.hpp"

#include <array>
#include <cstdio>
#include <string>

namespace actbench::cuda {

namespace {
using nvmlReturn = int;
using nvmlDevice = struct nvmlDevice_st*;
constexpr nvmlReturn kNvmlSuccess = 0;
constexpr int kClockSm = 1;   // NVML_CLOCK_SM
constexpr int kClockMem = 2;  // NVML_CLOCK_MEM
constexpr int kTemperatureGpu = 0;  // NVML_TEMPERATURE_GPU

struct ReasonName {
  unsigned long long bit;
  const char* name;
  bool throttle;  ///< counts as "throttled" (power, thermal or hardware slowdown)
};
// nvmlClocksEventReason* (formerly nvmlClocksThrottleReason*), nvml.h.
constexpr std::array<ReasonName, 9> kReasons = {{
    {0x1ull, "gpu_idle", false},
    {0x2ull, "applications_clocks_setting", false},
    {0x4ull, "sw_power_cap", true},
    {0x8ull, "hw_slowdown", true},
    {0x10ull, "sync_boost", false},
    {0x20ull, "sw_thermal_slowdown", true},
    {0x40ull, "hw_thermal_slowdown", true},
    {0x80ull, "hw_power_brake_slowdown", true},
    {0x100ull, "display_clock_setting", false},
}};
}  // namespace

struct Nvml::Api {
  DynamicLibrary lib{"libnvidia-ml.so.1"};
  nvmlReturn (*init)() = nullptr;
  const char* (*error_string)(nvmlReturn) = nullptr;
  nvmlReturn (*by_uuid)(const char*, nvmlDevice*) = nullptr;
  nvmlReturn (*by_pci)(const char*, nvmlDevice*) = nullptr;
  nvmlReturn (*clock)(nvmlDevice, int, unsigned int*) = nullptr;
  nvmlReturn (*max_clock)(nvmlDevice, int, unsigned int*) = nullptr;
  nvmlReturn (*temperature)(nvmlDevice, int, unsigned int*) = nullptr;
  nvmlReturn (*power)(nvmlDevice, unsigned int*) = nullptr;
  nvmlReturn (*power_limit)(nvmlDevice, unsigned int*) = nullptr;
  nvmlReturn (*reasons)(nvmlDevice, unsigned long long*) = nullptr;
  nvmlReturn (*driver_version)(char*, unsigned int) = nullptr;

  template <class F>
  void load(F& f, const char* name) {
    lib.load(f, name);
  }
};

Nvml& Nvml::instance() {
  static Nvml nvml;
  return nvml;
}

Nvml::Nvml() {
  auto* api = new Api;
  if (!api->lib.loaded()) {
    why_ = api->lib.why();
    delete api;
    return;
  }
  api->load(api->init, "nvmlInit_v2");
  api->load(api->error_string, "nvmlErrorString");
  api->load(api->by_uuid, "nvmlDeviceGetHandleByUUID");
  api->load(api->by_pci, "nvmlDeviceGetHandleByPciBusId_v2");
  api->load(api->clock, "nvmlDeviceGetClockInfo");
  api->load(api->max_clock, "nvmlDeviceGetMaxClockInfo");
  api->load(api->temperature, "nvmlDeviceGetTemperature");
  api->load(api->power, "nvmlDeviceGetPowerUsage");
  api->load(api->power_limit, "nvmlDeviceGetEnforcedPowerLimit");
  api->load(api->reasons, "nvmlDeviceGetCurrentClocksEventReasons");
  if (api->reasons == nullptr) api->load(api->reasons, "nvmlDeviceGetCurrentClocksThrottleReasons");
  api->load(api->driver_version, "nvmlSystemGetDriverVersion");
  if (api->init == nullptr || (api->by_uuid == nullptr && api->by_pci == nullptr)) {
    why_ = "libnvidia-ml.so.1 lacks nvmlInit_v2 or the device lookups";
    api->lib.close();
    delete api;
    return;
  }
  const nvmlReturn r = api->init();
  if (r != kNvmlSuccess) {
    why_ = std::string("nvmlInit_v2 failed: ") + (api->error_string ? api->error_string(r) : std::to_string(r));
    api->lib.close();
    delete api;
    return;
  }
  api_ = api;
  available_ = true;
}

std::optional<std::string> Nvml::driver_version() const {
  if (!available_ || api_->driver_version == nullptr) return std::nullopt;
  char buf[96] = {};
  if (api_->driver_version(buf, sizeof buf) != kNvmlSuccess) return std::nullopt;
  return std::string(buf);
}

nlohmann::json Nvml::telemetry(const std::string& uuid, const std::string& pci_bus_id) const {
  nlohmann::json j = nlohmann::json::object();
  if (!available_) {
    j["nvml"] = "unavailable: " + why_;
    return j;
  }
  nvmlDevice dev = nullptr;
  nvmlReturn r = -1;
  if (api_->by_uuid != nullptr && !uuid.empty()) r = api_->by_uuid(uuid.c_str(), &dev);
  if (r != kNvmlSuccess && api_->by_pci != nullptr && !pci_bus_id.empty()) r = api_->by_pci(pci_bus_id.c_str(), &dev);
  if (r != kNvmlSuccess) {
    j["nvml"] = std::string("device not found by UUID or PCI bus id: ") +
                (api_->error_string ? api_->error_string(r) : std::to_string(r));
    return j;
  }
  unsigned int v = 0;
  if (api_->clock && api_->clock(dev, kClockSm, &v) == kNvmlSuccess) j["sm_clock_mhz"] = v;
  if (api_->clock && api_->clock(dev, kClockMem, &v) == kNvmlSuccess) j["mem_clock_mhz"] = v;
  if (api_->max_clock && api_->max_clock(dev, kClockSm, &v) == kNvmlSuccess) j["sm_clock_max_mhz"] = v;
  if (api_->max_clock && api_->max_clock(dev, kClockMem, &v) == kNvmlSuccess) j["mem_clock_max_mhz"] = v;
  if (api_->temperature && api_->temperature(dev, kTemperatureGpu, &v) == kNvmlSuccess) j["temperature_c"] = v;
  if (api_->power && api_->power(dev, &v) == kNvmlSuccess) j["power_w"] = v / 1000.0;
  if (api_->power_limit && api_->power_limit(dev, &v) == kNvmlSuccess) j["power_limit_w"] = v / 1000.0;
  unsigned long long mask = 0;
  if (api_->reasons && api_->reasons(dev, &mask) == kNvmlSuccess) {
    nlohmann::json names = nlohmann::json::array();
    bool throttled = false;
    for (const auto& reason : kReasons) {
      if ((mask & reason.bit) == 0) continue;
      names.push_back(reason.name);
      throttled = throttled || reason.throttle;
    }
    char hex[32];
    std::snprintf(hex, sizeof hex, "0x%llx", mask);
    j["clocks_event_reasons"] = names;
    j["clocks_event_mask"] = hex;
    j["throttled"] = throttled;
  }
  return j;
}

}  // namespace actbench::cuda
