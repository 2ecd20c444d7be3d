// actbench/harness/cuda/nvml.hpp - NVML (clocks, temperature, power, throttle reasons), loaded with
// dlopen at run time so that a machine without the NVIDIA driver still starts.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace actbench::cuda {

class Nvml {
 public:
  /// The process-wide instance: libnvidia-ml.so.1 is opened and nvmlInit_v2 called once.
  static Nvml& instance();

  bool available() const { return available_; }
  /// Why NVML is not available ("libnvidia-ml.so.1: cannot open shared object file", ...).
  const std::string& why() const { return why_; }

  /// The driver version string ("580.159.04"), where NVML has it.
  std::optional<std::string> driver_version() const;

  /// Telemetry of the device with this UUID ("GPU-xxxxxxxx-...") or, failing that, PCI bus id:
  /// sm_clock_mhz, mem_clock_mhz, sm_clock_max_mhz, temperature_c, power_w, power_limit_w,
  /// clocks_event_reasons (names), clocks_event_mask, throttled (power/thermal/hw slowdown).
  /// {"nvml": "unavailable: <why>"} when NVML is not there; fields it cannot read are left out.
  nlohmann::json telemetry(const std::string& uuid, const std::string& pci_bus_id) const;

  Nvml(const Nvml&) = delete;
  Nvml& operator=(const Nvml&) = delete;

 private:
  Nvml();
  struct Api;
  Api* api_ = nullptr;  // owned for the process's lifetime (NVML is not shut down: other users may remain)
  bool available_ = false;
  std::string why_;
};

}  // namespace actbench::cuda
