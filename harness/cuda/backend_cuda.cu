// actbench/harness/cuda/backend_cuda.cu - the CUDA backend: device memory, our kernels and the
// thrust / cuDNN peers on one stream, CUDA-event timing, CUDA-graph batches, L2 flush, NVML telemetry,
// device facts.  Every CUDA call is checked; failures become BackendError with the call and the
// CUDA error text (never exit()).
#include "harness/cuda/check.hpp"
#include "harness/cuda/cudnn_peer.hpp"
#include "harness/cuda/entry.hpp"
#include "harness/cuda/launch.hpp"
#include "harness/cuda/nvml.hpp"

#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <memory>
#include <string>

namespace actbench::cuda {
namespace {

std::string version_text(int v) {  // 13000 -> "13.0"
  return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10);
}

std::string uuid_text(const cudaUUID_t& u) {  // NVML's form: GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx
  const auto* b = reinterpret_cast<const unsigned char*>(u.bytes);
  char s[64];
  std::snprintf(s, sizeof s, "GPU-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return s;
}

int attribute(cudaDeviceAttr a, int device, const char* name) {
  int v = 0;
  check(cudaDeviceGetAttribute(&v, a, device), std::string("cudaDeviceGetAttribute(") + name + ")");
  return v;
}

/// Makes `device` current for the calling thread when it is not.
void activate(int device) {
  int current = -1;
  check(cudaGetDevice(&current), "cudaGetDevice");
  if (current != device) check(cudaSetDevice(device), "cudaSetDevice(" + std::to_string(device) + ")");
}

class CudaBackend final : public Backend {
 public:
  explicit CudaBackend(int index);
  ~CudaBackend() override;
  CudaBackend(const CudaBackend&) = delete;
  CudaBackend& operator=(const CudaBackend&) = delete;

  BackendKind kind() const override { return BackendKind::cuda; }
  const DeviceFacts& facts() const override { return facts_; }
  std::optional<std::string> unsupported(Impl impl, const OpSpec& op, DType dtype) const override;
  std::size_t free_memory() const override;

  Buffer allocate(std::size_t bytes) override;
  void upload(Buffer& dst, const void* src, std::size_t bytes) override;
  void download(void* dst, const Buffer& src, std::size_t bytes) override;
  void download_strided(void* dst, const Buffer& src, std::size_t elem_bytes, std::size_t first, std::size_t stride,
                        std::size_t count) override;
  void fill(Buffer& dst, std::uint8_t value) override;

  void launch(const Launch& l) override;
  void copy(CopyKind kind, void* dst, const void* src, std::size_t bytes, DType dtype) override;
  void synchronize() override;

  void flush_cache() override;
  bool has_cache_flush() const override { return true; }

  double time_once(const std::function<void()>& work) override;
  std::unique_ptr<BatchedTimer> prepare_batched(const std::function<void()>& work, int reps) override;

  nlohmann::json telemetry() override;

 private:
  int index_;
  DeviceFacts facts_;
  std::string uuid_;
  std::string pci_bus_id_;
  LaunchContext ctx_;
  cudaEvent_t start_ = nullptr;
  cudaEvent_t stop_ = nullptr;
  std::unique_ptr<CudnnPeer> cudnn_;
  void* flush_scratch_ = nullptr;
  std::size_t flush_bytes_ = 0;
  unsigned int* flush_sink_ = nullptr;
};

CudaBackend::CudaBackend(int index) : index_(index) {
  int count = 0;
  check(cudaGetDeviceCount(&count), "cudaGetDeviceCount");
  if (index < 0 || index >= count)
    throw BackendError("CUDA device " + std::to_string(index) + " does not exist (" + std::to_string(count) +
                       " device(s))");
  check(cudaSetDevice(index), "cudaSetDevice(" + std::to_string(index) + ")");

  cudaDeviceProp prop{};
  check(cudaGetDeviceProperties(&prop, index), "cudaGetDeviceProperties");
  const int cc_major = attribute(cudaDevAttrComputeCapabilityMajor, index, "ComputeCapabilityMajor");
  const int cc_minor = attribute(cudaDevAttrComputeCapabilityMinor, index, "ComputeCapabilityMinor");
  const int sms = attribute(cudaDevAttrMultiProcessorCount, index, "MultiProcessorCount");
  const int l2 = attribute(cudaDevAttrL2CacheSize, index, "L2CacheSize");
  // CUDA 13 dropped cudaDeviceProp::memoryClockRate / memoryBusWidth / clockRate: attributes instead.
  const int mem_clock_khz = attribute(cudaDevAttrMemoryClockRate, index, "MemoryClockRate");
  const int bus_bits = attribute(cudaDevAttrGlobalMemoryBusWidth, index, "GlobalMemoryBusWidth");
  const int sm_clock_khz = attribute(cudaDevAttrClockRate, index, "ClockRate");
  const int ecc = attribute(cudaDevAttrEccEnabled, index, "EccEnabled");
  int driver = 0, runtime = 0;
  check(cudaDriverGetVersion(&driver), "cudaDriverGetVersion");
  check(cudaRuntimeGetVersion(&runtime), "cudaRuntimeGetVersion");
  char pci[64] = {};
  check(cudaDeviceGetPCIBusId(pci, sizeof pci, index), "cudaDeviceGetPCIBusId");
  pci_bus_id_ = pci;
  uuid_ = uuid_text(prop.uuid);

  facts_.name = prop.name;
  facts_.index = index;
  facts_.cache_bytes = static_cast<std::size_t>(l2);
  if (mem_clock_khz > 0 && bus_bits > 0)  // double data rate: two transfers per clock
    facts_.theoretical_peak_gbps = 2.0 * mem_clock_khz * 1e3 * (bus_bits / 8.0) / 1e9;
  auto& d = facts_.details;
  d["uuid"] = uuid_;
  d["pci_bus_id"] = pci_bus_id_;
  d["compute_capability"] = std::to_string(cc_major) + "." + std::to_string(cc_minor);
  d["sm_count"] = sms;
  d["l2_bytes"] = l2;
  d["persisting_l2_max_bytes"] = attribute(cudaDevAttrMaxPersistingL2CacheSize, index, "MaxPersistingL2CacheSize");
  d["memory_clock_khz"] = mem_clock_khz;
  d["memory_bus_width_bits"] = bus_bits;
  d["theoretical_peak_formula"] = "2 x memory_clock_khz x 1e3 x memory_bus_width_bits / 8 bytes/s";
  d["sm_clock_max_khz"] = sm_clock_khz;
  d["total_memory_bytes"] = prop.totalGlobalMem;
  d["max_threads_per_sm"] = attribute(cudaDevAttrMaxThreadsPerMultiProcessor, index, "MaxThreadsPerMultiProcessor");
  d["registers_per_sm"] = attribute(cudaDevAttrMaxRegistersPerMultiprocessor, index, "MaxRegistersPerMultiprocessor");
  d["shared_memory_per_sm_bytes"] =
      attribute(cudaDevAttrMaxSharedMemoryPerMultiprocessor, index, "MaxSharedMemoryPerMultiprocessor");
  d["ecc_enabled"] = ecc != 0;
  d["cuda_driver_version"] = version_text(driver);
  d["cuda_runtime_version"] = version_text(runtime);
  const Nvml& nvml = Nvml::instance();
  if (const auto v = nvml.driver_version()) d["driver_version"] = *v;
  d["nvml"] = nvml.available() ? std::string("available") : "unavailable: " + nvml.why();
  if (const auto v = CudnnPeer::version()) d["cudnn_version"] = *v;
  if (const auto why = CudnnPeer::unavailable()) d["cudnn"] = *why;

  ctx_.device = index;
  ctx_.sm_count = sms;
  check(cudaStreamCreateWithFlags(&ctx_.stream, cudaStreamNonBlocking), "cudaStreamCreateWithFlags");
  check(cudaEventCreate(&start_), "cudaEventCreate");
  check(cudaEventCreate(&stop_), "cudaEventCreate");
  cudnn_ = std::make_unique<CudnnPeer>(ctx_.stream);
}

CudaBackend::~CudaBackend() {
  // No throwing here: best effort.
  cudaSetDevice(index_);
  if (ctx_.stream != nullptr) cudaStreamSynchronize(ctx_.stream);
  cudnn_.reset();
  if (flush_scratch_ != nullptr) cudaFree(flush_scratch_);
  if (flush_sink_ != nullptr) cudaFree(flush_sink_);
  if (start_ != nullptr) cudaEventDestroy(start_);
  if (stop_ != nullptr) cudaEventDestroy(stop_);
  if (ctx_.stream != nullptr) cudaStreamDestroy(ctx_.stream);
}

std::optional<std::string> CudaBackend::unsupported(Impl impl, const OpSpec& op, DType dtype) const {
  switch (impl) {
    case Impl::actbench: return std::nullopt;
    case Impl::thrust: return std::nullopt;
    case Impl::cudnn: return CudnnPeer::unsupported(op, dtype);
  }
  return std::string("unknown impl");
}

std::size_t CudaBackend::free_memory() const {
  activate(index_);
  std::size_t free = 0, total = 0;
  check(cudaMemGetInfo(&free, &total), "cudaMemGetInfo");
  return free;
}

Buffer CudaBackend::allocate(std::size_t bytes) {
  activate(index_);
  void* p = nullptr;
  // A zero-byte request still gets a (tiny) real allocation, so the Buffer is valid and distinct.
  check(cudaMalloc(&p, std::max<std::size_t>(bytes, 1)), "cudaMalloc(" + std::to_string(bytes) + " bytes)");
  const int device = index_;
  std::shared_ptr<void> mem(p, [device](void* q) {
    int current = -1;
    if (cudaGetDevice(&current) == cudaSuccess && current != device) cudaSetDevice(device);
    cudaFree(q);  // a deleter cannot throw; an error here is reported by the next checked call
  });
  return Buffer(std::move(mem), bytes);
}

void CudaBackend::upload(Buffer& dst, const void* src, std::size_t bytes) {
  if (bytes > dst.bytes())
    throw BackendError("upload of " + std::to_string(bytes) + " bytes into a buffer of " + std::to_string(dst.bytes()));
  if (bytes == 0) return;
  activate(index_);
  cudnn_->note_write(dst.data(), bytes);
  check(cudaMemcpyAsync(dst.data(), src, bytes, cudaMemcpyHostToDevice, ctx_.stream), "cudaMemcpyAsync(upload)");
  check(cudaStreamSynchronize(ctx_.stream), "cudaStreamSynchronize(after upload)");
}

void CudaBackend::download(void* dst, const Buffer& src, std::size_t bytes) {
  if (bytes > src.bytes())
    throw BackendError("download of " + std::to_string(bytes) + " bytes from a buffer of " +
                       std::to_string(src.bytes()));
  if (bytes == 0) return;
  activate(index_);
  check(cudaMemcpyAsync(dst, src.data(), bytes, cudaMemcpyDeviceToHost, ctx_.stream), "cudaMemcpyAsync(download)");
  check(cudaStreamSynchronize(ctx_.stream), "cudaStreamSynchronize(after download)");
}

void CudaBackend::download_strided(void* dst, const Buffer& src, std::size_t elem_bytes, std::size_t first,
                                   std::size_t stride, std::size_t count) {
  require_strided_inside(src, elem_bytes, first, stride, count);
  if (count == 0) return;
  activate(index_);
  // One 2D copy: `count` rows of one element each, `stride` elements apart in the source.
  check(cudaMemcpy2DAsync(dst, elem_bytes, static_cast<const unsigned char*>(src.data()) + first * elem_bytes,
                          stride * elem_bytes, elem_bytes, count, cudaMemcpyDeviceToHost, ctx_.stream),
        "cudaMemcpy2DAsync(strided download)");
  check(cudaStreamSynchronize(ctx_.stream), "cudaStreamSynchronize(after strided download)");
}

void CudaBackend::fill(Buffer& dst, std::uint8_t value) {
  if (dst.bytes() == 0) return;
  activate(index_);
  cudnn_->note_write(dst.data(), dst.bytes());
  check(cudaMemsetAsync(dst.data(), value, dst.bytes(), ctx_.stream), "cudaMemsetAsync(fill)");
}

void CudaBackend::launch(const Launch& l) {
  activate(index_);
  const std::size_t bytes = static_cast<std::size_t>(std::max<std::int64_t>(l.n, 0)) * dtype_info(l.dtype).size_bytes;
  if (l.impl != Impl::cudnn) cudnn_->note_write(l.y, bytes);  // the cudnn peer tracks its own writes
  try {
    switch (l.impl) {
      case Impl::actbench:
        visit_dtype(l.dtype, [&](auto t) { launch_actbench<decltype(t)>(l, ctx_); });
        return;
      case Impl::thrust:
        visit_dtype(l.dtype, [&](auto t) { launch_thrust<decltype(t)>(l, ctx_); });
        return;
      case Impl::cudnn:
        cudnn_->launch(l);
        return;
    }
  } catch (const BackendError&) {
    throw;
  } catch (const std::exception& e) {  // thrust::system_error and the like
    const std::string what = std::string("launch (") + to_string(l.impl) + "): " + e.what();
    check_context_after_library_error(what);  // a dead context behind thrust's error: DeviceLost
    throw BackendError(what);
  }
  throw BackendError("launch: unknown impl");
}

void CudaBackend::copy(CopyKind kind, void* dst, const void* src, std::size_t bytes, DType dtype) {
  if (bytes == 0) return;
  activate(index_);
  cudnn_->note_write(dst, bytes);
  if (kind == CopyKind::memcpy) {
    check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, ctx_.stream), "cudaMemcpyAsync(D2D)");
  } else {
    launch_copy_kernel(dtype, dst, src, bytes, ctx_);
  }
}

