// actbench/harness/cuda/cudnn_peer.cu - cuDNN's legacy activation API as a peer (see cudnn_peer.hpp).
//
// Built against cudnn.h (its types and names) but never linked: libcudnn.so.<major> is opened at run time,
// as NVML is, so that actbench starts on a machine without cuDNN and reports the cudnn cases as not run,
// with the loader's reason.
#include "harness/cuda/check.hpp"
#include "harness/cuda/cudnn_peer.hpp"
#include "harness/cuda/dynlib.hpp"

#include <climits>
#include <cstdlib>
#include <cstdint>
#include <string>

#if ACTBENCH_HAVE_CUDNN
#include <cudnn.h>
#endif

namespace actbench::cuda {

#if ACTBENCH_HAVE_CUDNN

namespace {

#define ACTBENCH_STR2(x) #x
#define ACTBENCH_STR(x) ACTBENCH_STR2(x)

/// The library to open: $ACTBENCH_CUDNN_LIBRARY (a name or a path) when set, else libcudnn.so.<the headers'
/// major version>, found the dynamic loader's way (LD_LIBRARY_PATH, the ld.so cache).
const char* cudnn_library_name() {
  const char* env = std::getenv("ACTBENCH_CUDNN_LIBRARY");
  return env != nullptr && env[0] != '\0' ? env : "libcudnn.so." ACTBENCH_STR(CUDNN_MAJOR);
}

/// The entry points of cuDNN's legacy activation API.
struct CudnnApi {
  DynamicLibrary lib{cudnn_library_name()};
  decltype(&cudnnGetVersion) get_version = nullptr;
  decltype(&cudnnGetErrorString) error_string = nullptr;
  decltype(&cudnnGetLastErrorString) last_error_string = nullptr;  // may be absent: then no detail
  decltype(&cudnnCreate) create = nullptr;
  decltype(&cudnnDestroy) destroy = nullptr;
  decltype(&cudnnSetStream) set_stream = nullptr;
  decltype(&cudnnCreateTensorDescriptor) create_tensor = nullptr;
  decltype(&cudnnDestroyTensorDescriptor) destroy_tensor = nullptr;
  decltype(&cudnnSetTensor4dDescriptor) set_tensor_4d = nullptr;
  decltype(&cudnnCreateActivationDescriptor) create_activation = nullptr;
  decltype(&cudnnDestroyActivationDescriptor) destroy_activation = nullptr;
  decltype(&cudnnSetActivationDescriptor) set_activation = nullptr;
  decltype(&cudnnSetActivationDescriptorSwishBeta) set_swish_beta = nullptr;
  decltype(&cudnnActivationForward) forward = nullptr;
  decltype(&cudnnActivationBackward) backward = nullptr;
  bool usable = false;
  std::string why;  ///< why not usable

  static const CudnnApi& instance() {
    static const CudnnApi api;
    return api;
  }

