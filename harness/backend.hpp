// actbench/harness/backend.hpp - where a case runs: the interface every backend implements.
//
// A backend owns memory (host memory for `cpu`, device memory for `cuda`), launches an
// ElementOp over n elements with one of its impls, copies bytes for the roofline, and times
// work with its own clock (a steady clock for `cpu`, CUDA events for `cuda`).
// The harness (registry, timing, accuracy, report) talks only to this interface; no CUDA type
// appears here.
#pragma once

#include "kernels/catalog.hpp"
#include "kernels/dtype.hpp"
#include "kernels/elementwise.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace actbench {

/// A failure inside a backend (a CUDA error, an allocation that failed); the harness records
/// it on the case and carries on where the device allows.
class BackendError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The device can run nothing more in this process (a sticky CUDA error such as an illegal address
/// corrupts the context): the run stops and writes a partial report that says so.
class DeviceLost : public BackendError {
 public:
  using BackendError::BackendError;
};

/// Memory owned by a backend; freed when the last owner lets go.
class Buffer {
 public:
  Buffer() = default;
  Buffer(std::shared_ptr<void> mem, std::size_t bytes) : mem_(std::move(mem)), bytes_(bytes) {}
  void* data() const { return mem_.get(); }
  std::size_t bytes() const { return bytes_; }
  explicit operator bool() const { return mem_ != nullptr; }

 private:
  std::shared_ptr<void> mem_;
  std::size_t bytes_ = 0;
};

/// One launch: the element op's axes, the dtype, the element count and the buffers.
struct Launch {
  OpSpec op;                 ///< op.prelu_alpha must point into backend memory
  DType dtype = DType::f32;
  Impl impl = Impl::actbench;
  std::int64_t n = 0;
  const void* x = nullptr;   ///< n elements
  const void* dy = nullptr;  ///< n elements, bwd only
  void* y = nullptr;         ///< n elements (dx for bwd)
  float* prelu_dalpha = nullptr;  ///< bwd of prelu: channels floats (sum of dy*x over x<0), may be null
};

/// Whether a launch also produces prelu's dalpha (bwd of prelu with a dalpha buffer).
inline bool wants_prelu_dalpha(const Launch& l) {
  return l.op.activation == Activation::prelu && l.op.direction == Direction::bwd && l.prelu_dalpha != nullptr;
}

/// The thrust peer's launchers instantiate the precise functors only: a launch of another variant is a
/// case the registry never generates (harness/registry.cpp: combination_exists); throws BackendError.
void require_thrust_peer_variant(const Launch& l);

/// How to copy bytes for the roofline.
enum class CopyKind {
  memcpy,  ///< the platform's copy (cudaMemcpy D2D; parallel std::memcpy on the cpu)
  kernel,  ///< the backend's own copy loop/kernel with the same launch shape as ours
};

/// Facts about where we run; the report writer puts them in the context as they are.
struct DeviceFacts {
  std::string name;                 ///< "NVIDIA H200", "cpu: AMD EPYC ..."
  int index = 0;                    ///< device ordinal (0 for cpu)
  std::size_t cache_bytes = 0;      ///< L2 on a GPU, last-level cache on the cpu
  std::optional<double> theoretical_peak_gbps;  ///< memory clock x bus width, where known
  nlohmann::json details = nlohmann::json::object();  ///< everything else (UUID, cc, SMs, clocks...)
};

class Backend {
 public:
  virtual ~Backend() = default;

  virtual BackendKind kind() const = 0;
  virtual const DeviceFacts& facts() const = 0;

  /// Why `impl` cannot run `op` at `dtype` here (nullopt: it can).  E.g. "cudnn has no gelu",
  /// "built without cuDNN".  Combinations that cannot exist are filtered by the registry first.
  virtual std::optional<std::string> unsupported(Impl impl, const OpSpec& op, DType dtype) const = 0;

  /// Memory still free for buffers, in bytes.
  virtual std::size_t free_memory() const = 0;

  virtual Buffer allocate(std::size_t bytes) = 0;
  virtual void upload(Buffer& dst, const void* src, std::size_t bytes) = 0;
  virtual void download(void* dst, const Buffer& src, std::size_t bytes) = 0;
  /// Copies `count` elements of `elem_bytes` bytes each - elements first, first + stride, ... of `src` -
  /// into `dst`, packed (a strided sample of a large buffer).  Throws BackendError unless all lie in src.
  virtual void download_strided(void* dst, const Buffer& src, std::size_t elem_bytes, std::size_t first,
                                std::size_t stride, std::size_t count) = 0;
  /// Sets every byte of the buffer to `value` (poisoning outputs before a run).
  virtual void fill(Buffer& dst, std::uint8_t value) = 0;

  /// Enqueues one launch (asynchronous where the backend is).
  virtual void launch(const Launch& l) = 0;
  /// Enqueues a copy of `bytes` bytes for the roofline.
  virtual void copy(CopyKind kind, void* dst, const void* src, std::size_t bytes, DType dtype) = 0;
  /// Waits until everything enqueued has finished; throws BackendError on an asynchronous error.
  virtual void synchronize() = 0;

  /// Evicts from the caches at least this backend's own buffers, between cold samples (no-op where there is
  /// nothing to flush).
  virtual void flush_cache() = 0;
  /// Whether flush_cache() does anything (cold measurements are reported only if so).
  virtual bool has_cache_flush() const = 0;

  /// Time of one execution of `work` in seconds, by the backend's clock (events on a GPU).
  virtual double time_once(const std::function<void()>& work) = 0;
  /// A batched measurement prepared once and sampled many times: time() replays `reps` back-to-back
  /// executions of the work as one unit (a CUDA graph on a GPU, a plain loop on the cpu) and returns
  /// the time per execution.  The backend must outlive it.
  class BatchedTimer {
   public:
    virtual ~BatchedTimer() = default;
    virtual double time() = 0;
  };
  /// Prepares the batched measurement of `work` (on a GPU: one eager run, capture, instantiate, upload
  /// and a warm-up replay, so that no sample pays for them); nullptr where the backend has no such mode.
  virtual std::unique_ptr<BatchedTimer> prepare_batched(const std::function<void()>& work, int reps) = 0;
  /// One batched sample: prepare_batched(work, reps)->time(); nullopt where there is no such mode.
  std::optional<double> time_batched(const std::function<void()>& work, int reps) {
    const auto timer = prepare_batched(work, reps);
    if (!timer) return std::nullopt;
    return timer->time();
  }

  /// Clocks, temperature, power (NVML) now; empty object where not available.
  virtual nlohmann::json telemetry() { return nlohmann::json::object(); }
};

/// Throws BackendError unless elements first, first + stride, ..., first + (count - 1) stride of
/// `elem_bytes` bytes each lie inside `src` (download_strided's precondition).
inline void require_strided_inside(const Buffer& src, std::size_t elem_bytes, std::size_t first, std::size_t stride,
                                   std::size_t count) {
  if (count == 0) return;
  const std::size_t elements = elem_bytes > 0 ? src.bytes() / elem_bytes : 0;
  if (elem_bytes == 0 || stride == 0 || first >= elements || (count - 1) > (elements - 1 - first) / stride)
    throw BackendError("download_strided: " + std::to_string(count) + " elements from " + std::to_string(first) +
                       " every " + std::to_string(stride) + " exceed a buffer of " + std::to_string(elements) +
                       " elements of " + std::to_string(elem_bytes) + " bytes");
}

/// The cpu backend (always available; Thrust's OpenMP backend, threads = cores).
std::unique_ptr<Backend> make_cpu_backend();

/// What a CUDA build plugs in (harness/cuda/ provides it; main() passes it in explicitly).
struct CudaEntry {
  /// Number of usable devices; 0 with the reason in *why (no driver, no device...).
  int (*device_count)(std::string* why) = nullptr;
  /// The backend on device `index`; throws BackendError with the reason when unavailable.
  std::unique_ptr<Backend> (*make)(int index) = nullptr;
};

}  // namespace actbench