void CudaBackend::synchronize() {
  activate(index_);
  check(cudaStreamSynchronize(ctx_.stream), "cudaStreamSynchronize");
  check(cudaGetLastError(), "a previous asynchronous CUDA call");
}

void CudaBackend::flush_cache() {
  activate(index_);
  if (flush_scratch_ == nullptr) {
    // Twice the L2 (at least 64 MiB), a whole number of 16-byte words; zero-filled once.
    const std::size_t bytes = (std::max<std::size_t>(2 * facts_.cache_bytes, std::size_t{64} << 20) + 15) / 16 * 16;
    check(cudaMalloc(&flush_scratch_, bytes), "cudaMalloc(L2 flush scratch, " + std::to_string(bytes) + " bytes)");
    check(cudaMalloc(reinterpret_cast<void**>(&flush_sink_), sizeof(unsigned int)), "cudaMalloc(L2 flush sink)");
    check(cudaMemsetAsync(flush_scratch_, 0, bytes, ctx_.stream), "cudaMemsetAsync(L2 flush scratch)");
    flush_bytes_ = bytes;
  }
  // Reads, not a memset: L2 ends up holding clean lines, so the next kernel pays no write-backs.
  launch_l2_flush(flush_scratch_, flush_bytes_, flush_sink_, ctx_);
}