 private:
  CudnnApi() {
    if (!lib.loaded()) {
      why = lib.why();
      return;
    }
    lib.load(last_error_string, "cudnnGetLastErrorString");
    const bool all = lib.load(get_version, "cudnnGetVersion") && lib.load(error_string, "cudnnGetErrorString") &&
                     lib.load(create, "cudnnCreate") && lib.load(destroy, "cudnnDestroy") &&
                     lib.load(set_stream, "cudnnSetStream") && lib.load(create_tensor, "cudnnCreateTensorDescriptor") &&
                     lib.load(destroy_tensor, "cudnnDestroyTensorDescriptor") &&
                     lib.load(set_tensor_4d, "cudnnSetTensor4dDescriptor") &&
                     lib.load(create_activation, "cudnnCreateActivationDescriptor") &&
                     lib.load(destroy_activation, "cudnnDestroyActivationDescriptor") &&
                     lib.load(set_activation, "cudnnSetActivationDescriptor") &&
                     lib.load(set_swish_beta, "cudnnSetActivationDescriptorSwishBeta") &&
                     lib.load(forward, "cudnnActivationForward") && lib.load(backward, "cudnnActivationBackward");
    if (!all) {
      why = std::string(cudnn_library_name()) + " lacks an entry point of the activation API";
      return;
    }
    const std::size_t major = get_version() / 10000;  // major*10000 + minor*100 + patch since cuDNN 9
    if (major != CUDNN_MAJOR) {
      why = "libcudnn is version " + std::to_string(get_version()) + ", built against cuDNN " +
            ACTBENCH_STR(CUDNN_MAJOR);
      return;
    }
    usable = true;
  }
};

const CudnnApi& api() { return CudnnApi::instance(); }

void check_cudnn(cudnnStatus_t s, const char* what) {
  if (s == CUDNN_STATUS_SUCCESS) return;
  std::string msg = std::string(what) + " failed: " + api().error_string(s);
  char detail[512] = {};
  if (api().last_error_string != nullptr) api().last_error_string(detail, sizeof detail);
  if (detail[0] != '\0') msg += std::string(" (") + detail + ")";
  check_context_after_library_error(msg);  // cuDNN's failure may hide a sticky CUDA error
  throw BackendError(msg);
}

cudnnDataType_t cudnn_type(DType t) {
  switch (t) {
    case DType::f16: return CUDNN_DATA_HALF;
    case DType::bf16: return CUDNN_DATA_BFLOAT16;
    case DType::f64: return CUDNN_DATA_DOUBLE;
    case DType::f32: break;
  }
  return CUDNN_DATA_FLOAT;
}

struct Mode {
  cudnnActivationMode_t mode;
  double coef;  ///< clipped relu: the ceiling; elu: alpha; swish: beta (set separately)
};

std::optional<Mode> cudnn_mode(const OpSpec& op) {
  switch (op.activation) {
    case Activation::relu: return Mode{CUDNN_ACTIVATION_RELU, 0.0};
    case Activation::relu6: return Mode{CUDNN_ACTIVATION_CLIPPED_RELU, 6.0};
    case Activation::sigmoid: return Mode{CUDNN_ACTIVATION_SIGMOID, 0.0};
    case Activation::tanh: return Mode{CUDNN_ACTIVATION_TANH, 0.0};
    case Activation::elu: return Mode{CUDNN_ACTIVATION_ELU, op.params.elu_alpha};
    case Activation::swish: return Mode{CUDNN_ACTIVATION_SWISH, op.params.swish_beta};
    default: return std::nullopt;
  }
}

}  // namespace

struct CudnnPeer::Impl {
  cudaStream_t stream = nullptr;
  cudnnHandle_t handle = nullptr;
  cudnnTensorDescriptor_t desc = nullptr;
  cudnnActivationDescriptor_t act = nullptr;
  // y = f(x) for bwd, computed once per x.
  void* y = nullptr;
  std::size_t y_capacity = 0;
  bool y_valid = false;
  const void* y_of_x = nullptr;
  std::size_t y_bytes = 0;
  DType y_dtype = DType::f32;
  Activation y_activation = Activation::relu;
  double y_coef = 0.0;

  ~Impl() {
    if (act != nullptr) api().destroy_activation(act);
    if (desc != nullptr) api().destroy_tensor(desc);
    if (handle != nullptr) api().destroy(handle);
    if (y != nullptr) cudaFree(y);
  }