double CudaBackend::time_once(const std::function<void()>& work) {
  activate(index_);
  check(cudaEventRecord(start_, ctx_.stream), "cudaEventRecord(start)");
  work();
  check(cudaEventRecord(stop_, ctx_.stream), "cudaEventRecord(stop)");
  check(cudaEventSynchronize(stop_), "cudaEventSynchronize (the timed work failed)");
  float ms = 0.0f;
  check(cudaEventElapsedTime(&ms, start_, stop_), "cudaEventElapsedTime");
  return static_cast<double>(ms) * 1e-3;
}

/// An instantiated graph of the batched work, replayed per sample and timed by the backend's time_once.
class GraphTimer final : public Backend::BatchedTimer {
 public:
  GraphTimer(Backend& backend, cudaGraphExec_t exec, cudaStream_t stream, int reps)
      : backend_(backend), exec_(exec), stream_(stream), reps_(reps) {}
  ~GraphTimer() override { cudaGraphExecDestroy(exec_); }
  GraphTimer(const GraphTimer&) = delete;
  GraphTimer& operator=(const GraphTimer&) = delete;
  double time() override {
    return backend_.time_once([this] { check(cudaGraphLaunch(exec_, stream_), "cudaGraphLaunch"); }) / reps_;
  }

 private:
  Backend& backend_;
  cudaGraphExec_t exec_;
  cudaStream_t stream_;
  int reps_;
};

std::unique_ptr<Backend::BatchedTimer> CudaBackend::prepare_batched(const std::function<void()>& work, int reps) {
  if (reps < 1) throw BackendError("time_batched: reps must be >= 1, got " + std::to_string(reps));
  activate(index_);
  // One eager run first: module loading, thrust/cuDNN set-up and cached state (occupancy, cuDNN's y)
  // happen outside the capture.
  work();
  synchronize();

  cudaGraph_t graph = nullptr;
  check(cudaStreamBeginCapture(ctx_.stream, cudaStreamCaptureModeThreadLocal), "cudaStreamBeginCapture");
  try {
    for (int r = 0; r < reps; ++r) work();
  } catch (...) {
    cudaStreamEndCapture(ctx_.stream, &graph);  // leave the stream usable
    if (graph != nullptr) cudaGraphDestroy(graph);
    cudaGetLastError();
    throw;
  }
  check(cudaStreamEndCapture(ctx_.stream, &graph), "cudaStreamEndCapture (work not capturable?)");
  const std::unique_ptr<CUgraph_st, cudaError_t (*)(cudaGraph_t)> graph_owner(graph, cudaGraphDestroy);

  cudaGraphExec_t exec = nullptr;
  check(cudaGraphInstantiate(&exec, graph, 0), "cudaGraphInstantiate");
  auto timer = std::make_unique<GraphTimer>(*this, exec, ctx_.stream, reps);  // owns exec from here
  check(cudaGraphUpload(exec, ctx_.stream), "cudaGraphUpload");
  check(cudaGraphLaunch(exec, ctx_.stream), "cudaGraphLaunch (warm-up)");
  synchronize();
  return timer;
}

nlohmann::json CudaBackend::telemetry() {
  nlohmann::json j = Nvml::instance().telemetry(uuid_, pci_bus_id_);
  try {
    j["free_memory_bytes"] = free_memory();
  } catch (const BackendError&) {
    // telemetry is best effort
  }
  return j;
}

int device_count(std::string* why) {
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    if (why != nullptr) *why = cuda_error_text(err, "cudaGetDeviceCount");
    cudaGetLastError();  // clear it: the cpu backend may still run in this process
    return 0;
  }
  if (count == 0 && why != nullptr) *why = "no CUDA device";
  return count;
}

std::unique_ptr<Backend> make(int index) { return std::make_unique<CudaBackend>(index); }

}  // namespace

CudaEntry entry() {
  CudaEntry e;
  e.device_count = &device_count;
  e.make = &make;
  return e;
}

}  // namespace actbench::cuda