  void ensure_handle() {
    if (handle != nullptr) return;
    check_cudnn(api().create(&handle), "cudnnCreate");
    check_cudnn(api().set_stream(handle, stream), "cudnnSetStream");
    check_cudnn(api().create_tensor(&desc), "cudnnCreateTensorDescriptor");
    check_cudnn(api().create_activation(&act), "cudnnCreateActivationDescriptor");
  }
};

CudnnPeer::CudnnPeer(cudaStream_t stream) : impl_(std::make_unique<Impl>()) { impl_->stream = stream; }
CudnnPeer::~CudnnPeer() = default;

std::optional<std::string> CudnnPeer::version() {
  if (!api().usable) return std::nullopt;
  const std::size_t v = api().get_version();  // major*10000 + minor*100 + patch since cuDNN 9
  return std::to_string(v / 10000) + "." + std::to_string(v / 100 % 100) + "." + std::to_string(v % 100);
}

std::optional<std::string> CudnnPeer::unavailable() {
  if (api().usable) return std::nullopt;
  return "cuDNN not loaded: " + api().why;
}

std::optional<std::string> CudnnPeer::unsupported(const OpSpec& op, DType) {
  if (auto why = unavailable()) return why;
  if (!cudnn_mode(op)) return std::string("cuDNN's activation API has no ") + to_string(op.activation);
  if (op.direction == Direction::deriv)
    return std::string("cuDNN has no derivative-only mode (fwd and bwd only)");
  if (op.variant != Variant::precise)
    return std::string("cuDNN computes with its own math; it is measured as the precise variant only");
  return std::nullopt;  // f32, f16, bf16 and f64 are all cuDNN data types of this API
}

void CudnnPeer::note_write(const void* p, std::size_t bytes) {
  Impl& s = *impl_;
  if (!s.y_valid || p == nullptr) return;
  const auto a0 = reinterpret_cast<std::uintptr_t>(p);
  const auto b0 = reinterpret_cast<std::uintptr_t>(s.y_of_x);
  if (a0 < b0 + s.y_bytes && b0 < a0 + bytes) s.y_valid = false;
}

void CudnnPeer::launch(const Launch& l) {
  if (const auto why = unsupported(l.op, l.dtype)) throw BackendError("cudnn: " + *why);
  if (l.n <= 0) return;
  if (l.n > INT_MAX) throw BackendError("cudnn: n = " + std::to_string(l.n) + " exceeds cuDNN's int dimensions");
  if (l.x == nullptr || l.y == nullptr || (l.op.direction == Direction::bwd && l.dy == nullptr))
    throw BackendError("launch: null buffer (x, y, or dy for bwd)");
  Impl& s = *impl_;
  s.ensure_handle();
  const Mode m = *cudnn_mode(l.op);
  const int n = static_cast<int>(l.n);
  check_cudnn(api().set_tensor_4d(s.desc, CUDNN_TENSOR_NCHW, cudnn_type(l.dtype), 1, 1, 1, n),
              "cudnnSetTensor4dDescriptor");
  check_cudnn(api().set_activation(s.act, m.mode, CUDNN_PROPAGATE_NAN,
                                           m.mode == CUDNN_ACTIVATION_SWISH ? 0.0 : m.coef),
              "cudnnSetActivationDescriptor");
  if (m.mode == CUDNN_ACTIVATION_SWISH)
    check_cudnn(api().set_swish_beta(s.act, m.coef), "cudnnSetActivationDescriptorSwishBeta");

  // Scaling factors are double for double data, float otherwise (cuDNN's rule).
  const float one_f = 1.0f, zero_f = 0.0f;
  const double one_d = 1.0, zero_d = 0.0;
  const bool dbl = l.dtype == DType::f64;
  const void* one = dbl ? static_cast<const void*>(&one_d) : static_cast<const void*>(&one_f);
  const void* zero = dbl ? static_cast<const void*>(&zero_d) : static_cast<const void*>(&zero_f);
  const std::size_t bytes = static_cast<std::size_t>(l.n) * dtype_info(l.dtype).size_bytes;

  if (l.op.direction == Direction::fwd) {
    note_write(l.y, bytes);
    check_cudnn(api().forward(s.handle, s.act, one, s.desc, l.x, zero, s.desc, l.y), "cudnnActivationForward");
    return;
  }

  // bwd: y = f(x) first, unless the cached one is for this very x.
  const bool cached = s.y_valid && s.y_of_x == l.x && s.y_bytes == bytes && s.y_dtype == l.dtype &&
                      s.y_activation == l.op.activation && s.y_coef == m.coef;
  if (!cached) {
    s.y_valid = false;
    if (s.y_capacity < bytes) {
      if (s.y != nullptr) check(cudaFree(s.y), "cudaFree(cudnn y scratch)");
      s.y = nullptr;
      s.y_capacity = 0;
      check(cudaMalloc(&s.y, bytes), "cudaMalloc(cudnn y scratch, " + std::to_string(bytes) + " bytes)");
      s.y_capacity = bytes;
    }
    check_cudnn(api().forward(s.handle, s.act, one, s.desc, l.x, zero, s.desc, s.y),
                "cudnnActivationForward (y for bwd)");
    s.y_valid = true;
    s.y_of_x = l.x;
    s.y_bytes = bytes;
    s.y_dtype = l.dtype;
    s.y_activation = l.op.activation;
    s.y_coef = m.coef;
  }
  note_write(l.y, bytes);  // dx may overwrite x (in place): then y is stale for the next launch
  check_cudnn(api().backward(s.handle, s.act, one, s.desc, s.y, s.desc, l.dy, s.desc, l.x, zero, s.desc, l.y),
              "cudnnActivationBackward");
}

#else  // !ACTBENCH_HAVE_CUDNN

struct CudnnPeer::Impl {};

CudnnPeer::CudnnPeer(cudaStream_t) : impl_(std::make_unique<Impl>()) {}
CudnnPeer::~CudnnPeer() = default;
std::optional<std::string> CudnnPeer::version() { return std::nullopt; }
std::optional<std::string> CudnnPeer::unavailable() { return std::string("built without cuDNN's headers (cudnn.h)"); }
std::optional<std::string> CudnnPeer::unsupported(const OpSpec&, DType) { return unavailable(); }
void CudnnPeer::note_write(const void*, std::size_t) {}
void CudnnPeer::launch(const Launch&) { throw BackendError("cudnn: " + *unavailable()); }

#endif

}  // namespace actbench::cuda
